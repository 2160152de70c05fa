"""Reading YAML safely while remembering where every value came from.

First stage of the pipeline: ``park.yaml -> yamlfile -> schema``. PyYAML's libyaml parser
(C) composes the file into a graph of nodes that know their line and column; this module
turns the nodes into plain dicts and lists that also carry the file, line and column of each
value (`LocDict`, `LocList`), so that a schema error deep in a merged park (catalog + park +
scenarios) still points at the line the user wrote. Tags never build Python objects: only
plain ones are accepted. `merge` deep-merges such trees the way SPEC 3.9 says scenarios merge.

Plain scalars get their types by ruamel.yaml's rules (YAML 1.2 unless the file says
``%YAML 1.1``), as when ruamel.yaml parsed the files: ``yes`` is text, ``1e3`` a number,
dates become ISO text. When libyaml refuses a file, ruamel.yaml's pure-Python parser reads
it again only to word the error (its messages name tabs and the offending character).
"""

from __future__ import annotations

import contextlib
import gc
import io
import pathlib
import re
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError as RuamelMarkedError
from ruamel.yaml.error import YAMLError as RuamelError
from ruamel.yaml.resolver import implicit_resolvers
from ruamel.yaml.util import create_timestamp, timestamp_regexp
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from circflow.exceptions import ParkError, Problem

#: Aliases (``*name``) may repeat at most this many values beyond those written ("billion
#: laughs" protection). A park written out in full is never refused for its size: a
#: 1,000-enterprise park has 25,000 values and a 50 MB one millions.
MAX_ALIASED_VALUES = 1_000_000
#: Aliases may repeat at most this many characters of text beyond those written: one long
#: text repeated ten thousand times makes gigabytes of a one-megabyte file.
MAX_ALIASED_TEXT = 10_000_000

_CORE = "tag:yaml.org,2002:"

_STR, _MAP, _SEQ = f"{_CORE}str", f"{_CORE}map", f"{_CORE}seq"
_MERGE = f"{_CORE}merge"

#: Tags that only restate a plain YAML type; any other tag is refused.
_PLAIN_TAGS = {f"{_CORE}{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq")}

#: The plain tags a scalar may carry.
_SCALAR_TAGS = _PLAIN_TAGS - {_MAP, _SEQ}

#: YAML's non-specific tags: "?" for a plain (unquoted) scalar, whose type its text decides,
#: "!" for a quoted or block scalar, always text.
_PLAIN, _TEXT = "?", "!"

#: libyaml's C parser when PyYAML was built with it (every PyPI wheel), else PyYAML's own.
_BaseLoader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


class Loc(NamedTuple):
    """A position in a file, 1-based line and column (None for a mapping given in code)."""

    file: str
    line: int | None
    column: int | None


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
    """Parse YAML text (see `read_yaml`).

    Parameters
    ----------
    text
        One YAML document.
    name
        The file name that locations and messages give.

    Returns
    -------
    Any
        `LocDict`, `LocList` or a plain value (``None`` for an empty document).

    Raises
    ------
    ParkError
        On syntax errors, duplicate keys, tags, bad merge keys, recursive aliases or alias bombs.
    """
    with collector_paused():
        return _build(text, name)


def _build(text: str, name: str) -> Any:
    """Compose the node graph and build the tree from it; the nodes die on return."""
    root = _compose(text, name)
    if root is None:
        return None
    try:
        _check_aliases(root, name)
        return _TreeBuilder(name, _yaml_version(text)).value(root, Loc(name, 1, 1), ())
    except RecursionError:
        msg = "values are nested too deeply; flatten the file"
        raise ParkError(Problem(msg, file=name)) from None


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while big located trees are built (nestable).

    The nodes and trees hold no reference cycles (a recursive alias is refused; its nodes
    are collected later), but their hundreds of thousands of new containers set off
    collections of the whole heap, again and again as the heap grows: with the collector
    running, a 1,000-enterprise park took twice as long to read and a 5,000-enterprise park
    three times as long to validate. `parse_yaml` frees its nodes before the collector
    resumes, so the collector never has to look at them.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Composer(_BaseLoader):  # type: ignore[misc,valid-type]
    """libyaml's parser and composer; tags untagged nodes with the non-specific tags.

    PyYAML calls `resolve` for every node without an explicit tag. Deciding the type of a
    plain scalar is left to `_TreeBuilder`, with ruamel.yaml's rules rather than PyYAML's.
    """

    def resolve(self, kind: type[Node], value: str | None, implicit: tuple[bool, bool] | bool) -> str:
        if kind is ScalarNode:
            return _PLAIN if implicit[0] else _TEXT  # type: ignore[index]
        return _SEQ if kind is SequenceNode else _MAP


