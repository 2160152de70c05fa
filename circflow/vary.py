"""What each run of a sweep changes in the park: varied KEYs, their values, the plan of runs.

Used by `circflow.sweeps`, before the model: ``park mapping -> assign (per run) ->
park_from_dict``. A KEY is a dotted path into the park file (``economics.carbon_price``,
``technologies.heat_pump.capex_per_mw``, ``enterprises.power_1.supplies.0.amount``) or
``scenario`` (the retrofit plan). Its values are a list ``0,150,300`` or a range ``0:400:9``
(start:stop:count), which make a full grid, or a distribution ``uniform(a,b)`` /
``normal(mu,sigma)`` drawn ``samples`` times with a seed (the same draws at every grid
point). `assign` sets a value in the raw park mapping: scenarios merge lists of
enterprises by id and replace other lists, so a value inside a list is set by walking the
mapping, never by merging an overlay.
"""

from __future__ import annotations

import difflib
import itertools
import math
import pathlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from circflow.exceptions import ParkError
from circflow.load import TOP_LEVEL, apply_scenarios, park_from_dict
from circflow.schema import Park
from circflow.yamlfile import LocDict, copy_tree

SCENARIO_KEY = "scenario"
"""The KEY that varies the retrofit plan: scenario names, ``a+b`` stacks, ``base`` for none."""
DISTRIBUTIONS = {"uniform": ("a", "b"), "normal": ("mu", "sigma")}
_CALL = re.compile(r"^\s*([A-Za-z_]\w*)\s*\((.*)\)\s*$")


@dataclass(frozen=True)
class Vary:
    """One varied KEY: listed values (a grid axis) or a distribution (Monte Carlo)."""

    key: str
    values: tuple[Any, ...] = ()
    distribution: str | None = None
    parameters: tuple[float, ...] = ()
    checked: tuple[Any, ...] = ()
    """Values validated before any run: every listed value, the two ends of a range."""

    @property
    def sampled(self) -> bool:
        return self.distribution is not None

    def draw(self, rng: np.random.Generator, count: int) -> list[float]:
        """``count`` values of the distribution."""
        low_or_mean, high_or_sd = self.parameters
        if self.distribution == "uniform":
            return [float(v) for v in rng.uniform(low_or_mean, high_or_sd, count)]
        return [float(v) for v in rng.normal(low_or_mean, high_or_sd, count)]


def parse_vary(text: str) -> Vary:
    """Read one ``--vary KEY=VALUES``.

    Examples
    --------
    >>> parse_vary("economics.carbon_price=0:400:5").values
    (0, 100, 200, 300, 400)
    >>> parse_vary("technologies.heat_pump.capex_per_mw=normal(2.5e6, 4e5)").distribution
    'normal'
    """
    key, sep, spec = text.partition("=")
    if not sep or not key.strip() or not spec.strip():
        msg = (
            f"cannot read --vary {text!r}: write KEY=VALUES, e.g. economics.carbon_price=0,150,300, "
            "economics.carbon_price=0:400:9 (start:stop:count) or KEY=uniform(a,b) with --samples"
        )
        raise ParkError(msg)
    return vary_spec(key.strip(), spec.strip())


def vary_spec(key: str, spec: Any) -> Vary:
    """A `Vary` from the API's form: a VALUES string as on the command line, a list, or one value."""
    if isinstance(spec, Vary):
        return spec
    if isinstance(spec, str):
        return _parse_values(key, spec)
    if isinstance(spec, (bytes, Mapping)) or not isinstance(spec, Iterable):
        values: tuple[Any, ...] = (_plain(spec),)
    else:
        unique: list[Any] = []
        for value in map(_plain, spec):
            if value not in unique:  # one run per value
                unique.append(value)
        values = tuple(unique)
    if not values:
        msg = f"--vary {key}: give at least one value"
        raise ParkError(msg)
    return Vary(key, values=values, checked=values)


