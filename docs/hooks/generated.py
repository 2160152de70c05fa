"""mkdocs hook: pages generated from the code, so they cannot drift from it.

- ``park-file.md``: every section and field of the park file, from the pydantic schema
  (`circflow.schema.Park`): type, unit, bounds, default, and the docstring under each field.
- ``cli.md``: every command's ``--help``, as the terminal prints it.
- ``api.md`` is written by hand (one ``::: circflow.NAME`` per exported name);
  ``tests/test_api.py`` checks that it lists exactly ``circflow.__all__``.
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import textwrap
import typing
from typing import Any

from mkdocs.structure.files import File, Files

import circflow
from circflow.schema import Park
from circflow.units import Unit

PARK_INTRO = """# Park file reference

Every key a park file (YAML) may hold, generated from circflow's schema
(`circflow.schema`) when this site is built. Unknown keys are errors, with a "did you mean"
hint; amounts and prices may be written with units (`150 kt/yr`, `0.3 CNY/kWh`), converted to
the unit each field names. The same rules check a park built or edited in code: an assignment
(`park.economics.electricity_price = -500`) raises `circflow.ParkError` with the field path.
`circflow schema` prints the JSON Schema for editors.

Bounds read `>= 0`, `<= 1e9`: the largest numbers circflow's model represents. "Default"
means the key may be left out.
"""


def on_files(files: Files, config: Any) -> Files:
    """Add the generated pages to the site."""
    files.append(File.generated(config, "park-file.md", content=park_reference()))
    files.append(File.generated(config, "cli.md", content=cli_reference()))
    return files


# -- park file -----------------------------------------------------------------------------
def park_reference() -> str:
    schema = Park.model_json_schema()
    definitions = schema.get("$defs", {})
    classes = _model_classes(Park)
    lines = [PARK_INTRO, "## Top level", "", _table(schema, Park), ""]
    for name in _order(schema, definitions):
        spec = definitions[name]
        if spec.get("type") != "object" or "properties" not in spec:
            continue
        lines += [f"## {name}", "", spec.get("description", "").strip(), "", _table(spec, classes.get(name)), ""]
    return "\n".join(lines)


def _order(schema: dict[str, Any], definitions: dict[str, Any]) -> list[str]:
    """Definitions in the order a reader meets them, breadth first from the top level."""
    seen: list[str] = []
    queue = [schema]
    while queue:
        node = queue.pop(0)
        for name in _refs(node):
            if name not in seen:
                seen.append(name)
                queue.append(definitions[name])
    return seen


def _refs(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        if "$ref" in node:
            found.append(node["$ref"].rsplit("/", 1)[-1])
        for key, value in node.items():
            if key != "$defs":
                found += _refs(value)
    elif isinstance(node, list):
        for value in node:
            found += _refs(value)
    return found


def _model_classes(root: type) -> dict[str, type]:
    """Every pydantic model reachable from ``root``, by class name."""
    out: dict[str, type] = {}
    queue = [root]
    while queue:
        model = queue.pop()
        if model.__name__ in out:
            continue
        out[model.__name__] = model
        for field in model.model_fields.values():
            queue += [t for t in _types(field.annotation) if isinstance(t, type) and hasattr(t, "model_fields")]
    return out


def _types(annotation: Any) -> list[Any]:
    args = typing.get_args(annotation)
    return [annotation, *[t for arg in args for t in _types(arg)]]


def _docstrings(model: type | None) -> dict[str, str]:
    """The docstring under each field of a class and its bases (what calliope's schema does)."""
    found: dict[str, str] = {}
    for cls in reversed(getattr(model, "__mro__", ())):
        if not hasattr(cls, "model_fields") or cls.__module__.startswith("pydantic"):
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
        except (OSError, TypeError):
            continue
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for first, second in zip(body, body[1:], strict=False):
            if (
                isinstance(first, ast.AnnAssign)
                and isinstance(first.target, ast.Name)
                and isinstance(second, ast.Expr)
                and isinstance(second.value, ast.Constant)
                and isinstance(second.value.value, str)
            ):
                found[first.target.id] = " ".join(second.value.value.split())
    return found


def _unit(model: type | None, name: str) -> str:
    field = getattr(model, "model_fields", {}).get(name)
    if field is None:
        return ""
    for item in field.metadata:
        if isinstance(item, Unit):
            return getattr(item, "unit", "") or str(item)
    for annotation in _types(field.annotation):
        for item in getattr(annotation, "__metadata__", ()):
            if isinstance(item, Unit):
                return getattr(item, "unit", "") or str(item)
    return ""


def _type(spec: dict[str, Any]) -> str:
    if "$ref" in spec:
        name = spec["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in spec:
        kinds = [_type(s) for s in spec["anyOf"] if s.get("type") != "null"]
        return " or ".join(dict.fromkeys(kinds)) or "null"
    if "enum" in spec:
        return " \\| ".join(f"`{v}`" for v in spec["enum"])
    if "const" in spec:
        return f"`{spec['const']}`"
    kind = spec.get("type", "any")
    if kind == "array":
        return f"list of {_type(spec.get('items', {}))}"
    if kind == "object" and "additionalProperties" in spec and isinstance(spec["additionalProperties"], dict):
        return f"mapping to {_type(spec['additionalProperties'])}"
    return {
        "number": "number",
        "integer": "integer",
        "string": "text",
        "boolean": "true/false",
        "object": "mapping",
    }.get(kind, str(kind))


def _bounds(spec: dict[str, Any]) -> str:
    parts = []
    for options in [spec, *spec.get("anyOf", [])]:
        for key, sign in (
            ("minimum", ">="),
            ("ge", ">="),
            ("exclusiveMinimum", ">"),
            ("gt", ">"),
            ("maximum", "<="),
            ("le", "<="),
            ("exclusiveMaximum", "<"),
            ("lt", "<"),
        ):
            if key in options:
                parts.append(
                    f"{sign} {options[key]:g}" if isinstance(options[key], (int, float)) else f"{sign} {options[key]}"
                )
    return ", ".join(dict.fromkeys(parts))


def _table(spec: dict[str, Any], model: type | None) -> str:
    docs = _docstrings(model)
    required = set(spec.get("required", []))
    rows = ["| key | type | unit | bounds | default | meaning |", "| --- | --- | --- | --- | --- | --- |"]
    for name, field in spec.get("properties", {}).items():
        default = (
            "required" if name in required else (f"`{json.dumps(field['default'])}`" if "default" in field else "")
        )
        meaning = docs.get(name, field.get("description", "")).replace("|", "\\|")
        rows.append(f"| `{name}` | {_type(field)} | {_unit(model, name)} | {_bounds(field)} | {default} | {meaning} |")
    return "\n".join(rows)


# -- command line --------------------------------------------------------------------------
def cli_reference() -> str:
    from typer.main import get_command
    from typer.testing import CliRunner

    from circflow.cli import app

    os.environ.setdefault("COLUMNS", "100")
    runner = CliRunner()
    command = get_command(app)
    lines = [
        "# Command line",
        "",
        "Every command's `--help`, as the terminal prints it (generated from `circflow.cli` when",
        "this site is built). Exit codes: 0 solved, 1 internal error, 2 invalid input, 3 infeasible,",
        "4 no feasible solution within the time limit (SPEC 5).",
        "",
        "## circflow",
        "",
        "```text",
        _help(runner, app, []),
        "```",
        "",
    ]
    for name in command.commands:  # type: ignore[attr-defined]
        lines += [f"## circflow {name}", "", "```text", _help(runner, app, [name]), "```", ""]
    return "\n".join(lines)


def _help(runner: Any, app: Any, args: list[str]) -> str:
    result = runner.invoke(
        app, [*args, "--help"], env={"COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1"}, terminal_width=100
    )
    return result.output.rstrip()


__all__ = ["circflow", "on_files"]
