"""Ctrl-C stops a run: one process-wide stop event that every HiGHS solve watches.

Beside the pipeline, before ``solve``: `circflow.solve`, `circflow.race`, `circflow.results`,
`circflow.sweeps` and the API's entry points use it. Python runs a signal handler in the
main thread only, between two bytecodes, while HiGHS solves in C on the threads of a pool
(`circflow.race`) or for the main thread. So:

- Ctrl-C (SIGINT) sets the stop event (`stop_event`), and every solve's interrupt
  callbacks (HiGHS's MIP, simplex and interior-point interrupt callbacks, run inside the
  solve) tell HiGHS to stop at its next check; the solve then raises `KeyboardInterrupt`
  in its own thread.
- The main thread never sits inside HiGHS: its solves run on one helper thread
  (`run_solver`) while it waits, so the handler can raise `KeyboardInterrupt` in the main
  thread at once, wherever it is (waiting for parts, building a model, writing files).
  The run unwinds from there (a results folder being written is removed), without waiting
  for HiGHS to reach its next check (HiGHS checks rarely inside presolve and the root LP).
- The kernel gives a process's SIGINT to any of its threads that does not block it: to a
  HiGHS thread when the main thread is traced (strace, a debugger) or already has a signal
  pending (Ctrl-C pressed twice). Python then runs the handler when the main thread next
  runs Python code, so within `stop_on_ctrl_c` the main thread waits for solves, parts and
  threads in steps of `POLL` seconds (`waited`, `joined`, `on_threads`).
- A few steps must not be cut in two (moving a results folder into place): they run
  `deferred`, and the interrupt is raised when they are done.

The handler is installed by `stop_on_ctrl_c` (the CLI's commands and `circflow.optimize`,
`circflow.sweep`, ... when called from the main thread) and taken away on return, so a
program embedding circflow keeps its own Ctrl-C handling outside circflow's calls.
"""

from __future__ import annotations

import contextlib
import functools
import queue
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from types import FrameType
from typing import Any, ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")
_T = TypeVar("_T")

POLL = 0.1
"""Seconds between two looks at a pending Ctrl-C while the main thread waits for solves."""

_stop = threading.Event()
"""The current stop event (`stop_event`)."""

_run = threading.local()
"""``.stop``: the stop event of the run a thread works for (`in_this_run`), in threads of circflow's own."""


def stop_event() -> threading.Event:
    """The event a solve starting now watches: set when the user asks to stop (Ctrl-C).

    A solve keeps the event it started with. Once set, an event is never cleared: a new
    run (the next `stop_on_ctrl_c`) gets a new one, so a solve still on its way to HiGHS's
    next check when its run was interrupted stops all the same. Work the run left on
    threads (`in_this_run`) keeps the run's event: a part that starts its next solve after
    the interrupted run has returned does not start it.
    """
    given: threading.Event | None = getattr(_run, "stop", None)
    return given if given is not None else _stop


def in_this_run(task: Callable[_P, _R]) -> Callable[_P, _R]:
    """``task``, to run on another thread with the stop event of the run that calls this (`stop_event`)."""
    event = stop_event()

    @functools.wraps(task)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        before = getattr(_run, "stop", None)
        _run.stop = event
        try:
            return task(*args, **kwargs)
        finally:
            _run.stop = before

    return run


def _renew() -> None:
    global _stop
    if _stop.is_set():
        _stop = threading.Event()


class _MainThread:
    """What the main thread is doing, as the signal handler (run in that thread) needs it."""

    installed = 0
    """Depth of nested `stop_on_ctrl_c`."""
    deferred = 0
    """Inside a step that must not be cut (`deferred`): the interrupt waits for its end."""


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    _stop.set()
    if not _MainThread.deferred:
        raise KeyboardInterrupt


def _is_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def handling_ctrl_c() -> bool:
    """Whether Ctrl-C is circflow's to handle in this thread (the main one, within `stop_on_ctrl_c`)."""
    return bool(_MainThread.installed) and _is_main_thread()


@contextlib.contextmanager
def stop_on_ctrl_c() -> Iterator[None]:
    """Within: Ctrl-C stops every solve of this process, in any thread, and raises KeyboardInterrupt.

    Nestable; does nothing outside the main thread (only the main thread may handle
    signals) or when SIGINT is ignored (a sweep's worker process leaves Ctrl-C to the sweep).
    """
    if not _is_main_thread() or _MainThread.installed:
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.SIG_IGN:
        yield
        return
    _renew()
    signal.signal(signal.SIGINT, _on_sigint)
    _MainThread.installed += 1
    try:
        yield
    finally:
        _MainThread.installed -= 1
        signal.signal(signal.SIGINT, previous)
        _renew()


