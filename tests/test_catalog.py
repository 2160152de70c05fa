"""The shipped catalog (``models/``) and the example parks (``parks/``).

Every number in ``models/`` carries its source (STYLE: "data is data ... with sources"):

- ``resources.yaml``, ``modes.yaml``, ``technologies.yaml`` and ``economics.yaml`` hold
  entries; each numeric field of an entry needs a non-empty citation under the same name in
  the entry's ``sources:`` mapping, and every ``sources`` key names a field the schema knows
  (so a typo cannot leave the real field unsourced);
- ``factors.yaml`` holds reference factors for park authors, each with ``value``, ``unit``,
  ``source`` and ``year``.

The file walk is generic: a mapping with a ``sources:`` key is an entry, any other mapping
is a collection of entries, so a new catalog file is checked the same way.

Then the shipped catalog loads and validates, and every example park validates and solves to
optimality with each of its scenarios. ``docs/catalog.md`` quotes every default; a test keeps
its tables equal to the files.
"""

from __future__ import annotations

import math
import pathlib
import re
from collections.abc import Iterator
from typing import Any

import pytest

import circflow
from circflow.catalog import CATALOG_FILES, load_catalog
from circflow.schema import AbsorptionHeatPump, Economics, HeatExchange, HeatPump, Mode, Resource
from circflow.yamlfile import read_yaml

REPO = pathlib.Path(__file__).resolve().parent.parent
MODELS = REPO / "models"
PARKS = REPO / "parks"
CATALOG_DOC = REPO / "docs" / "catalog.md"
FACTORS_FILE = "factors.yaml"
FACTOR_KEYS = ("value", "unit", "source", "year")

