"""Bad input through the Python API (SPEC 3 and 7): `circflow.load_park` and `ParkError`.

Every bad park must end in one `ParkError` whose problems each name the file, line,
column, field path and what is wrong. Each case edits the minimal park of ``conftest.py``
(one mistake at a time) and says where the problem must be reported: the field path, and a
``where`` snippet of the written file whose first line must hold the reported position (the
column must fall inside the snippet's first line).

``BAD_PARKS`` and ``BAD_FILES`` are also run through the command line by ``test_cli.py``.
"""

from __future__ import annotations

import math
import pathlib
import re
from dataclasses import dataclass, field

import pytest

import circflow


@dataclass(frozen=True)
class BadPark:
    """One mistake in an otherwise valid park, and where it must be reported."""

    id: str
    replace: dict[str, str] = field(default_factory=dict)
    append: str = ""
    path: str = ""
    """Field path the problem must name."""
    where: str = ""
    """Snippet of the written file at which the problem must be located."""
    says: tuple[str, ...] = ()
    """Fragments the message must contain."""


LINK = "links:\n  - {from: plant, to: cement, resource: ash_t, mode: lorry_t}\n"
FORCE = "plan:\n  force:\n    - {from: plant, to: cement, resource: ash_t}\n"
FORBID = "plan:\n  forbid:\n    - {from: plant, to: cement, resource: ash_t}\n"
DISTANCE = "distances:\n  - {from: plant, to: cement, km: 3, mode: lorry_t}\n"
ENTERPRISES = "(known: cement, plant, town)"
PERIODS = "(known: summer, winter)"
SUPPLIES_BLOCK = (
    "    supplies:\n      - resource: ash_t\n        amount: 1000\n        disposal: {cost: 50, emissions: 0.01}\n"
    "      - resource: heat_t\n        rate: 2\n        temperature: 90\n"
)


ASH_AMOUNT = "        amount: 1000"
"""The ash supply's amount as the minimal park writes it; `ASH_AMOUNT_PATH` is its field path."""
ASH_AMOUNT_PATH = "enterprises[0].supplies[0].amount"
HEAT_RATE = "        rate: 2"
"""The heat supply's rate as the minimal park writes it; `HEAT_RATE_PATH` is its field path."""
HEAT_RATE_PATH = "enterprises[0].supplies[1].rate"
REFERENCES = {"links": LINK, "distances": DISTANCE, "plan.force": FORCE, "plan.forbid": FORBID}
"""Sections whose one entry names enterprises, a resource and a mode, each appended to the minimal park."""
KNOWN = {"enterprise": (ENTERPRISES,), "resource": ("known:", "ash_t"), "mode": ("known:", "lorry_t")}
"""What a message about an unknown id of each kind must list besides it."""


def _written(case_id: str, field: str, value: str, path: str, *says: str, where: str = "") -> BadPark:
    """The minimal park with ``field`` (``key: value``, as written there once) given ``value``
    instead: the problem must be at ``path``, where ``value`` (or ``where``) stands."""
    key = field.split(": ", 1)[0]
    ending = "\n" if field.endswith("\n") else ""
    return BadPark(case_id, {field: f"{key}: {value}{ending}"}, path=path, where=where or value, says=says)


def _without(case_id: str, line: str, path: str, where: str, *says: str) -> BadPark:
    """The minimal park without ``line`` (written there once)."""
    return BadPark(case_id, {f"{line}\n": ""}, path=path, where=where, says=says)


def _added(case_id: str, after: str, line: str, path: str, where: str, *says: str) -> BadPark:
    """The minimal park with ``line`` added after the line ``after`` (written there once)."""
    return BadPark(case_id, {after: f"{after}\n{line}"}, path=path, where=where, says=says)


def _appended(case_id: str, section: str, path: str, where: str, *says: str) -> BadPark:
    """The minimal park with ``section`` appended."""
    return BadPark(case_id, append=section, path=path, where=where, says=says)


