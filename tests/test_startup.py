"""Start-up stays light: ``import circflow`` and ``circflow --help`` load no chart, workbook,
modelling or parallel library (issue 17: a park manager's first run should feel instant).

Each check runs in a fresh interpreter, since this test session has long imported them all.
Which modules load is deterministic; how long they take is measured in ``benchmarks/``.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("plotly", "dask", "pyomo", "openpyxl", "networkx", "pint")


def loaded_after(code: str) -> set[str]:
    """Top-level packages in ``sys.modules`` after running ``code`` in a new interpreter."""
    script = code + "\nimport json, sys\nprint(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.parametrize(
    "code",
    [
        "import circflow",
        "import sys\nfrom circflow.cli import app\nsys.argv = ['circflow', '--help']\n"
        "try:\n    app()\nexcept SystemExit:\n    pass",
    ],
)
def test_start_up_loads_no_heavy_library(code: str) -> None:
    assert not loaded_after(code) & set(HEAVY)


def test_public_names_still_load_on_use() -> None:
    loaded = loaded_after("import circflow\ncircflow.sankey_figure\ncircflow.sweep")
    assert "plotly" in loaded