def _compose(text: str, name: str) -> Node | None:
    """The file's node graph (aliases are shared nodes), or ``None`` if it holds no value."""
    composer = None
    try:
        composer = _Composer(text)  # PyYAML's pure-Python reader checks the characters here
        return composer.get_single_node()
    except yaml.YAMLError as err:
        raise _syntax_error(text, name, err) from None
    finally:
        if composer is not None:
            composer.dispose()


def _syntax_error(text: str, name: str, err: yaml.YAMLError) -> ParkError:
    """The error for text libyaml refused, worded by ruamel.yaml's pure-Python parser.

    ruamel.yaml says which character is wrong (libyaml does not), which lets us spot tabs.
    If ruamel.yaml accepts what libyaml refused, libyaml's own message is given.
    """
    try:
        YAML(typ="rt", pure=True).compose(text)
    except RuamelMarkedError as ruamel_err:
        return _located_syntax_error(ruamel_err, name)
    except RuamelError as ruamel_err:
        return ParkError(Problem(f"YAML error: {ruamel_err}", file=name))
    except RecursionError:
        pass
    if isinstance(err, yaml.MarkedYAMLError):
        return _located_syntax_error(err, name)
    return ParkError(Problem(f"YAML error: {err}", file=name))


def _located_syntax_error(err: yaml.MarkedYAMLError | RuamelMarkedError, name: str) -> ParkError:
    mark = err.problem_mark or err.context_mark
    problem = (err.problem or err.context or "invalid YAML").strip()
    if "\t" in problem or "'\\t'" in problem:
        problem += " (YAML indents with spaces, never tabs)"
    if mark is None:
        return ParkError(Problem(f"YAML syntax error: {problem}", file=name))
    return ParkError(Problem(f"YAML syntax error: {problem}", file=name, line=mark.line + 1, column=mark.column + 1))


def _yaml_version(text: str) -> tuple[int, int]:
    """The YAML version the file declares (``%YAML 1.1``), else 1.2.

    Directives come before the document's first ``---``, after blank and comment lines.
    """
    for line in io.StringIO(text):  # lazily: only the first lines are looked at
        if line.startswith("%YAML"):
            return (1, 1) if line.split()[1:2] == ["1.1"] else (1, 2)
        written = line.strip()
        if written and not written.startswith("#") and not line.startswith("%"):
            break
    return (1, 2)


def _check_aliases(root: Node, name: str) -> None:
    """Refuse a file whose aliases repeat more than `MAX_ALIASED_VALUES` values or
    `MAX_ALIASED_TEXT` characters beyond what it writes (an alias bomb).

    Raises
    ------
    ParkError
        Saying which of the two the aliases exceed, and by how much.
    """
    written = _Size()
    expanded = _expanded_size(root, {}, written)
    values, text = expanded.values - written.values, expanded.text - written.text
    if values > MAX_ALIASED_VALUES:
        msg = (
            f"aliases (*name) repeat {values:,} values beyond the {written.values:,} written, more than "
            f"the {MAX_ALIASED_VALUES:,} allowed (an alias bomb?); write the values out"
        )
        raise ParkError(Problem(msg, file=name))
    if text > MAX_ALIASED_TEXT:
        msg = (
            f"aliases (*name) repeat {text:,} characters of text beyond the {written.text:,} written, more "
            f"than the {MAX_ALIASED_TEXT:,} allowed (an alias bomb?); write the text out"
        )
        raise ParkError(Problem(msg, file=name))


