"""Results folders on disk: written whole or not at all, never over what is not circflow's.

Beside ``results``, before it: `circflow.results.Result.save`, `circflow.front`,
`circflow.comparison`, `circflow.sweeps` and the CLI write their folders through
`write_folder`. A folder is written into a hidden temporary sibling
(``.NAME.<random>.tmp``), which is then moved into place, so a failed or interrupted run
leaves the earlier folder as it was. The rules (SPEC 5 and 7, issue 19):

- circflow replaces only its own folders, and in them only its own files: every folder it
  writes lists them in ``circflow.json`` (``files``). A folder that holds anything else
  (notes, a subfolder of one's own) is refused with the list of those files: exit 2,
  nothing touched.
- A read-only results folder is refused, as is ``-o`` at the current folder (or one
  holding it): replacing it would pull the folder from under the shell.
- ``-o`` at a symbolic link writes the folder the link points to; the link stays.
- Folders get the user's umask, as any folder they make (0755 under the usual 022).
- What an interrupted or killed run left (``.NAME.*.tmp``, ``.NAME.*.old``) is removed by
  the next run into that folder; a run in progress holds a lock on its own, so two runs
  into one folder never remove each other's work. Should a run have been killed between
  moving the old folder away and the new one in, the next run puts the old one back first.

The file system's refusals (no permission, a file in the way, a full disk) become an
`OutputError` that names the folder: a usage problem (exit 2), not a bug.
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import shutil
import stat
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator

from circflow._version import __version__
from circflow.exceptions import OutputError
from circflow.interrupts import deferred

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; leftovers are then left alone
    fcntl = None  # type: ignore[assignment]

RESULTS_FILE = "results.json"
MARKER_FILE = "circflow.json"
"""Marks a folder as circflow's and lists the files circflow wrote in it (``files``)."""
KNOWN_FILES = frozenset(
    {
        RESULTS_FILE,
        MARKER_FILE,
        "links.csv",
        "flows.csv",
        "balances.csv",
        "processes.csv",
        "kpis.csv",
        "markets.csv",
        "marginals.csv",
        "sankey.html",
        "network.geojson",
        "results.xlsx",
        "report.html",
        "pareto.csv",
        "pareto.html",
        "compare.csv",
        "compare.xlsx",
        "compare.html",
    }
)
"""Files circflow wrote before folders listed their files (circflow 0.x): taken as circflow's there."""
DISPOSABLE = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
"""What file browsers leave in a folder they showed: nobody's work, replaced with the folder."""
SHOWN = 10
"""Files of one's own listed in a refusal; the message counts the rest."""


def is_results_folder(folder: pathlib.Path) -> bool:
    """An empty folder, or one holding a ``results.json`` (or ``circflow.json``) written by circflow.

    Raises
    ------
    OutputError
        When ``folder`` cannot be read.
    """
    if not folder.is_dir():
        return False
    with writing(folder):
        if not any(folder.iterdir()):
            return True
    for name in (RESULTS_FILE, MARKER_FILE):
        content = _read_json(folder / name)
        if isinstance(content, dict) and "circflow_version" in content:
            return True
    return False


def write_marker(folder: pathlib.Path, kind: str) -> None:
    """Mark a folder of several runs (``pareto``, ``compare``, ``sweep``) as written by circflow."""
    (folder / MARKER_FILE).write_text(
        json.dumps({"circflow_version": __version__, "kind": kind}) + "\n", encoding="utf-8"
    )


def files_of_others(folder: pathlib.Path) -> list[str]:
    """Files and folders in a circflow folder that circflow did not write (relative paths, folders with a ``/``).

    circflow's files are those its ``circflow.json`` lists; a folder written before such
    lists (no ``files``) counts `KNOWN_FILES` and results folders inside it as circflow's.
    """
    marker = _read_json(folder / MARKER_FILE)
    listed = marker.get("files") if isinstance(marker, dict) else None
    others = []
    with writing(folder):
        if isinstance(listed, list):
            ours = {str(name) for name in listed} | {MARKER_FILE}
            for path in sorted(folder.rglob("*")):
                name = path.relative_to(folder).as_posix()
                if path.name in DISPOSABLE:
                    continue
                if path.is_dir() and not path.is_symlink():
                    if not any(item == name or item.startswith(name + "/") for item in ours):
                        others.append(name + "/")
                elif name not in ours and not any(name.startswith(other) for other in others):
                    others.append(name)
            return others
        for path in sorted(folder.iterdir()):
            if path.name in DISPOSABLE:
                continue
            if path.is_dir() and not path.is_symlink() and is_results_folder(path):
                others += [f"{path.name}/{name}" for name in files_of_others(path)]
            elif path.name not in KNOWN_FILES or not path.is_file():
                others.append(path.name + ("/" if path.is_dir() else ""))
    return others