#: Fields each catalog file's entries may have (``sources`` keys must be among them).
SCHEMA_FIELDS = {
    "resources.yaml": set(Resource.model_fields),
    "modes.yaml": set(Mode.model_fields),
    "technologies.yaml": set(HeatExchange.model_fields)
    | set(HeatPump.model_fields)
    | set(AbsorptionHeatPump.model_fields),
    "economics.yaml": set(Economics.model_fields),
}


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def numbers(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], float]]:
    """Every number under ``node`` with its key path, ``sources`` skipped."""
    if is_number(node):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            if key != "sources":
                yield from numbers(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from numbers(value, (*path, str(index)))


def entries(tree: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """``(name, entry)`` of a catalog file: the file itself when it has ``sources:``."""
    if "sources" in tree:
        yield "(file)", tree
        return
    yield from tree.items()


def unsourced(file_name: str, tree: dict[str, Any]) -> list[str]:
    """Problems of one entry-style catalog file (see the module docstring)."""
    problems = []
    where = f"models/{file_name}"
    known = SCHEMA_FIELDS.get(file_name)
    for name, entry in entries(tree):
        if not isinstance(entry, dict):
            if is_number(entry):
                problems.append(f"{where} {name} = {entry}: a number outside an entry with sources:")
            continue
        sources = entry.get("sources") or {}
        if not isinstance(sources, dict):
            problems.append(f"{where} {name}.sources: must be a mapping field -> citation")
            continue
        for path, value in numbers(entry):
            cite = sources.get(".".join(path)) or sources.get(path[0])
            if not (isinstance(cite, str) and cite.strip()):
                problems.append(f"{where} {name}.{'.'.join(path)} = {value}: no citation in {name}.sources")
            elif value != 0 and cite.strip().lower().startswith("none"):
                problems.append(
                    f"{where} {name}.{'.'.join(path)} = {value}: the citation says 'none' but the value is not 0"
                )
        for field in sources:
            if known is not None and field.split(".")[0] not in known:
                problems.append(
                    f"{where} {name}.sources.{field}: not a field of a {file_name} entry "
                    f"(known: {', '.join(sorted(known))})"
                )
        if "attributes" in entry and entry["attributes"] and not str(sources.get("attributes", "")).strip():
            problems.append(f"{where} {name}.attributes: the standards behind the attributes need a citation")
    return problems


def factor_problems(tree: dict[str, Any]) -> list[str]:
    """Problems of ``factors.yaml``: every entry has a finite value, a unit, a source, a year."""
    problems = []
    for name, entry in tree.items():
        where = f"models/{FACTORS_FILE} {name}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be a mapping with {', '.join(FACTOR_KEYS)}")
            continue
        missing = [key for key in FACTOR_KEYS if key not in entry]
        if missing:
            problems.append(f"{where}: missing {', '.join(missing)}")
            continue
        if not (is_number(entry["value"]) and math.isfinite(entry["value"])):
            problems.append(f"{where}.value: must be a finite number, got {entry['value']!r}")
        for key in ("unit", "source"):
            if not (isinstance(entry[key], str) and entry[key].strip()):
                problems.append(f"{where}.{key}: must be non-empty text")
        if not (
            isinstance(entry["year"], int) and not isinstance(entry["year"], bool) and 1950 <= entry["year"] <= 2100
        ):
            problems.append(f"{where}.year: must be a year such as 2023, got {entry['year']!r}")
    return problems


CATALOG_FILE_NAMES = sorted(path.name for path in MODELS.glob("*.yaml"))


def test_models_folder_holds_the_catalog_files() -> None:
    """The walk below covers every shipped catalog file (and the factors)."""
    assert set(CATALOG_FILES.values()) | {FACTORS_FILE} <= set(CATALOG_FILE_NAMES)


@pytest.mark.parametrize("file_name", CATALOG_FILE_NAMES)
def test_every_number_in_models_has_a_source(file_name: str) -> None:
    tree = read_yaml(MODELS / file_name)
    assert isinstance(tree, dict), f"models/{file_name} must be a mapping"
    problems = factor_problems(tree) if file_name == FACTORS_FILE else unsourced(file_name, tree)
    assert not problems, "\n".join(problems)


def test_the_source_check_finds_an_unsourced_number() -> None:
    """The check above can fail: a number without a citation, an empty one, a stray source."""
    tree = {
        "truck": {
            "capex_fixed": 5.0,
            "opex_per_unit": 1.0,
            "detour": 1.3,
            "sources": {"capex_fixed": "quote 2023", "opex_per_unit": " ", "detuor": "typo"},
        }
    }
    problems = unsourced("modes.yaml", tree)
    assert any("truck.opex_per_unit = 1.0" in p for p in problems)
    assert any("truck.detour = 1.3" in p for p in problems)
    assert any("truck.sources.detuor" in p for p in problems)
    assert not any("truck.capex_fixed =" in p for p in problems)
    assert factor_problems({"x": {"value": 1.0, "unit": "t", "source": "", "year": 2023}})
    assert factor_problems({"x": {"value": 1.0, "unit": "t", "source": "s"}})


def test_shipped_catalog_loads() -> None:
    catalog = load_catalog()
    assert set(catalog) == set(CATALOG_FILES)
    # SPEC 3.4: the shipped catalog defines at least these resources.
    assert {"fly_ash", "gypsum", "slag", "reclaimed_water", "heat"} <= set(catalog["resources"])
    for name, resource in catalog["resources"].items():
        unknown = set(resource["modes"]) - set(catalog["modes"])
        assert not unknown, f"resource {name} names modes the catalog lacks: {unknown}"


def test_shipped_catalog_validates_as_a_park() -> None:
    """An empty park gets the catalog merged in; the schema accepts all of it."""
    park = circflow.park_from_dict({"park": {"name": "catalog only"}})
    assert park.economics.electricity_price > 0
    assert park.economics.grid_emission_factor > 0
    assert {"truck", "rail", "water_pipeline", "heat_pipeline"} <= set(park.modes)
    assert park.technologies.heat_pump.capex_per_mw > 0


def park_runs() -> list[tuple[str, str | None]]:
    """Every example park, alone and with each of its scenarios."""
    runs = []
    for path in sorted(PARKS.glob("*.yaml")):
        tree = read_yaml(path)
        runs.append((path.name, None))
        runs += [(path.name, name) for name in (tree.get("scenarios") or {})]
    return runs


def test_there_are_example_parks_with_scenarios() -> None:
    runs = park_runs()
    assert {"tiny.yaml", "jinan_eco_park.yaml", "kalundborg.yaml"} <= {name for name, _ in runs}
    assert any(scenario is not None for _, scenario in runs)


@pytest.mark.parametrize(("park_file", "scenario"), park_runs(), ids=lambda v: v or "base")
def test_example_park_validates_and_solves(park_file: str, scenario: str | None) -> None:
    park = circflow.load_park(PARKS / park_file, scenarios=[scenario] if scenario else [])
    result = circflow.optimize(park)
    assert result.status is circflow.Status.OPTIMAL, result.diagnosis
    assert math.isfinite(result.objective)
    for resource, share in result.kpis["utilization"].items():
        assert -1e-9 <= share <= 1 + 1e-9, f"{resource} utilisation {share}"


# --- docs/catalog.md quotes the files ------------------------------------------------------

ROW = re.compile(r"^\|\s*`([A-Za-z0-9_.]+)`\s*\|\s*([^|]+?)\s*\|")


def doc_values() -> dict[str, dict[str, str]]:
    """``{entry: {field: value text}}`` from the tables under each ``### `entry` `` heading."""
    sections: dict[str, dict[str, str]] = {}
    current = None
    for line in CATALOG_DOC.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^#{2,4}\s+`([A-Za-z0-9_]+)`", line)
        if heading:
            current = sections.setdefault(heading.group(1), {})
            continue
        row = ROW.match(line)
        if row and current is not None:
            current[row.group(1)] = row.group(2)
    return sections


def catalog_defaults() -> Iterator[tuple[str, str, float]]:
    for file_name in CATALOG_FILE_NAMES:
        tree = read_yaml(MODELS / file_name)
        if file_name == FACTORS_FILE:
            for name, entry in tree.items():
                yield "factors", name, entry["value"]
            continue
        for name, entry in entries(tree):
            section = "economics" if name == "(file)" else name
            for path, value in numbers(entry):
                yield section, ".".join(path), value


def test_catalog_doc_quotes_every_default() -> None:
    """Each number in models/ appears, with the same value, in docs/catalog.md's tables."""
    sections = doc_values()
    problems = []
    for section, field, value in catalog_defaults():
        text = sections.get(section, {}).get(field)
        if text is None:
            problems.append(f"docs/catalog.md: no row `{field}` under `{section}` (models say {value})")
            continue
        shown = re.sub(r"[,\s]", "", text.split()[0] if text.split() else text)
        try:
            quoted = float(shown)
        except ValueError:
            problems.append(f"docs/catalog.md `{section}`.`{field}`: {text!r} is not a number (models say {value})")
            continue
        if not math.isclose(quoted, value, rel_tol=1e-9, abs_tol=1e-12):
            problems.append(f"docs/catalog.md `{section}`.`{field}` = {quoted}, models say {value}")
    assert not problems, "\n".join(problems)


def test_a_park_pricing_its_heat_pipe_per_mw_drops_the_catalog_price_per_flow() -> None:
    """SPEC 8.3: a heat pipe is priced per MW (capex_per_capacity_km) or per m3/h of water
    (capex_per_flow_km). The shipped heat_pipeline uses the second; a park that gives the
    first for it must not inherit the second (it would be refused or priced twice)."""
    base = {"park": {"name": "pipe"}, "enterprises": []}
    shipped = circflow.park_from_dict(base).modes["heat_pipeline"]
    assert shipped.capex_per_flow_km > 0
    assert shipped.capex_per_capacity_km == 0
    own = circflow.park_from_dict({**base, "modes": {"heat_pipeline": {"capex_per_capacity_km": 34000}}})
    assert own.modes["heat_pipeline"].capex_per_capacity_km == 34000
    assert own.modes["heat_pipeline"].capex_per_flow_km == 0
    assert own.modes["heat_pipeline"].capex_per_km == shipped.capex_per_km  # the rest still merges
