"""The ``circflow`` command's entry point: the CLI loaded with Python's cycle collector paused.

Loading the CLI creates some hundred thousand objects (numpy, pandas, the park schema's
pydantic models) and none of them is garbage; the collector would walk them over and over
as they are made, about a tenth of the command's start-up. It runs again once they are
loaded, and `gc.freeze` leaves them out of its later passes (and keeps the children that
write a folder's exports from copying them, `circflow.exports.forked`).
"""

from __future__ import annotations

import gc


def main() -> None:
    """``circflow ...``: `circflow.cli.run` (exits with the command's code)."""
    gc.disable()
    try:
        from circflow.cli import run  # the point: loaded with the collector paused
    finally:
        gc.enable()
    gc.freeze()
    run()