def check_destination(folder: str | pathlib.Path) -> pathlib.Path:
    """Where a results folder given as ``-o folder`` is written, checked before any work is done.

    Returns
    -------
    pathlib.Path
        ``folder``, or the folder it links to.

    Raises
    ------
    OutputError
        Naming the folder, when it is not circflow's, holds files circflow did not write, is
        read-only, is (or holds) the current folder, or its parent cannot be written.
        Nothing is touched.
    """
    given = pathlib.Path(folder)
    with writing(given):  # a folder on the way that cannot be read: exit 2, not a bug
        return _checked(given)


def _checked(given: pathlib.Path) -> pathlib.Path:
    target = pathlib.Path(os.path.realpath(given)) if given.is_symlink() else given
    absolute = pathlib.Path(os.path.realpath(target))
    here = pathlib.Path.cwd().resolve()
    if absolute == here or absolute in here.parents:
        msg = (
            f"{given} is the current folder{'' if absolute == here else ' or holds it'}; a results folder is "
            "replaced as a whole, so give -o a folder of its own (e.g. -o results)"
        )
        raise OutputError(msg)
    if target.exists() and not target.is_dir():
        msg = f"{given} is a file, not a circflow results folder; nothing was written (give -o a folder)"
        raise OutputError(msg)
    if target.exists():
        if not is_results_folder(target):
            msg = f"{given} exists and is not a circflow results folder; nothing was written (choose another -o)"
            raise OutputError(msg)
        others = files_of_others(target)
        if others:
            shown = ", ".join(others[:SHOWN]) + (f" and {len(others) - SHOWN} more" if len(others) > SHOWN else "")
            msg = (
                f"{given} holds files circflow did not write: {shown}; nothing was written (move them out, "
                "or choose another -o)"
            )
            raise OutputError(msg)
        locked = _read_only(target)
        if locked is not None:
            msg = (
                f"{locked} is read-only; nothing was written (make it writable with chmod -R u+w {given}, "
                "or choose another -o)"
            )
            raise OutputError(msg)
    parent = _existing_parent(absolute)
    if parent is not None and not os.access(parent, os.W_OK | os.X_OK):
        msg = f"cannot write {given}: no permission to write in {parent}; nothing was written (choose another -o)"
        raise OutputError(msg)
    return target


def check_file_destination(path: pathlib.Path) -> None:
    """Raise `OutputError` when ``path`` cannot become a file: a folder is there, or its folder is missing."""
    if path.is_dir():
        msg = f"{path} is a folder; give the name of a file to write (in that folder or elsewhere)"
        raise OutputError(msg)
    if not path.parent.is_dir():
        msg = f"cannot write {path}: folder {path.parent} does not exist"
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


def write_folder(folder: str | pathlib.Path, write: Callable[[pathlib.Path], None]) -> pathlib.Path:
    """Run ``write`` on a temporary sibling of ``folder``, list its files, then move it into place.

    Parameters
    ----------
    folder
        Destination; created, or replaced when it is one of circflow's (`check_destination`).
    write
        Writes the folder's files into the (temporary) folder it is given.

    Returns
    -------
    pathlib.Path
        ``folder``.

    Raises
    ------
    OutputError
        When ``folder`` cannot be written there (nothing is touched).
    """
    given = pathlib.Path(folder)
    target = check_destination(given)
    with writing(given):
        target.parent.mkdir(parents=True, exist_ok=True)
        with _parent_lock(target.parent):
            _clean_leftovers(target)
            tmp, lock = _new_temporary(target)
        try:
            write(tmp)
            _list_files(tmp)
            with deferred():  # Ctrl-C waits for the move: the folder is never missing
                with _parent_lock(target.parent):
                    old = _swap(target, tmp)
                if old is not None:
                    shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        finally:
            _release(tmp, lock)
    return given


def _swap(target: pathlib.Path, tmp: pathlib.Path) -> pathlib.Path | None:
    """Move ``tmp`` to ``target``; an existing ``target`` goes aside first. Returns where it went."""
    if not target.exists():
        tmp.rename(target)
        return None
    old = tmp.with_name(tmp.name.removesuffix(".tmp") + ".old")
    target.rename(old)
    try:
        tmp.rename(target)
    except BaseException:
        old.rename(target)
        raise
    return old


def save_folder(folder: str | pathlib.Path, write: Callable[[pathlib.Path], None]) -> pathlib.Path:
    """`write_folder` (kept for the callers that used it with its check)."""
    return write_folder(folder, write)