class _Size:
    """Values and characters of text, of a node once its aliases are expanded or as written."""

    def __init__(self, values: int = 0, text: int = 0) -> None:
        self.values, self.text = values, text

    def add(self, other: _Size) -> None:
        self.values += other.values
        self.text += other.text


def _expanded_size(node: Node, memo: dict[int, _Size], written: _Size) -> _Size:
    """Size of ``node`` once aliases are expanded, in time linear in the file's size.

    Each node met the first time is also added to ``written`` (an alias is a node met again).
    """
    key = id(node)
    if key in memo:
        return memo[key]
    if isinstance(node, ScalarNode):
        size = memo[key] = _Size(1, len(node.value))
        written.add(size)
        return size
    memo[key] = _Size()  # a recursive alias counts once (and is refused when built)
    written.add(_Size(1))
    size = _Size(1)
    children = [child for pair in node.value for child in pair] if isinstance(node, MappingNode) else node.value
    for child in children:
        size.add(_expanded_size(child, memo, written))
    memo[key] = size
    return size


def _implicit_rules(version: tuple[int, int]) -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    """ruamel.yaml's rules for plain scalars, by first character, in the order it tries them.

    Merge keys (``<<``) are told apart by `_TreeBuilder`; ``=`` (the "value" key) is text.
    ruamel.yaml wraps its patterns in a lazy proxy that costs a call per match: they are
    compiled here once.
    """
    kept = {f"{_CORE}{name}" for name in ("bool", "float", "int", "null", "timestamp")}
    rules: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for versions, tag, pattern, first_characters in implicit_resolvers:
        if version in versions and tag in kept:
            compiled = re.compile(pattern.pattern, pattern.flags)
            for character in first_characters:
                rules.setdefault(character, []).append((tag, compiled))
    return rules


_IMPLICIT = {version: _implicit_rules(version) for version in ((1, 1), (1, 2))}


def _int(text: str, version: tuple[int, int]) -> int:
    digits = text.replace("_", "")
    sign = -1 if digits[:1] == "-" else 1
    digits = digits[1:] if digits[:1] in ("-", "+") else digits
    prefixed = {"0b": 2, "0o": 8, "0x": 16}.get(digits[:2])
    if prefixed:
        return sign * int(digits[2:], prefixed)
    if version == (1, 1) and ":" in digits:  # sexagesimal, 1:30 = 90
        return sign * _base_60(digits, int)
    if version == (1, 1) and len(digits) > 1 and digits[0] == "0":
        return sign * int(digits, 8)
    return sign * int(digits)


def _float(text: str, version: tuple[int, int]) -> float:
    digits = text.replace("_", "").lower()
    sign = -1 if digits[:1] == "-" else 1
    digits = digits[1:] if digits[:1] in ("-", "+") else digits
    if digits == ".inf":
        return sign * float("inf")
    if digits == ".nan":
        return float("nan")
    if version == (1, 1) and ":" in digits:
        return sign * _base_60(digits, float)
    return sign * float(digits)


def _base_60(digits: str, number: Callable[[str], Any]) -> Any:
    total = 0
    for part in digits.split(":"):
        total = total * 60 + number(part)
    return total


_BOOLS = {"true": True, "false": False, "yes": True, "no": False, "y": True, "n": False, "on": True, "off": False}


def _bool(text: str, version: tuple[int, int]) -> bool:
    return _BOOLS[text.lower()]


def _timestamp(text: str, version: tuple[int, int]) -> str:
    """Dates and times stay text, in ISO 8601 form (``2024-01-05``)."""
    match = timestamp_regexp.match(text)
    if match is None:
        raise ValueError(text)
    return create_timestamp(**match.groupdict()).isoformat()


#: How the value of a scalar with each tag is made from its text.
_CONSTRUCTORS: dict[str, Callable[[str, tuple[int, int]], Any]] = {
    _STR: lambda text, version: text,
    f"{_CORE}int": _int,
    f"{_CORE}float": _float,
    f"{_CORE}bool": _bool,
    f"{_CORE}null": lambda text, version: None,
    f"{_CORE}timestamp": _timestamp,
}


