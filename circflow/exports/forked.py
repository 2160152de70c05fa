"""A results folder's exports written by a process forked when a command starts.

Between the CLI and ``exports``. On a small park, ``circflow optimize`` spends most of its
time loading plotly and openpyxl and writing the workbook, the map and the two pages; the
park is read and solved in a fraction of that. `ForkedExports.start` forks two children when
the command starts: they load the exports (one openpyxl, one plotly) while the parent reads
and solves the park, then write the workbook and map, and the pages, into the folder being
written while the parent writes the tables. The parent waits for it before the folder is moved into place, and a
failure in either leaves nothing written (`circflow.folders.write_folder`), as when one
process writes everything.

Linux only, and only while no other thread runs (a fork copies the forking thread alone);
elsewhere `start` returns None and the parent writes everything itself.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pathlib
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from circflow.exceptions import OutputError

PARTS = ("data", "pages")
"""What each child writes: the data files (`circflow.exports.datafiles`: openpyxl) and the pages
(`circflow.exports.outputs.write_pages`: plotly), side by side."""


class ForkedExports:
    """The children that write one folder's exports (`circflow.results.Result.save`'s ``exports``)."""

    def __init__(self, children: list[_Child]) -> None:
        self.children = children

    @classmethod
    def start(cls) -> ForkedExports | None:
        """Fork the children now (they start loading the exports); None where that is not safe."""
        if sys.platform != "linux" or threading.active_count() > 1:
            return None
        children: list[_Child] = []
        for part in PARTS:  # each child closes the pipes of those before it, or they would never see their end
            children.append(_Child.fork(part, [fd for child in children for fd in child.fds()]))
        return cls(children)

    def __call__(self, folder: pathlib.Path, content: dict[str, Any], pages: bool) -> ForkedExports:
        """Hand the children the folder to write into and the results; they write while the caller goes on."""
        data = pickle.dumps((str(folder), content, pages), protocol=pickle.HIGHEST_PROTOCOL)
        for child in self.children:
            child.send(data)
        return self

    def wait(self) -> None:
        """Wait for the children's files.

        Raises
        ------
        OutputError
            When a child could not write them (its error's message).
        """
        problems = [problem for child in self.children if (problem := child.wait()) is not None]
        if problems:
            msg = f"cannot write the results folder's exports: {problems[0]}"
            raise OutputError(msg)

    def abort(self) -> None:
        """End the children now (the folder is not to be written)."""
        for child in self.children:
            child.abort()

    def close(self) -> None:
        """Let unused children go (they see no job and end) and collect them."""
        for child in self.children:
            child.close()


class _Child:
    """One forked process, its job pipe and its reply pipe."""

    def __init__(self, pid: int, jobs: int, replies: int) -> None:
        self.pid: int | None = pid
        self._jobs: int | None = jobs
        self._replies: int | None = replies

    @classmethod
    def fork(cls, part: str, others: list[int]) -> _Child:
        jobs_in, jobs = os.pipe()
        replies, replies_out = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: it never returns
            code = 1
            try:
                for fd in (jobs, replies, *others):
                    os.close(fd)
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent answers Ctrl-C and ends the child
                _serve(part, jobs_in, replies_out)
                code = 0
            finally:
                os._exit(code)  # no atexit handlers, no second flush of the parent's buffers
        os.close(jobs_in)
        os.close(replies_out)
        return cls(pid, jobs, replies)

    def fds(self) -> list[int]:
        """The parent's ends of this child's pipes."""
        return [fd for fd in (self._jobs, self._replies) if fd is not None]

    def send(self, data: bytes) -> None:
        if self._jobs is None:
            msg = "the forked exports were used already"
            raise RuntimeError(msg)
        try:
            with os.fdopen(self._jobs, "wb") as jobs:
                jobs.write(data)
        except OSError:  # the child ended already (it could not load the exports): `wait` says so
            pass
        finally:
            self._jobs = None

    def wait(self) -> str | None:
        """The child's problem, None when it wrote its files."""
        reply = b""
        if self._replies is not None:
            with os.fdopen(self._replies, "rb") as replies:
                self._replies = None
                reply = replies.read()
        self._reap()
        return pickle.loads(reply) if reply else "the process writing them ended early"

    def abort(self) -> None:
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        self.close()

    def close(self) -> None:
        if self._jobs is not None:
            os.close(self._jobs)
            self._jobs = None
        self._reap()
        if self._replies is not None:
            os.close(self._replies)
            self._replies = None

    def _reap(self) -> None:
        if self.pid is not None:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = None


def _serve(part: str, jobs: int, replies: int) -> None:
    """A child: load what its part needs, read one job, write it, reply with None or the problem."""
    gc.disable()  # a short-lived process: what it loads and writes is freed when it ends
    write: Callable[[pathlib.Path, dict[str, Any], bool], object]
    if part == "data":  # what the child is for: openpyxl or plotly load while the parent solves
        from circflow.exports.datafiles import write_data_files

        def write(folder: pathlib.Path, content: dict[str, Any], pages: bool) -> object:
            write_data_files(folder, content)
            return None
    else:
        from circflow.exports.outputs import write_pages

        def write(folder: pathlib.Path, content: dict[str, Any], pages: bool) -> object:
            return write_pages(folder, content) if pages else None

    with os.fdopen(jobs, "rb") as reading:
        data = reading.read()
    if not data:
        return
    folder, content, pages = pickle.loads(data)
    problem = None
    try:
        write(pathlib.Path(folder), content, pages)
    except Exception as error:  # the parent reports it and writes nothing
        problem = str(error) or type(error).__name__
    with os.fdopen(replies, "wb") as replying:
        replying.write(pickle.dumps(problem))
