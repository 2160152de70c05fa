"""YAML with locations, and the scenario merge of SPEC 3.9."""

import pytest

from circflow.exceptions import ParkError
from circflow.yamlfile import locate, merge, parse_yaml

TEXT = """\
park: {name: p}
enterprises:
  - id: a
    supplies:
      - resource: fly_ash
        amount: 5
  - id: b
    demands: []
scenarios:
  more:
    enterprises:
      - id: a
        name: renamed
      - id: c
    periods: [{name: year, hours: 8000}]
"""


def test_every_value_knows_its_line_and_column():
    tree = parse_yaml(TEXT, "p.yaml")
    loc = locate(tree, ("enterprises", 0, "supplies", 0, "amount"))
    assert (loc.file, loc.line, loc.column) == ("p.yaml", 6, 17)
    key = locate(tree, ("enterprises", 1, "demands"), at_key=True)
    assert (key.line, key.column) == (8, 5)


def test_locate_falls_back_to_the_nearest_ancestor():
    tree = parse_yaml(TEXT, "p.yaml")
    assert locate(tree, ("enterprises", 0, "no_such_key", 3)).line == 3


def test_merge_by_id_keeps_base_items_and_appends_new_ones():
    tree = parse_yaml(TEXT, "p.yaml")
    merged = merge(tree, tree["scenarios"]["more"])
    assert [e["id"] for e in merged["enterprises"]] == ["a", "b", "c"]
    assert merged["enterprises"][0]["name"] == "renamed"
    assert merged["enterprises"][0]["supplies"][0]["amount"] == 5  # mappings merge deep
    assert merged["periods"] == [{"name": "year", "hours": 8000}]  # other lists replace
    # the merged value still points at the scenario's line
    assert locate(merged, ("enterprises", 0, "name")).line == 13
    assert "name" not in tree["enterprises"][0]  # inputs untouched


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("park:\n\tname: x\n", "tabs"),
        ("a: 1\na: 2\n", "duplicate"),
        ("a: [1, 2\n", "YAML syntax error"),
        ("a: !!python/object:os.system {}\n", "tags"),
    ],
)
def test_bad_yaml_is_a_located_park_error(text, fragment):
    with pytest.raises(ParkError) as err:
        parse_yaml(text, "bad.yaml")
    problem = err.value.problems[0]
    assert problem.file == "bad.yaml"
    assert fragment in str(problem)


def test_alias_bomb_is_refused_before_expansion():
    lines = ["a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    with pytest.raises(ParkError, match="aliases"):
        parse_yaml("\n".join(lines) + "\n", "bomb.yaml")
