"""The workbook, map and pages written by children forked when ``circflow optimize`` starts
(`circflow.exports.forked`, issue 17): the same folder, and nothing written when a child fails.

These run circflow as the user does, in a process of its own (a fork needs a process with no
other thread running, which a test process is not).
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import threading

import openpyxl
import pytest

import circflow
from circflow.exports.forked import ForkedExports

TINY = pathlib.Path(__file__).resolve().parent.parent / "parks" / "tiny.yaml"
LINUX = pytest.mark.skipif(sys.platform != "linux", reason="the exports are forked on Linux only")


def circflow_process(*args: str, before: str = "", cwd: pathlib.Path) -> subprocess.CompletedProcess[str]:
    code = f"import sys\n{before}\nfrom circflow.cli import run\nsys.argv = ['circflow', *sys.argv[1:]]\nrun()\n"
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=300
    )


def workbook_values(path: pathlib.Path) -> dict[str, list[tuple[object, ...]]]:
    book = openpyxl.load_workbook(path, read_only=True)
    return {sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)] for sheet in book}


def without_timings(path: pathlib.Path) -> dict[str, object]:
    content = json.loads(path.read_text(encoding="utf-8"))
    content.pop("timings", None)
    content.pop("written", None)
    return content


@LINUX
def test_the_forked_child_writes_what_one_process_writes(tmp_path: pathlib.Path) -> None:
    """tiny.yaml by the CLI (exports forked) and by `Result.save` in this process: the same
    files, the same results.json but for timings, the same workbook cell by cell."""
    forked = circflow_process("optimize", str(TINY), "-o", "forked", "-q", cwd=tmp_path)
    assert forked.returncode == 0, forked.stderr
    circflow.optimize(circflow.load_park(TINY)).save(tmp_path / "here")
    names = sorted(p.name for p in (tmp_path / "forked").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "here").iterdir())
    assert {"results.xlsx", "report.html", "sankey.html", "network.geojson"} <= set(names)
    assert without_timings(tmp_path / "forked" / "results.json") == without_timings(tmp_path / "here" / "results.json")
    assert workbook_values(tmp_path / "forked" / "results.xlsx") == workbook_values(tmp_path / "here" / "results.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["forked", "here"]  # no temporary folder left


@LINUX
def test_a_failure_in_the_child_writes_nothing(tmp_path: pathlib.Path) -> None:
    """The workbook cannot be written (an OSError in the child): exit 2 with the child's reason,
    no results folder and no temporary folder beside it."""
    before = "from circflow.exports import datafiles\ndef broken(*a, **k):\n    raise OSError('No space left on device')\ndatafiles.write_workbook = broken"
    failed = circflow_process("optimize", str(TINY), "-o", "out", before=before, cwd=tmp_path)
    assert failed.returncode == 2, failed.stderr
    assert "No space left on device" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert list(tmp_path.iterdir()) == []


UNUSED_CHILD = """
import os
from circflow.exports.forked import ForkedExports
exports = ForkedExports.start()
pids = [child.pid for child in exports.children]
exports.close()
for pid in pids:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        print("collected", pid > 0)
print([child.pid for child in exports.children])
"""


@LINUX
def test_an_unused_child_ends_and_is_collected(tmp_path: pathlib.Path) -> None:
    """A command that stops before writing (a bad park, Ctrl-C) closes the child: it sees no
    job, ends, and is collected (no zombie left)."""
    done = subprocess.run(
        [sys.executable, "-c", UNUSED_CHILD], cwd=tmp_path, capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["collected True", "collected True", "[None, None]"]


def test_no_fork_while_another_thread_runs() -> None:
    """A fork copies the forking thread alone: with another thread running, the parent writes."""
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert ForkedExports.start() is None
    finally:
        stop.set()
        other.join()


ENTRY = """
import gc, sys
import circflow.cli
circflow.cli.run = lambda: print(gc.isenabled(), gc.get_freeze_count() > 0, gc.get_count()[0] < 700)
from circflow.entry import main
main()
"""


def test_the_command_loads_with_the_collector_paused_and_runs_with_it() -> None:
    """`circflow.entry.main` (the console script) loads the CLI with the cycle collector off,
    then turns it on again and freezes what was loaded before the command runs."""
    done = subprocess.run([sys.executable, "-c", ENTRY], capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True", "True"]
