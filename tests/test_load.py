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


def _link(old: str, new: str, template: str = LINK) -> str:
    assert old in template
    return template.replace(old, new)


BAD_PARKS = [
    # -- unknown keys, with a "did you mean" hint (SPEC 3) ------------------------------------
    BadPark(
        "unknown-key-top-level",
        append="enterprize: []\n",
        path="enterprize",
        where="enterprize",
        says=("unknown key 'enterprize'", "did you mean 'enterprises'"),
    ),
    BadPark(
        "unknown-key-enterprise",
        {"    name: Power plant": "    nmae: Power plant"},
        path="enterprises[0].nmae",
        where="nmae",
        says=("unknown key 'nmae'", "did you mean 'name'"),
    ),
    BadPark(
        "unknown-key-supply",
        {"        amount: 1000": "        amout: 1000"},
        path="enterprises[0].supplies[0].amout",
        where="amout",
        says=("did you mean 'amount'",),
    ),
    BadPark(
        "unknown-key-demand",
        {"        baseline: {cost: 100": "        basline: {cost: 100"},
        path="enterprises[1].demands[0].basline",
        where="basline",
        says=("did you mean 'baseline'",),
    ),
    BadPark(
        "unknown-key-mode",
        {"    opex_per_unit: 1\n": "    opex_per_unt: 1\n"},
        path="modes.lorry_t.opex_per_unt",
        where="opex_per_unt",
        says=("did you mean 'opex_per_unit'",),
    ),
    # -- wrong types ---------------------------------------------------------------------------
    BadPark(
        "text-for-number",
        {"discount_rate: 0.0": "discount_rate: high"},
        path="economics.discount_rate",
        where="high",
        says=("number", "'high'"),
    ),
    BadPark(
        "text-for-quantity",
        {"        amount: 1000": "        amount: lots"},
        path="enterprises[0].supplies[0].amount",
        where="lots",
        says=("'lots'",),
    ),
    BadPark(
        "boolean-for-number",
        {"        amount: 1000": "        amount: true"},
        path="enterprises[0].supplies[0].amount",
        where="true",
        says=("number",),
    ),
    BadPark(
        "list-for-mapping-location",
        {"{x: 0, y: 0}": "[0, 0]"},
        path="enterprises[0].location",
        where="[0, 0]",
        says=("mapping", "list"),
    ),
    BadPark(
        "list-for-mapping-disposal",
        {"disposal: {cost: 50, emissions: 0.01}": "disposal: [50, 0.01]"},
        path="enterprises[0].supplies[0].disposal",
        where="[50, 0.01]",
        says=("mapping", "list"),
    ),
    BadPark(
        "mapping-for-list",
        {SUPPLIES_BLOCK: "    supplies: {resource: ash_t, amount: 5}\n"},
        path="enterprises[0].supplies",
        where="{resource: ash_t, amount: 5}",
        says=("list", "mapping"),
    ),
    BadPark(
        "bad-crs", {"crs: local_km": "crs: utm"}, path="park.crs", where="utm", says=("'utm'", "local_km", "wgs84")
    ),
    BadPark(
        "bad-enterprise-id",
        {"  - id: town": "  - id: the town"},
        path="enterprises[2].id",
        where="the town",
        says=("'the town'",),
    ),
    BadPark(
        "missing-location",
        {"    location: {x: 3, y: 4}\n": ""},
        path="enterprises[1].location",
        where="id: cement",
        says=("required",),
    ),
    # -- numbers out of range --------------------------------------------------------------------
    BadPark(
        "negative-amount",
        {"        amount: 1000": "        amount: -5"},
        path="enterprises[0].supplies[0].amount",
        where="-5",
        says=(">= 0", "-5"),
    ),
    BadPark(
        "negative-mode-capex",
        {"capex_fixed: 1000\n": "capex_fixed: -1000\n"},
        path="modes.lorry_t.capex_fixed",
        where="-1000",
        says=(">= 0", "-1000"),
    ),
    BadPark(
        "negative-per-period",
        {"{winter: 5000, summer: 0}": "{winter: -5000, summer: 0}"},
        path="enterprises[2].demands[0].per_period.winter",
        where="-5000",
        says=(">= 0",),
    ),
    BadPark(
        "negative-unit-string",
        {"        amount: 1000": "        amount: -5 t/yr"},
        path="enterprises[0].supplies[0].amount",
        where="-5 t/yr",
        says=(">= 0",),
    ),
    BadPark(
        "zero-hours",
        {"hours: 2760": "hours: 0"},
        path="periods[0].hours",
        where="hours: 0\n  - name: summer",
        says=(">= 1",),  # at least an hour: amounts per hour of a shorter period leave what the model represents
    ),
    BadPark(
        "share-above-one",
        append="targets:\n  utilization: {ash_t: 1.5}\n",
        path="targets.utilization.ash_t",
        where="ash_t: 1.5",
        says=("<= 1", "1.5"),
    ),
    # -- NaN and infinity --------------------------------------------------------------------------
    BadPark(
        "nan-amount",
        {"        amount: 1000": "        amount: .nan"},
        path="enterprises[0].supplies[0].amount",
        where=".nan",
        says=("finite",),
    ),
    BadPark(
        "inf-amount",
        {"        amount: 1000": "        amount: .inf"},
        path="enterprises[0].supplies[0].amount",
        where=".inf",
        says=("finite",),
    ),
    BadPark(
        "minus-inf-rate",
        {"        rate: 2": "        rate: -.inf"},
        path="enterprises[0].supplies[1].rate",
        where="-.inf",
        says=("finite",),
    ),
    BadPark(
        "overflow-to-inf",
        {"        amount: 1000": "        amount: 1e400"},
        path="enterprises[0].supplies[0].amount",
        where="1e400",
        says=("finite",),
    ),
    BadPark(
        "inf-carbon-price",
        {"carbon_price: 0": "carbon_price: .inf"},
        path="economics.carbon_price",
        where=".inf",
        says=("finite",),
    ),
    BadPark(
        "nan-unit-string",
        {"        amount: 1000": "        amount: nan t/yr"},
        path="enterprises[0].supplies[0].amount",
        where="nan t/yr",
        says=("finite",),
    ),
    # -- amount / per_period / rate / profile / temperature (SPEC 3.5) -------------------------------
    BadPark(
        "amount-and-rate",
        {"        amount: 1000": "        amount: 1000\n        rate: 3"},
        path="enterprises[0].supplies[0]",
        where="resource: ash_t",
        says=("exactly one", "amount and rate"),
    ),
    BadPark(
        "no-amount",
        {"        amount: 1000\n": ""},
        path="enterprises[0].supplies[0]",
        where="resource: ash_t",
        says=("exactly one", "none"),
    ),
    BadPark(
        "profile-without-rate",
        {"        amount: 1000": "        amount: 1000\n        profile: {winter: 1}"},
        path="enterprises[0].supplies[0]",
        where="resource: ash_t",
        says=("profile",),
    ),
    BadPark(
        "heat-supply-without-temperature",
        {"        temperature: 90\n": ""},
        path="enterprises[0].supplies[1].temperature",
        where="resource: heat_t",
        says=("temperature",),
    ),
    BadPark(
        "heat-demand-without-temperature",
        {"        temperature: 70\n": ""},
        path="enterprises[2].demands[0].temperature",
        where="resource: heat_t\n        per_period",
        says=("temperature",),
    ),
    # -- unknown ids, naming what exists (SPEC 7) -----------------------------------------------------
    BadPark(
        "unknown-resource-in-stream",
        {"      - resource: ash_t\n        amount: 1000": "      - resource: ahs_t\n        amount: 1000"},
        path="enterprises[0].supplies[0].resource",
        where="ahs_t",
        says=("unknown resource 'ahs_t'", "did you mean 'ash_t'", "known:", "heat_t"),
    ),
    BadPark(
        "unknown-mode-in-resource",
        {"modes: [lorry_t]": "modes: [lorry]"},
        path="resources.ash_t.modes[0]",
        where="lorry]",
        says=("unknown mode 'lorry'", "known:", "pipe_t"),
    ),
    BadPark(
        "unknown-period-in-per-period",
        {"{winter: 5000, summer: 0}": "{winter: 5000, sumer: 0}"},
        path="enterprises[2].demands[0].per_period.sumer",
        where="sumer: 0",
        says=("unknown period 'sumer'", PERIODS),
    ),
    BadPark(
        "unknown-period-in-profile",
        {"        rate: 2\n": "        rate: 2\n        profile: {wintr: 1}\n"},
        path="enterprises[0].supplies[1].profile.wintr",
        where="wintr: 1",
        says=("unknown period 'wintr'", PERIODS),
    ),
    BadPark(
        "unknown-enterprise-in-link",
        append=_link("to: cement", "to: cemnt"),
        path="links[0].to",
        where="cemnt",
        says=("unknown enterprise 'cemnt'", ENTERPRISES),
    ),
    BadPark(
        "unknown-resource-in-link",
        append=_link("resource: ash_t", "resource: gold"),
        path="links[0].resource",
        where="gold",
        says=("unknown resource 'gold'", "known:", "ash_t"),
    ),
    BadPark(
        "unknown-mode-in-link",
        append=_link("mode: lorry_t", "mode: lory"),
        path="links[0].mode",
        where="lory}",
        says=("unknown mode 'lory'", "known:", "lorry_t"),
    ),
    BadPark(
        "unknown-enterprise-in-distance",
        append=_link("to: cement", "to: cemetery", DISTANCE),
        path="distances[0].to",
        where="cemetery",
        says=("unknown enterprise 'cemetery'", ENTERPRISES),
    ),
    BadPark(
        "unknown-mode-in-distance",
        append=_link("mode: lorry_t", "mode: truk", DISTANCE),
        path="distances[0].mode",
        where="truk",
        says=("unknown mode 'truk'", "known:", "lorry_t"),
    ),
    BadPark(
        "unknown-enterprise-in-force",
        append=_link("from: plant", "from: plnt", FORCE),
        path="plan.force[0].from",
        where="plnt",
        says=("unknown enterprise 'plnt'", ENTERPRISES),
    ),
    BadPark(
        "unknown-resource-in-force",
        append=_link("resource: ash_t", "resource: gold", FORCE),
        path="plan.force[0].resource",
        where="gold",
        says=("unknown resource 'gold'", "known:", "ash_t"),
    ),
    BadPark(
        "unknown-mode-in-force",
        append=_link("ash_t}", "ash_t, mode: lory}", FORCE),
        path="plan.force[0].mode",
        where="lory}",
        says=("unknown mode 'lory'", "known:", "lorry_t"),
    ),
    BadPark(
        "unknown-enterprise-in-forbid",
        append=_link("to: cement", "to: cemnt", FORBID),
        path="plan.forbid[0].to",
        where="cemnt",
        says=("unknown enterprise 'cemnt'", ENTERPRISES),
    ),
    BadPark(
        "unknown-resource-in-forbid",
        append=_link("resource: ash_t", "resource: gold", FORBID),
        path="plan.forbid[0].resource",
        where="gold",
        says=("unknown resource 'gold'", "known:", "ash_t"),
    ),
    BadPark(
        "unknown-resource-in-target",
        append="targets:\n  utilization: {ashes: 0.5}\n",
        path="targets.utilization.ashes",
        where="ashes: 0.5",
        says=("unknown resource 'ashes'", "did you mean 'ash_t'", "known:"),
    ),
    # -- duplicates -----------------------------------------------------------------------------------
    BadPark(
        "duplicate-enterprise-id",
        {"  - id: town": "  - id: cement"},
        path="enterprises[2].id",
        where="cement\n    location: {x: -3",
        says=("duplicate", "'cement'"),
    ),
    BadPark(
        "duplicate-period",
        {"  - name: summer": "  - name: winter"},
        path="periods[1].name",
        where="winter\n    hours: 6000",
        says=("duplicate", "'winter'"),
    ),
    # -- unit strings (SPEC 3.1) --------------------------------------------------------------------------
    BadPark(
        "mass-for-heat-rate",
        {"        rate: 2": "        rate: 3 kg"},
        path="enterprises[0].supplies[1].rate",
        where="3 kg",
        says=("'3 kg'", "MWh"),
    ),
    BadPark(
        "mass-for-electricity-price",
        {"electricity_price: 500": "electricity_price: 3 kg"},
        path="economics.electricity_price",
        where="3 kg",
        says=("'3 kg'", "CNY/MWh"),
    ),
    BadPark(
        "unknown-unit",
        {"        rate: 2": "        rate: 5 flubs"},
        path="enterprises[0].supplies[1].rate",
        where="5 flubs",
        says=("'5 flubs'", "unit"),
    ),
    BadPark(
        "foreign-currency",
        {"electricity_price: 500": "electricity_price: 0.1 USD/kWh"},
        path="economics.electricity_price",
        where="0.1 USD/kWh",
        says=("USD",),
    ),
    # -- locations that do not fit the crs (SPEC 3.5) ---------------------------------------------------------
    BadPark(
        "xy-in-wgs84-park",
        {"crs: local_km": "crs: wgs84"},
        path="enterprises[0].location",
        where="{x: 0, y: 0}",
        says=("wgs84", "lat"),
    ),
    BadPark(
        "latlon-in-local-km-park",
        {"{x: 0, y: 0}": "{lat: 36.6, lon: 117.0}"},
        path="enterprises[0].location",
        where="{lat: 36.6",
        says=("local_km", "x, y"),
    ),
    # -- YAML tags on a value: refused where they stand (SPEC 3: no object construction) ---------------------
    BadPark(
        "tag-python-object",
        {"  name: Test park": "  name: !!python/object:os.system ls"},
        path="park.name",
        where="!!python",
        says=("tag",),
    ),
    BadPark(
        "tag-python-apply",
        {"        amount: 1000": "        amount: !!python/object/apply:os.system [ls]"},
        path="enterprises[0].supplies[0].amount",
        where="!!python",
        says=("tag",),
    ),
    BadPark(
        "tag-custom",
        {"        rate: 2": "        rate: !custom 2"},
        path="enterprises[0].supplies[1].rate",
        where="!custom",
        says=("tag",),
    ),
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