def _misspelt(case_id: str, field: str, key: str, parent: str, *says: str) -> BadPark:
    """The minimal park with the key of ``field`` (as written there once) misspelt ``key``: an
    unknown key at ``parent.key``, with a hint at the right one."""
    right = field.split(":", 1)[0].strip()
    return BadPark(
        case_id,
        {field: field.replace(right, key, 1)},
        path=f"{parent}.{key}",
        where=key,
        says=(*says, f"did you mean '{right}'"),
    )


def _unknown_id(case_id: str, section: str, key: str, name: str) -> BadPark:
    """The entry of `REFERENCES` ``section`` naming ``name`` as its ``key`` (from, to, resource,
    mode): an unknown id, reported with the ids there are."""
    entry = REFERENCES[section]
    given = re.search(rf"{key}: \w+", entry)
    entry = entry.replace(given.group(), f"{key}: {name}") if given else entry.replace("}", f", {key}: {name}}}")
    kind = "enterprise" if key in ("from", "to") else key
    return BadPark(
        case_id, append=entry, path=f"{section}[0].{key}", where=name, says=(f"unknown {kind} '{name}'", *KNOWN[kind])
    )


BAD_PARKS = [
    # -- unknown keys, with a "did you mean" hint (SPEC 3) ------------------------------------
    _appended(
        "unknown-key-top-level",
        "enterprize: []\n",
        "enterprize",
        "enterprize",
        "unknown key 'enterprize'",
        "did you mean 'enterprises'",
    ),
    _misspelt("unknown-key-enterprise", "    name: Power plant", "nmae", "enterprises[0]", "unknown key 'nmae'"),
    _misspelt("unknown-key-supply", ASH_AMOUNT, "amout", "enterprises[0].supplies[0]"),
    _misspelt("unknown-key-demand", "        baseline: {cost: 100", "basline", "enterprises[1].demands[0]"),
    _misspelt("unknown-key-mode", "    opex_per_unit: 1\n", "opex_per_unt", "modes.lorry_t"),
    # -- wrong types ---------------------------------------------------------------------------
    _written("text-for-number", "discount_rate: 0.0", "high", "economics.discount_rate", "number", "'high'"),
    _written("text-for-quantity", ASH_AMOUNT, "lots", ASH_AMOUNT_PATH, "'lots'"),
    _written("boolean-for-number", ASH_AMOUNT, "true", ASH_AMOUNT_PATH, "number"),
    _written(
        "list-for-mapping-location", "location: {x: 0, y: 0}", "[0, 0]", "enterprises[0].location", "mapping", "list"
    ),
    _written(
        "list-for-mapping-disposal",
        "disposal: {cost: 50, emissions: 0.01}",
        "[50, 0.01]",
        "enterprises[0].supplies[0].disposal",
        "mapping",
        "list",
    ),
    BadPark(
        "mapping-for-list",
        {SUPPLIES_BLOCK: "    supplies: {resource: ash_t, amount: 5}\n"},
        path="enterprises[0].supplies",
        where="{resource: ash_t, amount: 5}",
        says=("list", "mapping"),
    ),
    _written("bad-crs", "crs: local_km", "utm", "park.crs", "'utm'", "local_km", "wgs84"),
    _written("bad-enterprise-id", "  - id: town", "the town", "enterprises[2].id", "'the town'"),
    _without("missing-location", "    location: {x: 3, y: 4}", "enterprises[1].location", "id: cement", "required"),
    # -- numbers out of range --------------------------------------------------------------------
    _written("negative-amount", ASH_AMOUNT, "-5", ASH_AMOUNT_PATH, ">= 0", "-5"),
    _written("negative-mode-capex", "capex_fixed: 1000\n", "-1000", "modes.lorry_t.capex_fixed", ">= 0", "-1000"),
    _written(
        "negative-per-period",
        "per_period: {winter: 5000, summer: 0}",
        "{winter: -5000, summer: 0}",
        "enterprises[2].demands[0].per_period.winter",
        ">= 0",
        where="-5000",
    ),
    _written("negative-unit-string", ASH_AMOUNT, "-5 t/yr", ASH_AMOUNT_PATH, ">= 0"),
    # at least an hour: amounts per hour of a shorter period leave what the model represents
    _written("zero-hours", "hours: 2760", "0", "periods[0].hours", ">= 1", where="hours: 0\n  - name: summer"),
    _appended(
        "share-above-one",
        "targets:\n  utilization: {ash_t: 1.5}\n",
        "targets.utilization.ash_t",
        "ash_t: 1.5",
        "<= 1",
        "1.5",
    ),
    # -- NaN and infinity --------------------------------------------------------------------------
    _written("nan-amount", ASH_AMOUNT, ".nan", ASH_AMOUNT_PATH, "finite"),
    _written("inf-amount", ASH_AMOUNT, ".inf", ASH_AMOUNT_PATH, "finite"),
    _written("minus-inf-rate", HEAT_RATE, "-.inf", HEAT_RATE_PATH, "finite"),
    _written("overflow-to-inf", ASH_AMOUNT, "1e400", ASH_AMOUNT_PATH, "finite"),
    _written("inf-carbon-price", "carbon_price: 0", ".inf", "economics.carbon_price", "finite"),
    _written("nan-unit-string", ASH_AMOUNT, "nan t/yr", ASH_AMOUNT_PATH, "finite"),
    # -- amount / per_period / rate / profile / temperature (SPEC 3.5) -------------------------------
    _added(
        "amount-and-rate",
        ASH_AMOUNT,
        "        rate: 3",
        "enterprises[0].supplies[0]",
        "resource: ash_t",
        "exactly one",
        "amount and rate",
    ),
    _without("no-amount", ASH_AMOUNT, "enterprises[0].supplies[0]", "resource: ash_t", "exactly one", "none"),
    _added(
        "profile-without-rate",
        ASH_AMOUNT,
        "        profile: {winter: 1}",
        "enterprises[0].supplies[0]",
        "resource: ash_t",
        "profile",
    ),
    _without(
        "heat-supply-without-temperature",
        "        temperature: 90",
        "enterprises[0].supplies[1].temperature",
        "resource: heat_t",
        "temperature",
    ),
    _without(
        "heat-demand-without-temperature",
        "        temperature: 70",
        "enterprises[2].demands[0].temperature",
        "resource: heat_t\n        per_period",
        "temperature",
    ),
    # -- unknown ids, naming what exists (SPEC 7) -----------------------------------------------------
    BadPark(
        "unknown-resource-in-stream",
        {"      - resource: ash_t\n" + ASH_AMOUNT: "      - resource: ahs_t\n" + ASH_AMOUNT},
        path="enterprises[0].supplies[0].resource",
        where="ahs_t",
        says=("unknown resource 'ahs_t'", "did you mean 'ash_t'", "known:", "heat_t"),
    ),
    _written(
        "unknown-mode-in-resource",
        "modes: [lorry_t]",
        "[lorry]",
        "resources.ash_t.modes[0]",
        "unknown mode 'lorry'",
        "known:",
        "pipe_t",
        where="lorry]",
    ),
    _written(
        "unknown-period-in-per-period",
        "per_period: {winter: 5000, summer: 0}",
        "{winter: 5000, sumer: 0}",
        "enterprises[2].demands[0].per_period.sumer",
        "unknown period 'sumer'",
        PERIODS,
        where="sumer: 0",
    ),
    _added(
        "unknown-period-in-profile",
        HEAT_RATE,
        "        profile: {wintr: 1}",
        "enterprises[0].supplies[1].profile.wintr",
        "wintr: 1",
        "unknown period 'wintr'",
        PERIODS,
    ),
    _unknown_id("unknown-enterprise-in-link", "links", "to", "cemnt"),
    _unknown_id("unknown-resource-in-link", "links", "resource", "gold"),
    _unknown_id("unknown-mode-in-link", "links", "mode", "lory"),
    _unknown_id("unknown-enterprise-in-distance", "distances", "to", "cemetery"),
    _unknown_id("unknown-mode-in-distance", "distances", "mode", "truk"),
    _unknown_id("unknown-enterprise-in-force", "plan.force", "from", "plnt"),
    _unknown_id("unknown-resource-in-force", "plan.force", "resource", "gold"),
    _unknown_id("unknown-mode-in-force", "plan.force", "mode", "lory"),
    _unknown_id("unknown-enterprise-in-forbid", "plan.forbid", "to", "cemnt"),
    _unknown_id("unknown-resource-in-forbid", "plan.forbid", "resource", "gold"),
    _appended(
        "unknown-resource-in-target",
        "targets:\n  utilization: {ashes: 0.5}\n",
        "targets.utilization.ashes",
        "ashes: 0.5",
        "unknown resource 'ashes'",
        "did you mean 'ash_t'",
        "known:",
    ),
    # -- duplicates -----------------------------------------------------------------------------------
    _written(
        "duplicate-enterprise-id",
        "  - id: town",
        "cement",
        "enterprises[2].id",
        "duplicate",
        "'cement'",
        where="cement\n    location: {x: -3",
    ),
    _written(
        "duplicate-period",
        "  - name: summer",
        "winter",
        "periods[1].name",
        "duplicate",
        "'winter'",
        where="winter\n    hours: 6000",
    ),
    # -- unit strings (SPEC 3.1) --------------------------------------------------------------------------
    _written("mass-for-heat-rate", HEAT_RATE, "3 kg", HEAT_RATE_PATH, "'3 kg'", "MWh"),
    _written(
        "mass-for-electricity-price",
        "electricity_price: 500",
        "3 kg",
        "economics.electricity_price",
        "'3 kg'",
        "CNY/MWh",
    ),
    _written("unknown-unit", HEAT_RATE, "5 flubs", HEAT_RATE_PATH, "'5 flubs'", "unit"),
    _written("foreign-currency", "electricity_price: 500", "0.1 USD/kWh", "economics.electricity_price", "USD"),
    # -- locations that do not fit the crs (SPEC 3.5) ---------------------------------------------------------
    _written(
        "xy-in-wgs84-park", "crs: local_km", "wgs84", "enterprises[0].location", "wgs84", "lat", where="{x: 0, y: 0}"
    ),
    _written(
        "latlon-in-local-km-park",
        "location: {x: 0, y: 0}",
        "{lat: 36.6, lon: 117.0}",
        "enterprises[0].location",
        "local_km",
        "x, y",
        where="{lat: 36.6",
    ),
    # -- YAML tags on a value: refused where they stand (SPEC 3: no object construction) ---------------------
    _written(
        "tag-python-object", "  name: Test park", "!!python/object:os.system ls", "park.name", "tag", where="!!python"
    ),
    _written(
        "tag-python-apply",
        ASH_AMOUNT,
        "!!python/object/apply:os.system [ls]",
        ASH_AMOUNT_PATH,
        "tag",
        where="!!python",
    ),
    _written("tag-custom", HEAT_RATE, "!custom 2", HEAT_RATE_PATH, "tag", where="!custom"),
]