def _parse_values(key: str, spec: str) -> Vary:
    call = _CALL.match(spec)
    if call:
        name, inside = call.group(1), call.group(2)
        if name not in DISTRIBUTIONS:
            msg = f"--vary {key}={spec}: unknown distribution {name!r}; use uniform(a,b) or normal(mu,sigma)"
            raise ParkError(msg)
        parameters = tuple(_number(part, f"--vary {key}={spec}") for part in inside.split(","))
        names = DISTRIBUTIONS[name]
        if len(parameters) != len(names):
            msg = f"--vary {key}={spec}: {name} takes {len(names)} numbers, {name}({','.join(names)})"
            raise ParkError(msg)
        if name == "uniform" and not parameters[0] < parameters[1]:
            msg = f"--vary {key}={spec}: uniform(a,b) needs a < b"
            raise ParkError(msg)
        if name == "normal" and not parameters[1] > 0:
            msg = f"--vary {key}={spec}: normal(mu,sigma) needs sigma > 0"
            raise ParkError(msg)
        if key == SCENARIO_KEY:
            msg = f"--vary {SCENARIO_KEY} takes scenario names, not a distribution"
            raise ParkError(msg)
        return Vary(key, distribution=name, parameters=parameters)
    if ":" in spec:
        parts = spec.split(":")
        where = f"--vary {key}={spec}"
        if len(parts) != 3:
            msg = f"{where}: a range is start:stop:count, e.g. 0:400:9 (0, 50, ..., 400)"
            raise ParkError(msg)
        start, stop, count = (_number(part, where) for part in parts)
        if count != int(count) or count < 2:
            msg = f"{where}: the count of a range must be a whole number >= 2, got {parts[2].strip()}"
            raise ParkError(msg)
        values = _tidy([float(f"{v:.12g}") for v in np.linspace(start, stop, int(count))])
        return Vary(key, values=tuple(values), checked=(values[0], values[-1]))
    tokens = [token.strip() for token in spec.split(",")]
    if not all(tokens):
        msg = f"--vary {key}={spec}: an empty value in the list; write values separated by commas, e.g. 0,150,300"
        raise ParkError(msg)
    values = _tidy([_value(token) for token in dict.fromkeys(tokens)])
    return Vary(key, values=tuple(values), checked=tuple(values))