class _TreeBuilder:
    """Builds the located tree from composed nodes, checking what the parser let through.

    Parameters
    ----------
    name
        The file name locations give.
    version
        The YAML version whose rules decide the types of plain scalars.
    """

    def __init__(self, name: str, version: tuple[int, int]) -> None:
        self.name = name
        self.version = version
        self.rules = _IMPLICIT[version]
        self.open: set[int] = set()  # collections being built: an alias to one of them is a loop

    def value(self, node: Node, here: Loc, path: tuple[Any, ...]) -> Any:
        """The value of ``node``, written at ``here``, found at ``path``."""
        if isinstance(node, ScalarNode):
            return self.scalar(node, here, path)
        if id(node) in self.open:
            msg = "this value contains itself through an alias; write the values out"
            raise ParkError(self.problem(msg, here, path))
        self.open.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self.mapping(node, here, path)
            return self.sequence(node, here, path)
        finally:
            self.open.discard(id(node))

    def mapping(self, node: MappingNode, here: Loc, path: tuple[Any, ...]) -> LocDict:
        if node.tag != _MAP:
            self.refuse_tag(node.tag, here, path)
        out = LocDict(loc=here)
        merged: list[tuple[Node, Loc]] = []
        for key_node, value_node in node.value:
            key_loc = self.loc(key_node)
            if isinstance(key_node, ScalarNode) and key_node.tag in (_PLAIN, _MERGE) and key_node.value == "<<":
                merged.append((value_node, key_loc))
                continue
            key = self.key(key_node, key_loc, path)
            if key in out:
                first = out.key_locs[key]
                msg = f"duplicate key {key!r} (first written at line {first.line}); write each key once"
                raise ParkError(self.problem(msg, key_loc, (*path, key)))
            value_loc = self.loc(value_node)
            out[key] = self.value(value_node, value_loc, (*path, key))
            out.key_locs[key] = key_loc
            out.value_locs[key] = value_loc
        for value_node, key_loc in merged:
            self.merge_into(out, value_node, key_loc, path)
        return out

    def merge_into(self, out: LocDict, node: Node, here: Loc, path: tuple[Any, ...]) -> None:
        """A merge key (``<<: *defaults`` or ``<<: [*a, *b]``): the keys of the merged
        mappings that ``out`` does not write itself, the first mapping listed winning."""
        sources = node.value if isinstance(node, SequenceNode) else [node]
        for source in sources:
            if not isinstance(source, MappingNode):
                msg = "a merge key (<<) takes a mapping or a list of mappings"
                raise ParkError(self.problem(msg, here, path))
            values = self.value(source, self.loc(source), path)
            for key, value in values.items():
                if key not in out:
                    out[key] = value
                    out.key_locs[key] = values.key_locs[key]
                    out.value_locs[key] = values.value_locs[key]

    def key(self, node: Node, here: Loc, path: tuple[Any, ...]) -> Any:
        if not isinstance(node, ScalarNode):
            msg = "a key must be a plain value, not a list or mapping"
            raise ParkError(self.problem(msg, here, path))
        return self.scalar(node, here, path)

    def sequence(self, node: SequenceNode, here: Loc, path: tuple[Any, ...]) -> LocList:
        if node.tag != _SEQ:
            self.refuse_tag(node.tag, here, path)
        out = LocList(loc=here)
        for index, item in enumerate(node.value):
            item_loc = self.loc(item)
            out.append(self.value(item, item_loc, (*path, index)))
            out.item_locs.append(item_loc)
        return out

    def scalar(self, node: ScalarNode, here: Loc, path: tuple[Any, ...]) -> Any:
        tag = node.tag
        if tag == _TEXT:
            return node.value
        if tag == _PLAIN:
            tag = self.resolve(node.value)
        elif tag not in _SCALAR_TAGS:
            self.refuse_tag(tag, here, path)
        try:
            return _CONSTRUCTORS[tag](node.value, self.version)
        except (ValueError, KeyError, IndexError):
            kind = tag.removeprefix(_CORE)
            msg = f"{node.value!r} is not a valid {kind}; write a plain value, quoted if it is text"
            raise ParkError(self.problem(msg, here, path)) from None

    def resolve(self, text: str) -> str:
        """The tag of a plain scalar: the first of ruamel.yaml's rules its text matches."""
        for tag, pattern in self.rules.get(text[:1], ()):
            if pattern.match(text):
                return tag
        return _STR

    def refuse_tag(self, tag: str, here: Loc, path: tuple[Any, ...]) -> None:
        """Refuse a tag that is not a plain type (SPEC 3: no object construction tags)."""
        shown = tag.replace(_CORE, "!!")
        msg = f"YAML tags such as {shown!r} are not allowed in park files; write a plain value"
        raise ParkError(self.problem(msg, here, path))

    def loc(self, node: Node) -> Loc:
        return Loc(self.name, node.start_mark.line + 1, node.start_mark.column + 1)

    def problem(self, message: str, here: Loc, path: tuple[Any, ...]) -> Problem:
        return Problem(message, path=format_path(path), file=self.name, line=here.line, column=here.column)