def stops_on_ctrl_c(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Decorate an entry point of the API: it runs within `stop_on_ctrl_c`."""

    @functools.wraps(function)
    def entry(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with stop_on_ctrl_c():
            return function(*args, **kwargs)

    return entry


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Run a step that must not be cut in two; a Ctrl-C during it is raised once it is done."""
    main = _is_main_thread()
    if main:
        _MainThread.deferred += 1
    try:
        yield
    finally:
        if main:
            _MainThread.deferred -= 1
    if main and not _MainThread.deferred and _MainThread.installed:
        raise_if_stopped()


def raise_if_stopped() -> None:
    """Raise KeyboardInterrupt when the user asked to stop."""
    if stop_event().is_set():
        raise KeyboardInterrupt


def request_stop() -> None:
    """Stop every solve of this process, as Ctrl-C does (a sweep's client asks its workers so)."""
    _stop.set()


def renew_when_idle() -> None:
    """A new stop event when no solve runs: a process that lives on after a stop (a sweep's worker) solves again."""
    with _Running.lock:
        if not _Running.count:
            _renew()


class _Running:
    """HiGHS runs in progress in this process, in any thread."""

    count = 0
    lock = threading.Condition()


def solves_running() -> int:
    """How many HiGHS runs are in progress (they end at HiGHS's next interrupt check once the stop event is set)."""
    return _Running.count


def wait_for_solves(timeout: float | None = None) -> bool:
    """Wait until no HiGHS run is in progress; False if some still are after ``timeout`` seconds.

    After a stop, runs end at HiGHS's next interrupt check; a program that wants its cores
    back before going on (a notebook running the next park) waits here.
    """
    with _Running.lock:
        return _Running.lock.wait_for(lambda: not _Running.count, timeout)


def run_solver(run: Callable[[], _R]) -> _R:
    """Run one HiGHS solve (``run``): on the main thread through the helper thread, so Ctrl-C is taken at once.

    On other threads (a pool of parts, a sweep's worker) ``run`` runs where it is called.
    """
    if handling_ctrl_c():
        return _helper.submit(lambda: _counted(run))
    return _counted(run)


def waited(future: Future[_R]) -> _R:
    """``future``'s result. The main thread, while circflow handles Ctrl-C, looks every `POLL`
    seconds: a Ctrl-C is raised within that, whichever thread the kernel gave it to (a wait
    without a timeout would sleep through it: Python's handler waits for the main thread to
    run Python code again)."""
    if handling_ctrl_c():
        while not future.done():
            futures.wait([future], POLL)
    return future.result()


def joined(thread: threading.Thread) -> None:
    """Wait for ``thread`` to end, as `waited` waits for a future."""
    if handling_ctrl_c():
        while thread.is_alive():
            thread.join(POLL)
    thread.join()


def on_threads(task: Callable[[_T], _R], items: Iterable[_T], workers: int, name: str) -> list[_R]:
    """``task`` of each item, in order, ``workers`` at a time on threads named ``name``.

    On Ctrl-C (the stop event is set) each solve stops at HiGHS's next check; the run goes on
    without waiting for the slowest (HiGHS checks rarely in presolve and the root LP), and
    the tasks keep the run's stop event (`in_this_run`), so none starts another solve.
    Tasks not begun are dropped, after Ctrl-C as after a task's error.
    """
    pool, interrupted = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name), False
    run = in_this_run(task)  # one stop event for every task
    submitted: list[Future[_R]] = []
    try:
        submitted += [pool.submit(run, item) for item in items]
        return [waited(future) for future in submitted]
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        pool.shutdown(wait=not interrupted, cancel_futures=True)


def _counted(run: Callable[[], _R]) -> _R:
    with _Running.lock:
        _Running.count += 1
    try:
        return run()
    finally:
        with _Running.lock:
            _Running.count -= 1
            _Running.lock.notify_all()


class _Helper:
    """One daemon thread that runs the main thread's HiGHS solves, one at a time.

    One thread for the process's life, not one per solve: HiGHS keeps a task scheduler per
    calling thread (`circflow.solve._share_scheduler`). A daemon thread: a process ending
    on Ctrl-C does not wait for a solve still on its way to HiGHS's next check.
    """

    def __init__(self) -> None:
        self.jobs: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]] = queue.SimpleQueue()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def submit(self, job: Callable[[], _R]) -> _R:
        future: Future[_R] = Future()
        with self.lock:
            if self.thread is None:
                self.thread = threading.Thread(target=self._serve, name="circflow-solver", daemon=True)
                self.thread.start()
        self.jobs.put((job, future))
        return waited(future)  # the main thread waits here, where Ctrl-C raises KeyboardInterrupt

    def _serve(self) -> None:
        while True:
            job, future = self.jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(job())
            except BaseException as error:  # handed to the waiting thread
                future.set_exception(error)


_helper = _Helper()