def refuse_foreign_folder(folder: pathlib.Path, reads: Iterable[pathlib.Path] = ()) -> None:
    """`check_destination`, before a long run: raise `OutputError` if ``folder`` cannot take its results.

    ``reads`` are the folders the command reads (results folders compared, ``--results``):
    ``folder`` may be none of them and may hold none of them, since writing it replaces it.
    """
    target = pathlib.Path(folder).resolve()
    for given in reads:
        source = pathlib.Path(given).resolve()
        if source == target or source.is_relative_to(target):
            msg = (
                f"-o {folder} would replace {given}, which this command reads; nothing was written (choose another -o)"
            )
            raise OutputError(msg)
    check_destination(folder)


def _read_json(path: pathlib.Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _read_only(folder: pathlib.Path) -> pathlib.Path | None:
    """The first folder in ``folder`` (itself included) its owner may not write, by its mode bits.

    Mode bits, not `os.access`: the administrator (root) may write anywhere, yet a folder
    made read-only says it is to be kept.
    """
    for path in [folder, *sorted(p for p in folder.rglob("*") if p.is_dir() and not p.is_symlink())]:
        if not path.stat().st_mode & stat.S_IWUSR:
            return path
    return None


def _existing_parent(path: pathlib.Path) -> pathlib.Path | None:
    for parent in path.parents:
        if parent.exists():
            return parent
    return None


def _list_files(tmp: pathlib.Path) -> None:
    """Record in ``circflow.json`` every file written into ``tmp`` (the folder's own kind kept)."""
    marker = _read_json(tmp / MARKER_FILE)
    content = marker if isinstance(marker, dict) else {"circflow_version": __version__, "kind": "results"}
    content["files"] = sorted(
        p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file() and p != tmp / MARKER_FILE
    )
    (tmp / MARKER_FILE).write_text(json.dumps(content, indent=1) + "\n", encoding="utf-8")


def _new_temporary(target: pathlib.Path) -> tuple[pathlib.Path, int | None]:
    """A new hidden sibling of ``target``, with the user's umask, locked while it is written."""
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.tmp")
    tmp.mkdir()  # 0777 less the umask, as any folder the user makes
    lock = _lock(tmp, wait=True)
    with _Held.lock:
        _Held.folders.add(os.path.realpath(tmp))
    return tmp, lock


def _release(tmp: pathlib.Path, lock: int | None) -> None:
    with _Held.lock:
        _Held.folders.discard(os.path.realpath(tmp))
    _unlock(lock)


class _Held:
    """Temporary folders this process is writing: a folder written inside one (a point of a
    Pareto front) needs no lock, and locking again what is held would wait for ever."""

    folders: set[str] = set()
    lock = threading.Lock()


def _clean_leftovers(target: pathlib.Path) -> None:
    """Remove what interrupted or killed runs left beside ``target``; put back an old folder left alone.

    A leftover that another run still holds (its lock) is left to it.
    """
    if fcntl is None:
        return
    pattern = f".{target.name}."
    found = [
        path
        for path in target.parent.glob(f"{glob_escape(pattern)}*")
        if path.name[len(pattern) :].endswith((".tmp", ".old")) or path.name[len(pattern) :].startswith("old-")
    ]
    for path in sorted(found, key=lambda path: -path.lstat().st_mtime):  # the newest old folder first
        rest = path.name[len(pattern) :]
        if path.is_symlink() or not path.is_dir():
            if path.is_symlink() and rest.startswith("old-"):
                path.unlink()  # circflow 0.x moved a link to a results folder aside, and left it
            continue
        lock = _lock(path, wait=False)
        if lock is None:
            continue  # a run in progress
        try:
            if not rest.endswith(".tmp") and not target.exists() and not target.is_symlink():
                path.rename(target)  # killed between the two moves: the old folder comes back
            else:
                shutil.rmtree(path, ignore_errors=True)
        finally:
            _unlock(lock)


def glob_escape(text: str) -> str:
    """``text`` with glob's special characters taken literally."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def _lock(path: pathlib.Path, *, wait: bool) -> int | None:
    """An exclusive advisory lock on a folder (held until `_unlock`); None when another holds it."""
    if fcntl is None:
        return None
    try:
        handle = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except OSError:
        os.close(handle)
        return None
    return handle


def _unlock(handle: int | None) -> None:
    if handle is not None:
        os.close(handle)


@contextlib.contextmanager
def _parent_lock(parent: pathlib.Path) -> Iterator[None]:
    """Runs writing beside each other take turns to clean up, create and move their folders."""
    real = os.path.realpath(parent)
    with _Held.lock:
        inside = any(real == held or real.startswith(held + os.sep) for held in _Held.folders)
    handle = None if inside else _lock(parent, wait=True)
    try:
        yield
    finally:
        _unlock(handle)
