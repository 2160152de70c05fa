"""From a park file (or a mapping) to a validated `Park`: SPEC 3 and 7 at the edge.

``park.yaml -> yamlfile (located tree) -> scenarios merged -> catalog.resolve -> schema``.
Every problem found on the way is collected with its file, line, column and field path and
raised together as one `ParkError`, so the model never sees a bad park.
"""

from __future__ import annotations

import pathlib
import time
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from circflow.catalog import resolve
from circflow.exceptions import ParkError, Problem
from circflow.fielderrors import kind_of, problem_of
from circflow.schema import Park, format_path, reference_problems
from circflow.yamlfile import LocDict, collector_paused, locate, located, merge, read_yaml

TOP_LEVEL = tuple(Park.model_fields)
OVERRIDES = "load_park(overrides=...)"
"""Where problems in ``overrides`` are placed: the override, not the value it replaced."""


def load_park(
    path: str | pathlib.Path,
    scenarios: Iterable[str] = (),
    overrides: Mapping[str, Any] | None = None,
) -> Park:
    """Read, merge and validate a park file.

    Parameters
    ----------
    path
        The park YAML file.
    scenarios
        Names of scenarios in the file's ``scenarios:`` to deep-merge, in order (SPEC 3.9).
    overrides
        A mapping merged last, e.g. ``{"economics": {"carbon_price": 100}}``, as a scenario
        is: enterprises and processes by id, streams by resource
        (``{"enterprises": [{"id": "steel", "supplies": [{"resource": "slag", "amount": 5e5}]}]}``
        changes the slag and keeps the steel works' other streams). Problems in it are
        placed at ``load_park(overrides=...)``.

    Returns
    -------
    Park
        The validated park, catalog merged; ``park.source`` is the file.

    Raises
    ------
    ParkError
        With every problem found, each located in its file.

    Examples
    --------
    >>> park = load_park("parks/tiny.yaml")  # doctest: +SKIP
    """
    started = time.perf_counter()
    path = pathlib.Path(path)
    with collector_paused():  # a big park is hundreds of thousands of new objects, no cycles
        tree = read_park_tree(path)
        park = park_from_dict(tree, scenarios=scenarios, overrides=overrides, base_dir=path.parent, source=str(path))
    park._load_seconds = time.perf_counter() - started
    return park


def read_park_tree(path: str | pathlib.Path) -> LocDict:
    """Read a park file into its located mapping, unvalidated: the one way every command reads one.

    `load_park` validates what this returns; `circflow.sweep` keeps it to vary. The file
    passes `circflow.yamlfile.read_yaml`'s guards on the way (syntax, tags, alias bombs).

    Raises
    ------
    ParkError
        When the file cannot be read, is not YAML, is empty or is not a mapping.
    """
    path = pathlib.Path(path)
    tree = read_yaml(path)
    if tree is None:
        msg = "the file is empty; a park file is a mapping with at least park: and enterprises: (try `circflow init`)"
        raise ParkError(Problem(msg, file=str(path), line=1, column=1))
    if not isinstance(tree, LocDict):
        msg = f"the top level must be a mapping (park:, enterprises:, ...), not a {kind_of(tree)}"
        raise ParkError(Problem(msg, file=str(path), line=1, column=1))
    return tree


def park_from_dict(
    data: Mapping[str, Any],
    scenarios: Iterable[str] = (),
    overrides: Mapping[str, Any] | None = None,
    base_dir: pathlib.Path | None = None,
    source: str | None = None,
) -> Park:
    """Validate a park given as a mapping (the content of a park file).

    Same as `load_park` once the file is read; problems name field paths, and lines when
    ``data`` came from `circflow.yamlfile.read_yaml`.
    """
    tree = data if isinstance(data, LocDict) else LocDict(data)
    tree = apply_scenarios(tree, list(scenarios))
    if overrides:
        tree = merge(tree, located(overrides, OVERRIDES))
    merged, unit_problems = resolve(tree, base_dir)
    problems = [_problem(merged, path, message) for path, message in unit_problems]
    unit_paths = {format_path(path) for path, _ in unit_problems}
    park = None
    try:
        park = Park.model_validate(merged, context={"resolved": True})
    except ValidationError as err:
        found = [_pydantic_problem(merged, error) for error in err.errors(include_url=False)]
        problems += [p for p in found if p.path not in unit_paths]  # said already, better
    if park is not None:
        problems += [_problem(merged, path, message) for path, message in reference_problems(park)]
    if problems:
        raise ParkError(_unique(problems))
    assert park is not None
    park._source = source
    park._base_dir = str(base_dir) if base_dir is not None else None
    park._scenarios = tuple(scenarios)
    park._tree = merged
    return park


def apply_scenarios(tree: LocDict, names: list[str]) -> LocDict:
    """Deep-merge the named scenarios over the park, in order (SPEC 3.9).

    Raises
    ------
    ParkError
        When a name is not one of the file's scenarios or a scenario is not a mapping.
    """
    available = tree.get("scenarios") or {}
    for name in names:
        if not isinstance(available, dict) or name not in available:
            known = ", ".join(sorted(available)) if isinstance(available, dict) else ""
            msg = f"unknown scenario {name!r} (scenarios in this park: {known or 'none'})"
            loc = locate(tree, ("scenarios",))
            raise ParkError(_located(msg, "scenarios", loc))
        overlay = available[name]
        if not isinstance(overlay, dict):
            msg = f"a scenario is a mapping of park sections to change, got {kind_of(overlay)}"
            raise ParkError(_located(msg, f"scenarios.{name}", locate(tree, ("scenarios", name))))
        bad = [key for key in overlay if key not in TOP_LEVEL or key == "scenarios"]
        if bad:
            msg = (
                f"a scenario cannot set {bad[0]!r} (it may set: {', '.join(k for k in TOP_LEVEL if k != 'scenarios')})"
            )
            loc = locate(tree, ("scenarios", name, bad[0]), at_key=True)
            raise ParkError(_located(msg, f"scenarios.{name}.{bad[0]}", loc))
        tree = merge(tree, overlay)
    return tree


def _pydantic_problem(tree: Any, error: Mapping[str, Any]) -> Problem:
    return problem_of(error, lambda path, message, at_key: _problem(tree, path, message, at_key=at_key))


def _problem(tree: Any, path: tuple[Any, ...], message: str, *, at_key: bool = False) -> Problem:
    loc = locate(tree, path, at_key=at_key)
    return _located(message, format_path(path), loc)


def _located(message: str, path: str, loc: Any) -> Problem:
    if loc is None:
        return Problem(message, path=path)
    return Problem(message, path=path, file=loc.file, line=loc.line, column=loc.column)


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple] = set()
    out = []
    for problem in problems:
        key = (problem.path, problem.message)
        if key not in seen:
            seen.add(key)
            out.append(problem)
    return out
