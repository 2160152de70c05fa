"""Start-up: ``circflow optimize parks/tiny.yaml`` end to end, best and median of several runs.

    python -m benchmarks.startup                 # this checkout
    python -m benchmarks.startup --runs 9

Each run is a fresh ``circflow`` process writing a fresh results folder, timed from outside
(what a park manager waits for). On a shared machine single runs are noisy; the best of
several is the machine's floor, the median what one usually gets. Also reports which heavy
libraries ``import circflow`` loads.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
HEAVY = ("plotly", "dask", "pyomo", "openpyxl", "networkx", "pint", "pandas", "scipy")


def time_runs(park: pathlib.Path, runs: int) -> list[float]:
    """Wall seconds of ``runs`` fresh ``circflow optimize`` processes."""
    command = [sys.executable, "-c", "from circflow.entry import main; main()", "optimize", str(park), "-q"]
    seconds = []
    with tempfile.TemporaryDirectory(prefix="circflow-startup-") as tmp:
        for i in range(runs):
            out = pathlib.Path(tmp) / f"run-{i}"
            started = time.perf_counter()
            subprocess.run([*command, "-o", str(out)], check=True, cwd=ROOT)
            seconds.append(time.perf_counter() - started)
            shutil.rmtree(out)
    return seconds


def heavy_on_import() -> list[str]:
    code = "import circflow, json, sys; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    return [name for name in HEAVY if name in loaded]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--park", default=str(ROOT / "parks" / "tiny.yaml"))
    args = parser.parse_args(argv)
    seconds = time_runs(pathlib.Path(args.park), args.runs)
    print(
        f"circflow optimize {pathlib.Path(args.park).name}: best {min(seconds):.2f} s, "
        f"median {statistics.median(seconds):.2f} s over {args.runs} runs"
    )
    print(f"import circflow loads: {', '.join(heavy_on_import()) or 'none of ' + ', '.join(HEAVY)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
