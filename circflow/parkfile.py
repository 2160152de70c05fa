"""A `Park` written back as a park file: the mapping studies rebuild it from, and its YAML.

Beside ``load`` (its inverse): ``Park -> park_tree -> YAML``. A park edited in code is the
park a study must use, so a sweep, a sensitivity study or an alternatives run that rebuilds
parks from a mapping (on Dask workers, at each varied value) starts from `park_tree` of the
object it is given, never from the file it was once read from. `to_yaml` writes the same
mapping as YAML: what the park sets beside the catalog, in canonical units, so that
``load_park`` of the file gives the same park again.
"""

from __future__ import annotations

import os
import pathlib
from typing import Any

import yaml

from circflow.load import park_from_dict
from circflow.schema import Park

CATALOG_SECTIONS = ("economics", "resources", "modes", "technologies")
"""Sections merged over the catalog on load: written where they differ from it."""


def park_tree(park: Park, base_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The park as a park-file mapping: ``park_from_dict(park_tree(park))`` is the same park.

    Catalog sections hold only what differs from the park's catalog (a value left unset
    there, ``None``, is written as ``null`` where the catalog sets one); other sections
    leave out unset values. Relative file names (``time_series.file``, ``catalog``) are
    made relative to ``base_dir`` when given.
    """
    catalog = _catalog_defaults(park)
    sections = park.model_dump(mode="json", by_alias=True, include=set(CATALOG_SECTIONS))
    own = park.model_dump(mode="json", by_alias=True, exclude=set(CATALOG_SECTIONS), exclude_defaults=True)
    tree: dict[str, Any] = {"park": own.pop("park")}
    for key in Park.model_fields:
        if key in CATALOG_SECTIONS:
            differs = _difference(sections[key], catalog.get(key))
            if differs:
                tree[key] = differs
        elif key in own and own[key] not in ({}, []):
            tree[key] = own[key]
    if park.periods == Park.model_fields["periods"].get_default(call_default_factory=True):
        tree.pop("periods", None)
    _move_files(tree, park._base_dir, base_dir)
    return tree


def to_yaml(park: Park, path: str | os.PathLike[str] | None = None) -> str:
    """The park as YAML text (SPEC 3), written to ``path`` too when given.

    Numbers are in canonical units; catalog entries appear only where the park changes
    them. Relative file names are rewritten to stay right from ``path``'s folder.
    """
    target = None if path is None else pathlib.Path(path)
    tree = park_tree(park, None if target is None else target.resolve().parent)
    header = f"# {park.park.name}: written by circflow (Park.to_yaml); numbers in canonical units (SPEC 3.1)\n"
    text = header + yaml.safe_dump(tree, sort_keys=False, allow_unicode=True, width=100)
    if target is not None:
        target.write_text(text, encoding="utf-8")
    return text


def _catalog_defaults(park: Park) -> dict[str, Any]:
    """What the park's catalog sections hold when the park itself sets nothing."""
    base_dir = pathlib.Path(park._base_dir) if park._base_dir else None
    bare = park_from_dict(
        {"park": {"name": park.park.name}, **({"catalog": park.catalog} if park.catalog else {})}, base_dir=base_dir
    )
    return bare.model_dump(mode="json", by_alias=True, include=set(CATALOG_SECTIONS))


def _difference(value: Any, default: Any) -> Any:
    """The part of ``value`` that differs from ``default`` (mappings compared key by key)."""
    if isinstance(value, dict) and isinstance(default, dict):
        out = {}
        for key, item in value.items():
            if key not in default:
                kept = _without_none(item)
                if kept is not None:
                    out[key] = kept
            elif item != default[key]:
                out[key] = _difference(item, default[key])
        return out
    return value


def _without_none(value: Any) -> Any:
    """``value`` without the keys whose value is None (unset: the schema's default)."""
    if isinstance(value, dict):
        return {key: _without_none(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_none(item) for item in value]
    return value


def _move_files(tree: dict[str, Any], old_dir: str | None, new_dir: str | os.PathLike[str] | None) -> None:
    """Relative file names in the park, rewritten from the park's folder to ``new_dir``."""
    if old_dir is None or new_dir is None:
        return
    holders = [(tree, "catalog"), (tree.get("time_series") or {}, "file")]
    for holder, key in holders:
        name = holder.get(key)
        if isinstance(name, str) and not pathlib.Path(name).expanduser().is_absolute():
            holder[key] = os.path.relpath(pathlib.Path(old_dir, name).resolve(), pathlib.Path(new_dir).resolve())