def _number(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        msg = f"{where}: {text.strip()!r} is not a number"
        raise ParkError(msg) from None
    if not math.isfinite(value):
        msg = f"{where}: {text.strip()!r} is not a finite number"
        raise ParkError(msg)
    return value


def _value(token: str) -> Any:
    """A number when the token reads as one, else the text (a unit string or a scenario name)."""
    try:
        return float(token)
    except ValueError:
        return token


def _tidy(values: list[Any]) -> list[Any]:
    """Whole numbers as int (0, 150, 300 rather than 0.0, 150.0, 300.0) when all of them are."""
    numbers = [v for v in values if isinstance(v, float)]
    if numbers and len(numbers) == len(values) and all(v.is_integer() for v in numbers):
        return [int(v) for v in numbers]
    return values


def _plain(value: Any) -> Any:
    """numpy scalars as Python ones, so that run keys and the journal see plain values."""
    return value.item() if isinstance(value, np.generic) else value


def check_keys(keys: list[str], form: str, advice: str = "") -> None:
    """Refuse a study with no ``--vary`` and one that varies a KEY twice.

    Parameters
    ----------
    keys
        The KEYs in the order given.
    form
        How a ``--vary`` is written for this study, e.g. ``KEY=VALUES``.
    advice
        Said after "is given twice".

    Raises
    ------
    ParkError
        When ``keys`` is empty or names a KEY more than once.
    """
    if not keys:
        msg = f"give at least one --vary {form}"
        raise ParkError(msg)
    repeated = next((key for key in keys if keys.count(key) > 1), None)
    if repeated is not None:
        msg = f"--vary {repeated} is given twice{advice}"
        raise ParkError(msg)


def plan_runs(varies: list[Vary], samples: int | None = None, seed: int = 0) -> list[dict[str, Any]]:
    """Every run's values: the grid of listed values, crossed with the Monte Carlo draws.

    Returns
    -------
    list of dict
        ``{"values": {KEY: value}, "sample": int | None}`` in grid order, the first KEY
        varying slowest.
    """
    grid = [v for v in varies if not v.sampled]
    sampled = [v for v in varies if v.sampled]
    if sampled and not samples:
        first = sampled[0]
        given = f"{first.distribution}({', '.join(f'{p:g}' for p in first.parameters)})"
        msg = f"--vary {first.key}={given} is a distribution: give --samples N (and --seed S)"
        raise ParkError(msg)
    if samples and not sampled:
        msg = "--samples draws values of distributions; give a --vary KEY=uniform(a,b) or KEY=normal(mu,sigma)"
        raise ParkError(msg)
    draws: list[tuple[int | None, dict[str, float]]] = [(None, {})]
    if sampled:
        rng = np.random.default_rng(seed)
        columns = {v.key: v.draw(rng, samples or 0) for v in sampled}
        draws = [(i, {key: column[i] for key, column in columns.items()}) for i in range(samples or 0)]
    runs = []
    for combination in itertools.product(*(v.values for v in grid)):
        point = dict(zip((v.key for v in grid), combination, strict=True))
        for sample, drawn in draws:
            runs.append({"values": {**point, **drawn}, "sample": sample})
    return runs


def assign(tree: dict[str, Any], key: str, value: Any) -> None:
    """Set the value at a dotted KEY of a park mapping, in place.

    Mappings are walked by key (a section not written yet is created, e.g. ``targets``);
    a list by the ``id`` (or ``name``) of its items, as ``enterprises`` and ``periods``, or
    by index, as ``supplies.0``.

    Raises
    ------
    ParkError
        When the path names an unknown top-level section, list item or index, or goes on
        past a single value.

    Examples
    --------
    >>> park = {"enterprises": [{"id": "power", "supplies": [{"amount": 5}]}]}
    >>> assign(park, "enterprises.power.supplies.0.amount", 7)
    >>> park["enterprises"][0]["supplies"][0]["amount"]
    7
    """
    steps = key.split(".")
    sections = [name for name in TOP_LEVEL if name != "scenarios"]
    if not all(steps):
        msg = f"--vary {key}: a KEY is a dotted path such as economics.carbon_price"
        raise ParkError(msg)
    if steps[0] not in sections:
        close = difflib.get_close_matches(steps[0], [*sections, SCENARIO_KEY], n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        msg = f"--vary {key}: unknown section {steps[0]!r}; {hint}(a KEY starts with one of: {', '.join(sections)}, or is {SCENARIO_KEY})"
        raise ParkError(msg)
    node: Any = tree
    for depth, step in enumerate(steps):
        here = ".".join(steps[:depth])
        last = depth == len(steps) - 1
        if isinstance(node, dict):
            if last:
                node[step] = value
                return
            if node.get(step) is None:
                node[step] = LocDict()
            node = node[step]
        elif isinstance(node, list):
            index = _item(node, step, key, here)
            if last:
                node[index] = value
                return
            node = node[index]
        else:
            msg = f"--vary {key}: {here} is a single value ({node!r}), so {step!r} cannot be set inside it"
            raise ParkError(msg)


def _item(items: list[Any], step: str, key: str, here: str) -> int:
    for index, item in enumerate(items):
        if isinstance(item, dict) and step in (item.get("id"), item.get("name")):
            return index
    if step.isdigit() and int(step) < len(items):
        return int(step)
    names = [
        str(item.get("id", item.get("name")))
        for item in items
        if isinstance(item, dict) and ("id" in item or "name" in item)
    ]
    if names:
        close = difflib.get_close_matches(step, names, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        msg = f"--vary {key}: {here} has no {step!r}; {hint}(known: {', '.join(names)})"
    else:
        msg = f"--vary {key}: {here} has {len(items)} items; give an index from 0 to {len(items) - 1}, got {step!r}"
    raise ParkError(msg)


def build_park(
    tree: Mapping[str, Any], scenarios: Iterable[str], values: Mapping[str, Any], base_dir: str | None = None
) -> Park:
    """The park of one run: scenarios applied (``values[scenario]`` after ``scenarios``), then each value set."""
    chosen = list(scenarios)
    if SCENARIO_KEY in values:
        chosen += split_scenario(str(values[SCENARIO_KEY]))
    located = tree if isinstance(tree, LocDict) else LocDict(tree)
    merged = copy_tree(apply_scenarios(located, chosen))
    for key, value in values.items():
        if key != SCENARIO_KEY:
            assign(merged, key, value)
    park = park_from_dict(merged, base_dir=None if base_dir is None else pathlib.Path(base_dir))
    park._scenarios = tuple(chosen)
    return park


def split_scenario(text: str) -> list[str]:
    """``plan_a+high_carbon`` -> both, in order; ``base`` -> none."""
    names = [part.strip() for part in text.split("+")]
    if not all(names):
        msg = f"--vary {SCENARIO_KEY}: cannot read {text!r}; write scenario names joined by '+', or base"
        raise ParkError(msg)
    return [] if names == ["base"] else names