@dataclass(frozen=True)
class BadFile:
    """A file that is not a park file at all: no field path, perhaps a position."""

    id: str
    content: str | bytes | None
    """None: the file does not exist."""
    position: tuple[int, int] | None
    says: tuple[str, ...]


def _alias_bomb(levels: int = 9, width: int = 10) -> str:
    """A "billion laughs" document: ``width ** levels`` values once aliases are expanded."""
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


_SYNTAX_ERROR = "park:\n  name: [Test park\n  crs: local_km\n"

BAD_FILES = [
    BadFile("yaml-syntax-error", _SYNTAX_ERROR, None, ("YAML syntax error",)),
    BadFile("tab-indentation", "park:\n  name: Test park\n\tcrs: local_km\n", (3, 1), ("tab",)),
    BadFile("duplicate-yaml-key", "park:\n  name: a\n  name: b\n", (3, 3), ("duplicate key",)),
    BadFile("empty-file", "", (1, 1), ("empty",)),
    BadFile("only-comments", "# a park, some day\n", (1, 1), ("empty",)),
    BadFile("non-utf8-bytes", b"park:\n  name: Caf\xe9 park\n", (2, 12), ("UTF-8",)),
    BadFile("top-level-list", "- park\n- enterprises\n", (1, 1), ("mapping", "list")),
    BadFile("top-level-text", "just some text\n", (1, 1), ("mapping",)),
    BadFile("missing-file", None, None, ("no such file",)),
    BadFile("alias-bomb", _alias_bomb(), None, ("alias",)),
]


