"""Reading YAML safely while remembering where every value came from.

First stage of the pipeline: ``park.yaml -> yamlfile -> schema``. ruamel.yaml parses the
file (tags never build Python objects); the tree is turned into plain dicts and lists that
also carry the file, line and column of each value (`LocDict`, `LocList`), so that a schema
error deep in a merged park (catalog + park + scenarios) still points at the line the user
wrote. `merge` deep-merges such trees the way SPEC 3.9 says scenarios merge.
"""

from __future__ import annotations

import datetime as dt
import pathlib
from typing import Any, NamedTuple

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from circflow.exceptions import ParkError, Problem

#: Upper bound on values after alias expansion ("billion laughs" protection); a park of
#: 5,000 enterprises has about 500,000.
MAX_NODES = 1_000_000

#: Tags that only restate a plain YAML type; any other tag is refused.
_PLAIN_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq")}


class Loc(NamedTuple):
    """A position in a file, 1-based line and column."""

    file: str
    line: int
    column: int


class LocDict(dict):
    """A dict that knows where it and each of its values and keys were written."""

    def __init__(self, *args: Any, loc: Loc | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.loc = loc
        self.value_locs: dict[Any, Loc] = {}
        self.key_locs: dict[Any, Loc] = {}


class LocList(list):
    """A list that knows where it and each of its items were written."""

    def __init__(self, *args: Any, loc: Loc | None = None) -> None:
        super().__init__(*args)
        self.loc = loc
        self.item_locs: list[Loc | None] = []


def read_yaml(path: str | pathlib.Path) -> Any:
    """Read one YAML file into `LocDict` / `LocList` / plain scalars.

    Raises
    ------
    ParkError
        On a missing or unreadable file, bytes that are not UTF-8, YAML syntax errors
        (tabs, bad indentation, duplicate keys), tags, or alias bombs.
    """
    name = str(path)
    try:
        raw = pathlib.Path(path).read_bytes()
    except FileNotFoundError:
        raise ParkError(Problem(f"no such file: {name}")) from None
    except IsADirectoryError:
        raise ParkError(Problem(f"{name} is a folder; give a YAML file")) from None
    except OSError as err:
        raise ParkError(Problem(f"cannot read {name}: {err.strerror}")) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        column = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        msg = f"the file is not UTF-8 text (byte 0x{raw[err.start]:02x}); save it as UTF-8"
        raise ParkError(Problem(msg, file=name, line=line, column=column)) from None
    return parse_yaml(text, name)


def parse_yaml(text: str, name: str = "<string>") -> Any:
    """Parse YAML text (see `read_yaml`)."""
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        tree = yaml.load(text)
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = (err.problem or err.context or "invalid YAML").strip()
        if "\t" in problem or "'\\t'" in problem:
            problem += " (YAML indents with spaces, never tabs)"
        if mark is None:
            raise ParkError(Problem(f"YAML syntax error: {problem}", file=name)) from None
        loc = Problem(f"YAML syntax error: {problem}", file=name, line=mark.line + 1, column=mark.column + 1)
        raise ParkError(loc) from None
    except YAMLError as err:
        raise ParkError(Problem(f"YAML error: {err}", file=name)) from None
    if _expanded_size(tree, {}) > MAX_NODES:
        msg = f"the file expands to more than {MAX_NODES:,} values through aliases; write the values out"
        raise ParkError(Problem(msg, file=name))
    return _convert(tree, name, Loc(name, 1, 1), ())


def _expanded_size(node: Any, memo: dict[int, int]) -> int:
    """Number of values once aliases are expanded, in time linear in the file's size."""
    if not isinstance(node, (CommentedMap, CommentedSeq)):
        return 1
    key = id(node)
    if key not in memo:
        memo[key] = 0  # a recursive alias counts once
        children = node.values() if isinstance(node, CommentedMap) else node
        memo[key] = 1 + sum(_expanded_size(child, memo) for child in children)
    return memo[key]


def _convert(node: Any, name: str, here: Loc, path: tuple[Any, ...]) -> Any:
    tag = getattr(getattr(node, "tag", None), "value", None)
    if isinstance(node, TaggedScalar) and tag in _PLAIN_TAGS:
        return _scalar(node.value)
    if isinstance(node, TaggedScalar) or (tag and tag not in _PLAIN_TAGS):
        shown = (tag or "!").replace("tag:yaml.org,2002:", "!!")
        msg = f"YAML tags such as {shown!r} are not allowed in park files; write a plain value"
        raise ParkError(Problem(msg, path=format_path(path), file=name, line=here.line, column=here.column))
    if isinstance(node, CommentedMap):
        out = LocDict(loc=here)
        for key in node:
            kline, kcol = node.lc.key(key)
            vline, vcol = node.lc.value(key)
            key_loc = Loc(name, kline + 1, kcol + 1)
            value_loc = Loc(name, vline + 1, vcol + 1)
            plain_key = _scalar(key)
            out[plain_key] = _convert(node[key], name, value_loc, (*path, plain_key))
            out.key_locs[plain_key] = key_loc
            out.value_locs[plain_key] = value_loc
        return out
    if isinstance(node, CommentedSeq):
        out_list = LocList(loc=here)
        for index, item in enumerate(node):
            line, col = node.lc.item(index)
            item_loc = Loc(name, line + 1, col + 1)
            out_list.append(_convert(item, name, item_loc, (*path, index)))
            out_list.item_locs.append(item_loc)
        return out_list
    return _scalar(node)


def format_path(path: tuple[Any, ...]) -> str:
    """``("enterprises", 3, "supplies", 0)`` -> ``enterprises[3].supplies[0]``."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def copy_tree(value: Any) -> Any:
    """Deep copy of a located tree (locations kept)."""
    if isinstance(value, LocDict):
        out = LocDict(loc=value.loc)
        for key, item in value.items():
            out[key] = copy_tree(item)
        out.value_locs = dict(value.value_locs)
        out.key_locs = dict(value.key_locs)
        return out
    if isinstance(value, dict):
        return {key: copy_tree(item) for key, item in value.items()}
    if isinstance(value, LocList):
        out_list = LocList([copy_tree(item) for item in value], loc=value.loc)
        out_list.item_locs = list(value.item_locs)
        return out_list
    if isinstance(value, list):
        return [copy_tree(item) for item in value]
    return value


def merge(base: Any, overlay: Any, *, by_id: frozenset[str] = frozenset({"enterprises"}), key: str = "") -> Any:
    """Deep-merge ``overlay`` over ``base`` (SPEC 3.9), keeping locations.

    Mappings merge key by key; lists under a key in ``by_id`` merge their items by ``id``
    (an item with a new id is appended); any other value in ``overlay`` replaces the one in
    ``base``. Neither input is modified.
    """
    if isinstance(base, dict) and isinstance(overlay, dict):
        out = copy_tree(base) if isinstance(base, LocDict) else LocDict(copy_tree(base))
        for name, value in overlay.items():
            out[name] = merge(out[name], value, by_id=by_id, key=name) if name in out else copy_tree(value)
            if isinstance(overlay, LocDict):
                if name in overlay.value_locs:
                    out.value_locs[name] = overlay.value_locs[name]
                if name in overlay.key_locs:
                    out.key_locs[name] = overlay.key_locs[name]
        return out
    if key in by_id and isinstance(base, list) and isinstance(overlay, list):
        return _merge_by_id(base, overlay, by_id)
    return copy_tree(overlay)


def _merge_by_id(base: list, overlay: list, by_id: frozenset[str]) -> LocList:
    out = copy_tree(base) if isinstance(base, LocList) else LocList(copy_tree(base))
    if not isinstance(base, LocList):
        out.item_locs = [None] * len(out)
    position = {item.get("id"): i for i, item in enumerate(out) if isinstance(item, dict) and "id" in item}
    for index, item in enumerate(overlay):
        loc = overlay.item_locs[index] if isinstance(overlay, LocList) else None
        ident = item.get("id") if isinstance(item, dict) else None
        if ident is not None and ident in position:
            out[position[ident]] = merge(out[position[ident]], item, by_id=by_id)
            out.item_locs[position[ident]] = loc or out.item_locs[position[ident]]
        else:
            out.append(copy_tree(item))
            out.item_locs.append(loc)
    return out


def locate(tree: Any, path: tuple[Any, ...], *, at_key: bool = False) -> Loc | None:
    """The position of the value at ``path`` in ``tree``, or of its nearest ancestor.

    With ``at_key`` the position of the last key itself (for unknown-key errors).
    """
    best: Loc | None = getattr(tree, "loc", None)
    node = tree
    for depth, step in enumerate(path):
        last = depth == len(path) - 1
        if isinstance(node, dict) and step in node:
            if isinstance(node, LocDict):
                locs = node.key_locs if (at_key and last) else node.value_locs
                best = locs.get(step, best)
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            if isinstance(node, LocList) and step < len(node.item_locs) and node.item_locs[step]:
                best = node.item_locs[step]
            node = node[step]
        else:
            break
    return best
