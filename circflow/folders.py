"""Output folders on disk: refuse a folder that is not circflow's, and say why a write failed.

After ``results``, for everything that writes a folder (`circflow.front`,
`circflow.comparison`, `circflow.sweeps`, the CLI). `circflow.results.write_folder` writes a
folder atomically; these helpers check the destination before any work is done and turn
the file system's refusals (no permission, a file in the way, a full disk) into an
`OutputError` that names the folder: a usage problem (exit 2), not a bug.
"""

from __future__ import annotations

import contextlib
import pathlib
from collections.abc import Callable, Iterator

from circflow.exceptions import OutputError
from circflow.results import is_results_folder, write_folder


def refuse_foreign_folder(folder: pathlib.Path) -> None:
    """Raise `OutputError` when ``folder`` exists and is not a circflow results folder.

    Raises
    ------
    OutputError
        Naming the folder; nothing is touched.
    """
    if folder.exists() and not is_results_folder(folder):
        msg = f"{folder} exists and is not a circflow results folder; nothing was written (choose another -o)"
        raise OutputError(msg)


@contextlib.contextmanager
def writing(folder: pathlib.Path) -> Iterator[None]:
    """Turn an `OSError` raised while ``folder`` is written into an `OutputError` naming it."""
    try:
        yield
    except OSError as error:
        reason = error.strerror or str(error)
        where = f" ({error.filename})" if error.filename and str(error.filename) != str(folder) else ""
        msg = f"cannot write {folder}: {reason}{where}; nothing was written (choose another -o)"
        raise OutputError(msg) from None


def save_folder(folder: str | pathlib.Path, write: Callable[[pathlib.Path], None]) -> pathlib.Path:
    """`circflow.results.write_folder`, with the destination checked first.

    Raises
    ------
    OutputError
        When ``folder`` is not circflow's, or cannot be written.
    """
    folder = pathlib.Path(folder)
    refuse_foreign_folder(folder)
    with writing(folder):
        return write_folder(folder, write)