def write_bad_file(folder: pathlib.Path, case: BadFile) -> pathlib.Path:
    path = folder / "park.yaml"
    if isinstance(case.content, bytes):
        path.write_bytes(case.content)
    elif isinstance(case.content, str):
        path.write_text(case.content, encoding="utf-8")
    return path


def load_errors(path: pathlib.Path, **kwargs: object) -> list[circflow.Problem]:
    with pytest.raises(circflow.ParkError) as caught:
        circflow.load_park(path, **kwargs)
    problems = caught.value.problems
    assert problems, "a ParkError must carry at least one problem"
    return problems


def located(problem: circflow.Problem) -> bool:
    return bool(problem.file and problem.line and problem.column and problem.message)


# ---------------------------------------------------------------------------------------------------


def test_minimal_park_loads(write_park_yaml):
    """The base of every bad case is itself valid, so each case tests exactly one mistake."""
    park = circflow.load_park(write_park_yaml())
    assert [e.id for e in park.enterprises] == ["plant", "cement", "town"]
    assert park.period_names() == ["winter", "summer"]


@pytest.mark.parametrize("case", BAD_PARKS, ids=lambda case: case.id)
def test_bad_park_names_file_line_column_and_path(case, write_park_yaml, yaml_position):
    path = write_park_yaml(replace=case.replace, append=case.append)
    text = path.read_text(encoding="utf-8")
    problems = load_errors(path)

    assert all(located(p) for p in problems), f"every problem needs file, line and column: {problems}"
    assert all(p.file == str(path) for p in problems)
    matching = [p for p in problems if p.path == case.path]
    assert matching, f"no problem at {case.path}; got {[str(p) for p in problems]}"
    problem = matching[0]
    line, column = yaml_position(text, case.where)
    first_line_of_snippet = case.where.split("\n")[0]
    assert problem.line == line, str(problem)
    assert column <= problem.column <= column + max(len(first_line_of_snippet) - 1, 0), str(problem)
    for fragment in case.says:
        assert fragment in problem.message, f"{fragment!r} not in {problem.message!r}"
    assert str(problem).startswith(f"{path}:{line}:{problem.column} {case.path}: ")


