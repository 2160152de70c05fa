"""Where the tests' files and programs are: the test data, the hand-derived parks, Chromium.

Kept free of circflow and the test libraries: ``conftest.py`` imports it, and so does the
xdist controller, which runs no test and should start its workers without importing circflow.
Imported as ``from places import ...`` (pytest puts ``tests/`` on the import path).
"""

from __future__ import annotations

import pathlib
import shutil

DATA = pathlib.Path(__file__).resolve().parent / "data"
"""Test data: generated parks with independently computed optima, the SPEC 8 demo park, ..."""
PARKS = DATA / "parks"
"""Hand-derived parks (``NAME.yaml``); the test module that uses one derives its optimum."""
CHROMIUM = next(
    (
        path
        for path in (
            shutil.which("chromium"),
            "/usr/bin/chromium",
            shutil.which("chromium-browser"),
            shutil.which("google-chrome"),
        )
        if path and pathlib.Path(path).exists()
    ),
    None,
)
"""The Chromium the browser tests drive (Debian's package), or None: they are skipped."""


def park_text(name: str) -> str:
    """The text of ``tests/data/parks/NAME.yaml``."""
    return (PARKS / f"{name}.yaml").read_text(encoding="utf-8")
