"""``circflow.__all__`` is honest: it lists what the package exports and what the README documents.

After httpx's ``tests/test_exported_members.py``: every public name of the package is in
``__all__`` (in plain string order), and the README's table of exports names exactly those.
"""

from __future__ import annotations

import pathlib
import re
import types

import circflow

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def test_all_lists_every_public_name_sorted() -> None:
    public = [
        name
        for name in dir(circflow)  # dir: the names that load on first use too
        if (not name.startswith("_") or name == "__version__")
        and not isinstance(getattr(circflow, name), types.ModuleType)
    ]
    assert circflow.__all__ == sorted(public)  # plain string order: classes, __version__, functions


def test_every_exported_name_is_there_and_documented() -> None:
    for name in circflow.__all__:
        value = getattr(circflow, name)
        assert name == "__version__" or value.__doc__, f"{name} has no docstring"


def test_the_readme_documents_exactly_the_exports() -> None:
    text = README.read_text(encoding="utf-8")
    table = text[text.index("Everything `import circflow` exports") :]
    table = table[: table.index("\n\n", table.index("| name |"))]
    documented = set(re.findall(r"`(\w+)`", table.split("| --- | --- |")[1]))
    assert documented == set(circflow.__all__)
