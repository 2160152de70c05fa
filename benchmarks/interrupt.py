"""How fast Ctrl-C ends a big run: a district's ``circflow optimize`` interrupted after a few seconds.

    python -m benchmarks.interrupt                  # 1,000 enterprises, SIGINT 5 s after start
    python -m benchmarks.interrupt 200 --after 20   # another size, another moment

A district is generated (`benchmarks.generate`, seed 0) and written as YAML; ``circflow
optimize`` runs on it in a session of its own, as from a terminal, with an earlier results
folder in place. After ``--after`` seconds SIGINT goes to its process group (what Ctrl-C
does), and the time from the signal to the process's exit is measured, with its exit code
and whether the earlier folder and its parent are as they were (no ``.out.*.tmp`` left).
Issue 19 asks for exit 130 within 10 s at 1,000 enterprises interrupted after 5 s.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from benchmarks.generate import write_park


def snapshot(folder: pathlib.Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def measure(n: int, after_s: float, seed: int = 0) -> dict[str, object]:
    """Interrupt ``circflow optimize`` on an ``n``-enterprise district ``after_s`` seconds after its start."""
    circflow = shutil.which("circflow") or str(pathlib.Path(sys.executable).with_name("circflow"))
    with tempfile.TemporaryDirectory() as work:
        folder = pathlib.Path(work)
        write_park(n, seed, folder / "park.yaml")
        earlier = folder / "out"
        earlier.mkdir()  # an empty folder is circflow's to fill; it must stay as it is
        (earlier / "results.json").write_text('{"circflow_version": "earlier"}\n', encoding="utf-8")
        before = snapshot(earlier)
        master, slave = pty.openpty()  # a terminal, so that circflow shows its stages
        started = time.monotonic()
        process = subprocess.Popen(
            [circflow, "optimize", "park.yaml", "-o", "out"],
            cwd=folder,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
            env={**os.environ, "COLUMNS": "200", "TERM": "xterm"},
        )
        os.close(slave)
        screen = read(master, until=started + after_s)
        if process.poll() is not None:
            msg = f"circflow ended (exit {process.returncode}) before the interrupt; give a shorter --after"
            raise SystemExit(msg)
        signalled = time.monotonic()
        os.killpg(process.pid, signal.SIGINT)
        stage = lines(screen)[-1:]
        rest = read(master, until=signalled + 600)
        code = process.wait(timeout=600)
        ended = time.monotonic()
        os.close(master)
        left = sorted(p.name for p in folder.iterdir() if p.name not in ("park.yaml", "out"))
        return {
            "enterprises": n,
            "interrupted_after_s": round(signalled - started, 2),
            "showing": stage,
            "exit_code": code,
            "seconds_to_exit": round(ended - signalled, 2),
            "earlier_folder_intact": snapshot(earlier) == before,
            "left_beside_it": left,
            "message": lines(rest)[-1:],
        }


def read(master: int, until: float) -> str:
    """What circflow shows on its terminal until a moment (time.monotonic) or its end."""
    text = ""
    while (wait := until - time.monotonic()) > 0:
        ready, _, _ = select.select([master], [], [], wait)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # circflow ended
            break
        if not chunk:
            break
        text += chunk.decode(errors="replace")
    return text


def lines(screen: str) -> list[str]:
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen)
    return [line.strip() for line in re.split(r"[\r\n]+", plain) if line.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int, nargs="?", default=1000, help="enterprises (default 1000)")
    parser.add_argument("--after", type=float, default=5.0, help="seconds from the start to SIGINT (default 5)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    result = measure(args.n, args.after, args.seed)
    for key, value in result.items():
        print(f"{key}: {value}")
    ok = result["exit_code"] == 130 and result["earlier_folder_intact"] and not result["left_beside_it"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
