"""The catalog: resources, modes, technologies and economic defaults as data (SPEC 3.4).

Second stage: ``yamlfile -> catalog -> schema``. The shipped catalog lives in ``models/``
(inside the wheel as ``circflow/data/models``); a park may name another folder with
``catalog:``. `resolve` merges the park's own ``resources``, ``modes``, ``technologies``
and ``economics`` over the catalog's and converts unit strings to canonical numbers, so the
schema validates one complete park.
"""

from __future__ import annotations

import functools
import pathlib
from typing import Any

from circflow.exceptions import ParkError, Problem
from circflow.units import convert_quantities
from circflow.yamlfile import LocDict, locate, merge, read_yaml

#: The catalog files and the park section each one fills.
CATALOG_FILES = {
    "resources": "resources.yaml",
    "modes": "modes.yaml",
    "technologies": "technologies.yaml",
    "economics": "economics.yaml",
}

_PACKAGE = pathlib.Path(__file__).resolve().parent


def data_dir(name: str) -> pathlib.Path:
    """Folder of shipped data (``models``, ``parks`` or ``solvers``).

    An installed wheel carries them in ``circflow/data/``; a source checkout has them at
    the repository's top level.
    """
    for candidate in (_PACKAGE / "data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    msg = f"circflow's shipped {name}/ folder is missing; reinstall circflow"
    raise ParkError(msg)


def load_catalog(folder: pathlib.Path | None = None) -> dict[str, Any]:
    """Read a catalog folder into ``{"resources": ..., "modes": ..., ...}``.

    Parameters
    ----------
    folder
        A folder with any of ``resources.yaml``, ``modes.yaml``, ``technologies.yaml``
        and ``economics.yaml``; the shipped ``models/`` when None.

    Raises
    ------
    ParkError
        When the folder is missing or a file in it is not a YAML mapping.
    """
    folder = data_dir("models") if folder is None else folder
    return _load_catalog_cached(str(folder.resolve()))


@functools.cache
def _load_catalog_cached(folder_name: str) -> dict[str, Any]:
    folder = pathlib.Path(folder_name)
    if not folder.is_dir():
        msg = f"catalog folder {folder} does not exist"
        raise ParkError(msg)
    sections: dict[str, Any] = {}
    for section, file_name in CATALOG_FILES.items():
        path = folder / file_name
        if not path.exists():
            continue
        tree = read_yaml(path)
        if tree is None:
            continue
        if not isinstance(tree, dict):
            msg = f"a catalog file holds a mapping of {section}, got {type(tree).__name__}"
            raise ParkError(Problem(msg, file=str(path), line=1, column=1))
        sections[section] = tree
    return sections


PIPE_PRICES = ("capex_per_capacity_km", "capex_per_flow_km")
"""A heat pipe is priced per MW of capacity or per m3/h of water (SPEC 8.3): two alternatives."""


def _keep_one_pipe_price(own: Any, merged: Any) -> None:
    """A park mode that prices its pipe one way drops the catalog's other way.

    Otherwise a park giving ``capex_per_capacity_km`` would silently inherit the catalog's
    ``capex_per_flow_km`` too (and be refused for giving both, or priced twice).
    """
    if not isinstance(own, dict) or not isinstance(merged, dict):
        return
    for name, mode in own.items():
        if not isinstance(mode, dict) or not isinstance(merged.get(name), dict):
            continue
        given = [key for key in PIPE_PRICES if key in mode]
        if len(given) == 1:
            other = PIPE_PRICES[1 - PIPE_PRICES.index(given[0])]
            if other not in mode:
                merged[name].pop(other, None)


def resolve(
    park: dict[str, Any], base_dir: pathlib.Path | None = None
) -> tuple[dict[str, Any], list[tuple[tuple, str]]]:
    """Merge the catalog under a raw park mapping and convert its unit strings.

    Parameters
    ----------
    park
        The park as read from YAML (after scenarios), not modified.
    base_dir
        Folder that a relative ``catalog:`` path is taken from (the park file's folder).

    Returns
    -------
    merged, problems
        The complete raw park, and ``(path, message)`` problems from unit conversion.
    """
    folder = None
    catalog_name = park.get("catalog")
    if isinstance(catalog_name, str):
        folder = pathlib.Path(catalog_name).expanduser()
        if not folder.is_absolute() and base_dir is not None:
            folder = base_dir / folder
        if not folder.is_dir():
            msg = f"catalog folder {folder} does not exist"
            loc = locate(park, ("catalog",))
            raise ParkError(
                Problem(
                    msg,
                    path="catalog",
                    file=loc.file if loc else None,
                    line=loc.line if loc else None,
                    column=loc.column if loc else None,
                )
            )
    catalog = load_catalog(folder)
    merged = LocDict(park, loc=getattr(park, "loc", None))
    if isinstance(park, LocDict):
        merged.value_locs = dict(park.value_locs)
        merged.key_locs = dict(park.key_locs)
    for section in CATALOG_FILES:
        own = park.get(section)
        merged[section] = merge(catalog.get(section, LocDict()), LocDict() if own is None else own)
    _keep_one_pipe_price(park.get("modes"), merged["modes"])
    resources = merged.get("resources")
    units = {
        name: spec["unit"]
        for name, spec in (resources.items() if isinstance(resources, dict) else [])
        if isinstance(spec, dict) and isinstance(spec.get("unit"), str)
    }
    problems = convert_quantities(merged, units)
    return merged, problems
