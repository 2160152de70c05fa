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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5", 5),
        ("-0o17", -15),
        ("0x1F", 31),
        ("1_000", 1000),
        ("2.5", 2.5),
        ("1e3", 1000.0),  # YAML 1.2: a number without a dot
        ("-.inf", float("-inf")),
        ("true", True),
        ("yes", "yes"),  # YAML 1.2: text, not a bool
        ("~", None),
        ("", None),
        ("'5'", "5"),
        ("!!str 5", "5"),
        ("!!float 5", 5.0),
        ("2024-01-05", "2024-01-05"),
        ("2024-01-05 06:07:08 +8", "2024-01-05T06:07:08+08:00"),
        ("fly_ash", "fly_ash"),
    ],
)
def test_plain_values_get_their_yaml_types(text, expected):
    value = parse_yaml(f"a: {text}\n")["a"]
    assert value == expected
    assert type(value) is type(expected)


def test_a_yaml_1_1_file_keeps_yaml_1_1_types():
    tree = parse_yaml("%YAML 1.1\n---\na: yes\nb: 010\nc: 1:30\n")
    assert tree == {"a": True, "b": 8, "c": 90}


def test_an_alias_repeats_the_anchored_value_and_its_type():
    tree = parse_yaml("a: &flag true\nb: *flag\nc: &m {x: 1}\nd: *m\n")
    assert tree["b"] is True
    assert tree["d"] == {"x": 1}
    assert tree["d"] is not tree["c"]  # separate copies: merging one leaves the other alone
    assert locate(tree, ("d", "x")).line == 3  # where the value was written


def test_merge_keys_fill_in_what_the_mapping_does_not_write():
    """YAML's ``<<`` (used to share defaults between modes or enterprises): keys written in
    the mapping win, then the first merged mapping; locations are where values were written."""
    text = "a: &a {x: 1, y: 2}\nb: &b {y: 3, z: 4}\nc:\n  <<: [*a, *b]\n  x: 9\n"
    tree = parse_yaml(text, "m.yaml")
    assert tree["c"] == {"x": 9, "y": 2, "z": 4}
    assert locate(tree, ("c", "x")).line == 5
    assert locate(tree, ("c", "z")).line == 2


def test_an_empty_value_points_at_its_key_line():
    tree = parse_yaml("a:\n  amount:\n\n  unit: t\n", "p.yaml")
    loc = locate(tree, ("a", "amount"))
    assert (loc.line, loc.column) == (2, 10)


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("base: &b {x: 1}\nd:\n  <<: 5\n", (3, 3), "takes a mapping"),
        ("a: &a [1, *a]\n", (1, 4), "contains itself"),
        ("a:\n  - !!binary aGVsbG8=\n", (2, 5), "'!!binary'"),
        ("a: !!int 5.5\n", (1, 4), "not a valid int"),
        ("[a, b]: 1\n", (1, 1), "plain value"),
        ("a: 1\nb:\n  c: 1\n  c: 2\n", (4, 3), "first written at line 3"),
    ],
)
def test_what_yaml_allows_but_park_files_do_not_is_located(text, position, fragment):
    with pytest.raises(ParkError) as err:
        parse_yaml(text, "bad.yaml")
    problem = err.value.problems[0]
    assert (problem.file, problem.line, problem.column) == ("bad.yaml", *position)
    assert fragment in problem.message


def test_pure_python_parser_builds_the_same_tree(monkeypatch):
    """PyYAML without libyaml (no wheel for the platform) parses the same, only slower."""
    import yaml

    from circflow import yamlfile

    class PurePython(yaml.BaseLoader):
        resolve = yamlfile._Composer.resolve

    fast = parse_yaml(TEXT, "p.yaml")
    monkeypatch.setattr(yamlfile, "_Composer", PurePython)
    slow = parse_yaml(TEXT, "p.yaml")
    assert slow == fast
    assert slow["enterprises"][0]["supplies"][0].value_locs == fast["enterprises"][0]["supplies"][0].value_locs