@pytest.mark.parametrize("case", BAD_FILES, ids=lambda case: case.id)
def test_bad_file_is_a_park_error_with_its_position(case, tmp_path):
    path = write_bad_file(tmp_path, case)
    problems = load_errors(path)
    problem = problems[0]
    if case.content is not None:
        assert problem.file == str(path)
    assert str(path) in str(problem)
    if case.position is not None:
        assert (problem.line, problem.column) == case.position, str(problem)
    if case.id == "yaml-syntax-error":  # the parser notices the open bracket on line 2 or 3
        assert problem.line in {2, 3}, str(problem)
        assert problem.column is not None, str(problem)
    for fragment in case.says:
        assert fragment in problem.message, f"{fragment!r} not in {problem.message!r}"


def test_folder_given_as_park_file(tmp_path):
    problems = load_errors(tmp_path)
    assert "folder" in problems[0].message


def test_all_problems_are_reported_together(write_park_yaml):
    """STYLE: a ParkError collects every problem of the file in one pass."""
    path = write_park_yaml(
        replace={"        amount: 1000": "        amount: -1", "        amount: 800": "        amout: 800"}
    )
    problems = load_errors(path)
    paths = {p.path for p in problems}
    assert {"enterprises[0].supplies[0].amount", "enterprises[1].demands[0].amout"} <= paths


def test_unknown_scenario_lists_the_scenarios(write_park_yaml):
    path = write_park_yaml(append="scenarios:\n  high_carbon:\n    economics: {carbon_price: 100}\n")
    problems = load_errors(path, scenarios=["nope"])
    assert "'nope'" in problems[0].message
    assert "high_carbon" in problems[0].message
    assert located(problems[0])


def test_scenario_mistake_points_at_the_scenario_line(write_park_yaml, yaml_position):
    path = write_park_yaml(append="scenarios:\n  high_carbon:\n    economics: {carbon_prise: 100}\n")
    problems = load_errors(path, scenarios=["high_carbon"])
    line, _ = yaml_position(path.read_text(), "carbon_prise")
    assert problems[0].line == line
    assert "did you mean 'carbon_price'" in problems[0].message