def format_path(path: tuple[Any, ...]) -> str:
    """``("enterprises", 3, "supplies", 0)`` -> ``enterprises[3].supplies[0]``."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def located(value: Any, where: str) -> Any:
    """A mapping given in code as a located tree whose every value is placed at ``where``.

    `circflow.load_park`'s ``overrides`` go through here, so a problem in an overridden
    value names the override (``load_park(overrides=...) economics.electricity_price``),
    not the file or catalog entry it replaced.
    """
    loc = Loc(where, None, None)
    if isinstance(value, dict):
        out = LocDict(loc=loc)
        for key, item in value.items():
            out[key] = located(item, where)
            out.value_locs[key] = out.key_locs[key] = loc
        return out
    if isinstance(value, list):
        items = LocList([located(item, where) for item in value], loc=loc)
        items.item_locs = [loc] * len(items)
        return items
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


BY_ID = frozenset({"enterprises", "markets", "processes"})
"""Lists whose items merge by their ``id`` (SPEC 3.9)."""
BY_RESOURCE = frozenset({"supplies", "demands", "buys"})
"""Lists of streams, whose items merge by their ``resource``."""


def merge(base: Any, overlay: Any, *, by_id: frozenset[str] = BY_ID, key: str = "") -> Any:
    """Deep-merge ``overlay`` over ``base`` (SPEC 3.9 scenarios and load overrides), keeping locations.

    Mappings merge key by key. Lists of enterprises, markets and processes (`BY_ID`) merge
    their items by ``id``; lists of streams (`BY_RESOURCE`: supplies, demands, a market's
    buys) merge by ``resource``, the k-th item of a resource in ``overlay`` into the k-th
    of that resource in ``base``. An item that matches none is appended. Any other value in
    ``overlay`` (other lists included) replaces the one in ``base``. So overriding one
    stream's amount keeps the enterprise's other streams; a stream is taken away by setting
    its amount to 0. Neither input is modified.
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
    if isinstance(base, list) and isinstance(overlay, list):
        if key in by_id:
            return _merge_items(base, overlay, by_id, "id")
        if key in BY_RESOURCE:
            return _merge_items(base, overlay, by_id, "resource")
    return copy_tree(overlay)


def _merge_items(base: list, overlay: list, by_id: frozenset[str], field: str) -> LocList:
    """Merge list items that share ``field``: the k-th overlay item with a value into the
    k-th base item with that value (for ids there is one), the others appended."""
    out = copy_tree(base) if isinstance(base, LocList) else LocList(copy_tree(base))
    if not isinstance(base, LocList):
        out.item_locs = [None] * len(out)
    positions: dict[Any, list[int]] = {}
    for i, item in enumerate(out):
        if isinstance(item, dict) and item.get(field) is not None:
            positions.setdefault(item[field], []).append(i)
    used: dict[Any, int] = {}
    for index, item in enumerate(overlay):
        loc = overlay.item_locs[index] if isinstance(overlay, LocList) and index < len(overlay.item_locs) else None
        value = item.get(field) if isinstance(item, dict) else None
        k = used.get(value, 0)
        matching = positions.get(value, []) if value is not None else []
        if k < len(matching):
            used[value] = k + 1
            at = matching[k]
            out[at] = merge(out[at], item, by_id=by_id)
            out.item_locs[at] = loc or out.item_locs[at]
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
