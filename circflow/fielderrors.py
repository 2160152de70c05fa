"""pydantic's validation errors as circflow's `Problem` items (SPEC 7), in one place.

Beside ``schema``: a park file (`circflow.load`), a park built in code (``Park(...)``,
``Supply(...)``) and a field assigned in code (``park.economics.electricity_price = -500``)
are checked by the same pydantic models, and their errors read the same: the field path,
what was wrong and what was given, raised as one `circflow.ParkError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from circflow.exceptions import Problem

Placer = Callable[[tuple[Any, ...], str, bool], Problem]
"""Makes a `Problem` at a field path (with its file position when the park came from a file)."""


def problem_of(error: Mapping[str, Any], place: Placer) -> Problem:
    """One pydantic error (an item of ``ValidationError.errors()``) as a located `Problem`."""
    path = tuple(step for step in error["loc"] if not _is_type_tag(step))
    kind = error["type"]
    if kind == "unknown_key":
        key = error["ctx"]["key"]
        return place((*path, key), error["msg"], True)
    return place(path, message_of(kind, error, error.get("input")), False)


def message_of(kind: str, error: Mapping[str, Any], given: Any) -> str:
    """What was wrong and what was given, in the words of SPEC 7 (``must be >= 0, got -5``)."""
    ctx = error.get("ctx") or {}
    shown = repr(given) if not isinstance(given, (dict, list)) else kind_of(given)
    bounds = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}
    if kind in bounds:
        from circflow.schema import LIMITS  # schema imports this module

        limit = next(iter(ctx.values()), "?")
        upper = kind in ("less_than_equal", "less_than") or (isinstance(limit, (int, float)) and limit < 0)
        beyond = upper and isinstance(limit, (int, float)) and abs(limit) in LIMITS
        limit = f"{limit:g}" if isinstance(limit, float) else limit
        why = " (beyond what circflow's model can represent)" if beyond else ""
        return f"must be {bounds[kind]} {limit}{why}, got {shown}"
    if kind == "finite_number":
        return f"must be a finite number, got {shown}"
    if kind in {"float_parsing", "float_type", "int_parsing", "int_type", "int_from_float"}:
        return f"must be a number, got {shown}"
    if kind == "missing":
        return "is required"
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return f"must be a mapping, got {shown}"
    if kind == "list_type":
        return f"must be a list, got {shown}"
    if kind in {"string_type"}:
        return f"must be text, got {shown}"
    if kind in {"bool_type", "bool_parsing"}:
        return f"must be true or false, got {shown}"
    if kind == "literal_error":
        return f"must be {ctx.get('expected', 'one of the allowed values')}, got {shown}"
    if kind == "string_pattern_mismatch":
        return f"{shown} is not a valid id: use letters, digits, _ and - only"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return f"{error['msg']}, got {shown}"


def _is_type_tag(step: Any) -> bool:
    # pydantic adds union member names such as "list[union[str,int,float,bool]]" to paths
    return isinstance(step, str) and ("[" in step or step in {"Range", "str", "int", "float", "bool"})


def kind_of(value: Any) -> str:
    """``mapping``, ``list``, ``text`` or the type's name, for messages."""
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    return "text" if isinstance(value, str) else type(value).__name__