def test_problems_of_a_park_built_in_code_name_the_field_path():
    """Without a file there is no line, but the field path is still given."""
    data = {
        "park": {"name": "in code"},
        "economics": {"electricity_price": 500, "grid_emission_factor": 0.5},
        "enterprises": [{"id": "a", "location": {"x": 0, "y": 0}, "supplies": [{"resource": "fly_ash", "amount": -3}]}],
    }
    with pytest.raises(circflow.ParkError) as caught:
        circflow.park_from_dict(data)
    problem = caught.value.problems[0]
    assert problem.path == "enterprises[0].supplies[0].amount"
    assert problem.file is None
    assert ">= 0" in problem.message


# -- unit strings that convert (SPEC 3.1) ----------------------------------------------------------------

WATER = "resources:\n  water_t:\n    kind: water\n    unit: m3\n    modes: []\n"
HEAT_SUPPLY = "      - resource: heat_t\n        rate: 2\n        temperature: 90\n"


@pytest.mark.parametrize(
    ("replace", "field_of", "expected"),
    [
        ({"        rate: 2": "        rate: 35 MW"}, lambda p: p.enterprises[0].supplies[1].rate, 35.0),
        ({"        rate: 2": "        rate: 2000 kW"}, lambda p: p.enterprises[0].supplies[1].rate, 2.0),
        ({"        amount: 1000": "        amount: 1.2e5 t/yr"}, lambda p: p.enterprises[0].supplies[0].amount, 1.2e5),
        ({"        amount: 1000": "        amount: 120 kt/yr"}, lambda p: p.enterprises[0].supplies[0].amount, 1.2e5),
        ({"        amount: 1000": "        amount: 1.2 Mt/yr"}, lambda p: p.enterprises[0].supplies[0].amount, 1.2e6),
        ({"electricity_price: 500": "electricity_price: 0.65 CNY/kWh"}, lambda p: p.economics.electricity_price, 650.0),
        (
            {"grid_emission_factor: 0.5": "grid_emission_factor: 581 kgCO2/MWh"},
            lambda p: p.economics.grid_emission_factor,
            0.581,
        ),
        ({"{x: 3, y: 4}": "{x: 3000 m, y: 4 km}"}, lambda p: p.enterprises[1].location.x, 3.0),
        ({"temperature: 90": "temperature: 194 degF"}, lambda p: p.enterprises[0].supplies[1].temperature, 90.0),
        (
            {"resources:\n": WATER, HEAT_SUPPLY: HEAT_SUPPLY + "      - resource: water_t\n        rate: 500 m3/h\n"},
            lambda p: p.enterprises[0].supplies[2].rate,
            500.0,
        ),
    ],
    ids=[
        "35 MW",
        "2000 kW",
        "1.2e5 t/yr",
        "120 kt/yr",
        "1.2 Mt/yr",
        "0.65 CNY/kWh",
        "581 kgCO2/MWh",
        "3000 m",
        "194 degF",
        "500 m3/h",
    ],
)
def test_unit_strings_convert_to_canonical_units(replace, field_of, expected, write_park_yaml):
    park = circflow.load_park(write_park_yaml(replace=replace))
    value = field_of(park)
    assert math.isclose(value, expected, rel_tol=1e-9), value


def test_a_park_built_from_a_mapping_finds_its_time_series_beside_the_park_file(tmp_path, monkeypatch) -> None:
    """Sweeps rebuild a park from its mapping: the time-series file is found next to the park
    file (``base_dir``), not in the working directory (``circflow sweep`` on Jinan failed)."""
    from circflow.network import build_network
    from circflow.yamlfile import read_yaml

    parks = pathlib.Path(__file__).resolve().parent.parent / "parks"
    monkeypatch.chdir(tmp_path)
    park = circflow.park_from_dict(read_yaml(parks / "jinan_eco_park.yaml"), base_dir=parks)
    assert park.source is None
    net = build_network(park)
    assert "heating-peak" in net.periods
