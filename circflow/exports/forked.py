"""A results folder's exports written by a process forked when a command starts.

Between the CLI and ``exports``. On a small park, ``circflow optimize`` spends most of its
time loading plotly and openpyxl and writing the workbook, the map and the two pages; the
park is read and solved in a fraction of that. `ForkedExports.start` forks a child when the
command starts: it loads the exports while the parent reads and solves the park, then
writes the workbook, the map and the pages into the folder being written while the parent
writes the tables. The parent waits for it before the folder is moved into place, and a
failure in either leaves nothing written (`circflow.folders.write_folder`), as when one
process writes everything.

Linux only, and only while no other thread runs (a fork copies the forking thread alone);
elsewhere `start` returns None and the parent writes everything itself.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import pickle
import signal
import sys
import threading
from typing import Any

from circflow.exceptions import OutputError


class ForkedExports:
    """The child process that writes one folder's exports (`circflow.results.Result.save`'s ``exports``)."""

    def __init__(self, pid: int, jobs: int, replies: int) -> None:
        self.pid: int | None = pid
        self._jobs: int | None = jobs
        self._replies: int | None = replies

    @classmethod
    def start(cls) -> ForkedExports | None:
        """Fork the child now (it starts loading the exports); None where that is not safe."""
        if sys.platform != "linux" or threading.active_count() > 1:
            return None
        jobs_in, jobs = os.pipe()
        replies, replies_out = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: it never returns
            os.close(jobs)
            os.close(replies)
            code = 1
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent answers Ctrl-C and ends the child
                _serve(jobs_in, replies_out)
                code = 0
            finally:
                os._exit(code)  # no atexit handlers, no second flush of the parent's buffers
        os.close(jobs_in)
        os.close(replies_out)
        return cls(pid, jobs, replies)

    def __call__(self, folder: pathlib.Path, content: dict[str, Any], pages: bool) -> ForkedExports:
        """Hand the child the folder to write into and the results; it writes while the caller goes on."""
        if self._jobs is None:
            msg = "the forked exports were used already"
            raise RuntimeError(msg)
        data = pickle.dumps((str(folder), content, pages), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            with os.fdopen(self._jobs, "wb") as jobs:
                jobs.write(data)
        finally:
            self._jobs = None
        return self

    def wait(self) -> None:
        """Wait for the child's files.

        Raises
        ------
        OutputError
            When the child could not write them (its error's message).
        """
        reply = b""
        if self._replies is not None:
            with os.fdopen(self._replies, "rb") as replies:
                self._replies = None
                reply = replies.read()
        self._reap()
        problem = pickle.loads(reply) if reply else "the process writing the workbook and pages ended early"
        if problem is not None:
            msg = f"cannot write the results folder's exports: {problem}"
            raise OutputError(msg)

    def abort(self) -> None:
        """End the child now (the folder is not to be written)."""
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        self.close()

    def close(self) -> None:
        """Let an unused child go (it sees no job and ends) and collect it."""
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


def _serve(jobs: int, replies: int) -> None:
    """The child: load the exports, read one job, write it, reply with None or the problem."""
    from circflow.exports.outputs import write_outputs  # noqa: PLC0415 (what the child is for: plotly and openpyxl load now)

    with os.fdopen(jobs, "rb") as stream:
        data = stream.read()
    if not data:
        return
    folder, content, pages = pickle.loads(data)
    problem = None
    try:
        write_outputs(pathlib.Path(folder), content, pages=pages)
    except Exception as error:  # noqa: BLE001 (the parent reports it and writes nothing)
        problem = str(error) or type(error).__name__
    with os.fdopen(replies, "wb") as stream:
        stream.write(pickle.dumps(problem))
