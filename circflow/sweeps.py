"""Scenario sweeps: one park optimised for many parameter values, each run a task on Dask.

After `circflow.optimizer`, beside `circflow.comparison`; its public function is `circflow.sweep`.
A feasibility study asks "what if": the carbon price
from 0 to 400, the electricity price +-30 %, an uncertain heat-pump capex, for every
retrofit plan: hundreds to thousands of MILPs, run on a dask.distributed cluster (a local
cluster of worker processes by default, or any running cluster by its scheduler address).
The varied KEYs, their values and the plan of runs are `circflow.vary`.

The park travels to the workers once, as its raw mapping; each task (`run_one`) applies its
run's values, rebuilds the park with `circflow.park_from_dict` and calls `optimize`. A run
that fails (infeasible, time limit, invalid values, a crash) becomes a row with its reason
and never stops the sweep. Rows are appended to ``runs.jsonl`` as they arrive, under a run
key that hashes the park, the options and the run's values, so rerunning the same sweep
into the same folder skips the runs already done (runs that ended in ``error`` are tried
again). The page with the main effects is `circflow.exports.sweepchart`.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import logging
import math
import os
import pathlib
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from circflow.exceptions import ClusterError, OutputError, ParkError, Problem
from circflow.exports.csvtext import write_csv
from circflow.extend import Extra, describe, portable, resolve
from circflow.folders import writing
from circflow.interrupts import renew_when_idle, request_stop, stops_on_ctrl_c
from circflow.load import apply_scenarios, read_park_tree
from circflow.naming import full_names
from circflow.network import build_network
from circflow.objectives import Objective, checked_objective
from circflow.optimizer import optimize
from circflow.parkfile import park_tree
from circflow.results import MARKER_FILE, Result, write_marker
from circflow.schema import Park
from circflow.solve import SolverProfile, Status, run_profile
from circflow.vary import SCENARIO_KEY, Vary, assign, build_park, check_keys, plan_runs, vary_spec
from circflow.yamlfile import LocDict, copy_tree

JOURNAL_FILE = "runs.jsonl"
RESULT_COLUMNS = ["status", "objective", "total_cost", "emissions", "capex", "savings_cost", "savings_emissions", "gap"]
TAIL_COLUMNS = ["links_built", "links", "reason", "seconds", "worker", "run_key"]
QUIET_CLUSTER: dict[str, Any] = {
    "dashboard_address": None,
    "scheduler_kwargs": {"dashboard_address": "127.0.0.1:0"},
    "silence_logs": 50,  # logging.CRITICAL
}
"""No dashboard; the scheduler's small HTTP server on a free local port, not 8787 (which another
cluster may hold, and then Dask warns); Dask's own log lines silenced (on Ctrl-C its scheduler
logs the workers it loses, with tracebacks: the sweep says itself what it kept)."""


def run_one(
    tree: Mapping[str, Any],
    base_dir: str | None,
    scenarios: list[str],
    run: Mapping[str, Any],
    options: Mapping[str, Any],
) -> dict[str, Any]:
    """One run, on a worker: rebuild the park with the run's values, optimise, return its row.

    Never raises for a bad run: invalid values and crashes become ``status = error`` with
    the reason, so one run never stops a sweep.
    """
    started = time.perf_counter()
    row: dict[str, Any] = dict(run["values"])
    if run.get("sample") is not None:
        row["sample"] = run["sample"]
    renew_when_idle()  # a worker that an earlier sweep stopped (`stop_worker_runs`) solves again
    try:
        park = build_park(tree, scenarios, run["values"], base_dir)
        row.update(result_row(optimize(park, **options)))
    except KeyboardInterrupt:  # the sweep was interrupted and told its workers to stop
        row.update(status="error", reason="stopped: the sweep was interrupted")
    except ParkError as error:
        row.update(status="error", reason="; ".join(str(problem) for problem in error.problems))
    except Exception as error:  # a crash of one run is that run's result
        row.update(status="error", reason=f"{type(error).__name__}: {error}")
    row.update(seconds=round(time.perf_counter() - started, 3), worker=_worker_address(), run_key=run["key"])
    return row


def result_row(result: Result) -> dict[str, Any]:
    """The sweep columns of one `Result`: status, money, emissions, utilisation, links built."""
    kpis = result.kpis
    savings = kpis.get("savings") or {}
    row: dict[str, Any] = {
        "status": str(result.status),
        "objective": result.objective,
        "total_cost": kpis.get("total_cost", math.nan),
        "emissions": kpis.get("emissions", math.nan),
        "capex": kpis.get("capex", math.nan),
        "savings_cost": savings.get("total_cost", math.nan),
        "savings_emissions": savings.get("emissions", math.nan),
        "gap": result.gap,
    }
    for resource, share in (kpis.get("utilization") or {}).items():
        row[f"utilization.{resource}"] = share
    links = [] if result.links.empty else sorted(result.links.loc[result.links["built"], "id"])
    row.update(links_built=len(links), links=" ".join(links), reason=_reason(result))
    return row


def _reason(result: Result) -> str:
    if result.status is Status.INFEASIBLE:
        return "infeasible: " + "; ".join(result.diagnosis)
    if result.status is Status.TIME_LIMIT_NO_SOLUTION:
        return "no feasible plan within the time limit"
    if result.status is Status.FEASIBLE:
        gap = f"gap {result.gap:.2%}" if math.isfinite(result.gap) else "gap unknown (no bound proven)"
        return f"stopped at a limit with {gap}"
    return ""


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return "local"


@dataclass(frozen=True)
class SweepPlan:
    """A validated sweep: the park as it travels, and every run with its key."""

    tree: Any
    base_dir: str | None
    scenarios: list[str]
    varies: list[Vary]
    runs: list[dict[str, Any]]
    options: dict[str, Any]
    park: Park | None = None
    """The base park (its name, currency, language and link names go on the page)."""

    @property
    def keys(self) -> list[str]:
        return [v.key for v in self.varies]

    @property
    def sampled(self) -> bool:
        return any(v.sampled for v in self.varies)


def plan_sweep(
    park: str | os.PathLike[str] | Mapping[str, Any] | Park,
    vary: Mapping[str, Any] | Iterable[Vary],
    options: Mapping[str, Any],
    *,
    scenarios: Iterable[str] = (),
    draws: tuple[int | None, int] = (None, 0),
) -> SweepPlan:
    """Read the park, plan every run and validate the varied values before any run.

    ``options`` are the runs' (objective, solver, limits, rules: they name a run); ``draws``
    is the Monte Carlo (samples, seed) of `sweep`.

    The base park, each KEY path, the first run and every listed value (both ends of a
    range) are built and validated here, so a typo fails at once with exit 2.

    Raises
    ------
    ParkError
        On a bad park, KEY, VALUES, distribution, or a value the park's schema refuses.
    """
    tree, base_dir = _park_tree(park)
    scenarios = list(scenarios)
    options = dict(options)
    samples, seed = draws
    base = build_park(tree, scenarios, {}, base_dir)
    if isinstance(vary, Mapping):
        varies = [vary_spec(key, spec) for key, spec in vary.items()]
    else:
        varies = [vary_spec(item.key, item) for item in vary]
    check_keys([item.key for item in varies], "KEY=VALUES", "; give each KEY once with all its values")
    with_scenarios = apply_scenarios(LocDict(tree), scenarios)
    for item in varies:
        if item.key != SCENARIO_KEY:
            _check_catalog_name(base, item.key)
            assign(copy_tree(with_scenarios), item.key, 0)  # the path exists; the value is checked below
    runs = plan_runs(varies, samples, seed)
    first = runs[0]["values"]
    _check_values(tree, base_dir, scenarios, first)
    for item in varies:
        for value in item.checked:
            if value != first.get(item.key):
                _check_values(tree, base_dir, scenarios, {**first, item.key: value})
    park_hash = hashlib.sha256(json.dumps(base.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()
    for run in runs:
        run["key"] = run_key(park_hash, scenarios, run["values"], options)
    return SweepPlan(tree, base_dir, scenarios, varies, runs, options, base)


def run_key(park_hash: str, scenarios: list[str], values: Mapping[str, Any], options: Mapping[str, Any]) -> str:
    """A stable name of a run: the same park, scenarios, values and options give the same key."""
    named = {**options, **({"extra": describe(options["extra"])} if "extra" in options else {})}
    text = json.dumps(
        {"park": park_hash, "scenarios": scenarios, "values": dict(values), "options": named},
        sort_keys=True,
        default=lambda v: v.model_dump(mode="json") if isinstance(v, SolverProfile) else str(v),
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _park_tree(park: str | os.PathLike[str] | Mapping[str, Any] | Park) -> tuple[Any, str | None]:
    if isinstance(park, Park):  # the park as it is now, edits in code included (not the file it came from)
        folder = park._base_dir or (str(pathlib.Path(park.source).parent) if park.source else None)
        base_dir = str(pathlib.Path(folder).resolve()) if folder else None
        return LocDict(park_tree(park)), base_dir
    if isinstance(park, Mapping):
        return LocDict(park), str(pathlib.Path.cwd())
    path = pathlib.Path(park)
    return read_park_tree(path), str(path.resolve().parent)


def _check_catalog_name(park: Park, key: str) -> None:
    """A catalog entry (``modes.truck``) must exist: setting a misspelt one would add a new entry."""
    steps = key.split(".")
    if steps[0] not in {"resources", "modes", "technologies"} or len(steps) < 3:
        return
    known = list(getattr(park, steps[0]).keys()) if steps[0] != "technologies" else list(park.technologies.model_fields)
    if steps[1] not in known:
        close = difflib.get_close_matches(steps[1], known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        msg = f"--vary {key}: no {steps[0]} entry {steps[1]!r}; {hint}(known: {', '.join(sorted(known))})"
        raise ParkError(msg)


def _check_values(tree: Any, base_dir: str | None, scenarios: list[str], values: Mapping[str, Any]) -> None:
    try:
        build_park(tree, scenarios, values, base_dir)
    except ParkError as error:
        given = " ".join(f"{key}={value}" for key, value in values.items())
        raise ParkError([Problem(f"{p.message} (with --vary {given})", path=p.path) for p in error.problems]) from None


@stops_on_ctrl_c
def sweep(
    park: str | os.PathLike[str] | Mapping[str, Any] | Park,
    vary: Mapping[str, Any] | Iterable[Vary],
    *,
    scenarios: Iterable[str] = (),
    samples: int | None = None,
    seed: int = 0,
    client: Any = None,
    workers: int | None = None,
    scheduler: str | None = None,
    output: str | os.PathLike[str] | None = None,
    objective: Objective = "cost",
    solver: str | SolverProfile = "highs",
    time_limit: float | None = None,
    gap: float | None = None,
    on_stage: Callable[[str], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    lang: str | None = None,
    extra: Extra = None,
) -> pd.DataFrame:
    """Optimise a park for every combination of varied values, each run a Dask task.

    Parameters
    ----------
    park
        A park file, a park mapping, or a `Park` from `circflow.load_park`.
    vary
        KEY -> values. KEY is a dotted path into the park (``economics.carbon_price``,
        ``enterprises.power_1.supplies.0.amount``) or ``scenario``; values are a list, one
        value, or a string as on the command line: ``"0,150,300"``, ``"0:400:9"``
        (start:stop:count), ``"uniform(a,b)"`` or ``"normal(mu,sigma)"``. Or a list of
        `Vary` (from `parse_vary`).
    scenarios
        Scenarios of the park applied to every run, before the varied values.
    samples, seed
        Monte Carlo: how many values to draw of each distribution, and the random seed
        (the same seed draws the same values, which is what lets a sample resume).
    client
        An existing ``dask.distributed.Client`` to run on (left open).
    workers
        Without ``client``: the worker processes of a local cluster (default: one per CPU).
    scheduler
        Without ``client``: the address of a running scheduler, e.g. ``tcp://10.0.0.5:8786``.
    output
        Folder for ``sweep.csv``, ``sweep.parquet``, ``sweep.html`` and the ``runs.jsonl``
        journal; runs already in it are not run again. None writes nothing.
    objective, solver, time_limit, gap
        As for `circflow.optimize`, for each run.
    on_stage, on_progress
        Called with a stage name, and with (runs finished, runs to do) as runs finish.
    lang
        Language of ``sweep.html`` (``en``, ``zh``; default: the park file's ``park.lang``).
    extra
        Rules added from Python (SPEC 10), as for `circflow.optimize`, in every run. They
        travel to the workers: a function is pickled (cloudpickle: a function defined in a
        notebook travels by value), or give ``"package.module:function"`` for a function
        the workers import. Run keys name them by ``module:function``.

    Returns
    -------
    pandas.DataFrame
        One row per run in grid order: one column per KEY (and ``sample``), status,
        objective, total_cost, emissions, capex, savings, gap, ``utilization.<resource>``,
        links_built, links (ids, space-separated), reason (why a run failed), seconds,
        worker, run_key. ``attrs["reused"]`` counts the rows taken from ``output``.

    Raises
    ------
    ParkError
        On bad input, before any run.
    OutputError
        When ``output`` is a folder circflow did not write, or cannot be written.
    ClusterError
        When the scheduler at ``scheduler`` cannot be reached.
    """
    stage = on_stage or (lambda _: None)
    if sum(x is not None for x in (client, workers, scheduler)) > 1:
        msg = "give one of client, workers (a local cluster) or scheduler (a running cluster)"
        raise ParkError(msg)
    checked_objective(objective)
    stage("checking the varied values")
    profile = run_profile(solver)  # read here, not on each worker (its limits stay the runs' own options)
    if profile.threads is None:  # the sweep is parallel across runs: each run keeps to one core
        profile = profile.model_copy(update={"threads": 1})
    options: dict[str, Any] = {"objective": objective, "solver": profile, "time_limit": time_limit, "gap": gap}
    if extra is not None:
        resolve(extra)  # a bad import path fails here, before any run
        options["extra"] = portable(extra)  # a Pyomo model is read here, into plain rows for the workers
    plan = plan_sweep(park, vary, options, scenarios=scenarios, draws=(samples, seed))
    folder = None if output is None else pathlib.Path(output)
    rows: dict[str, dict[str, Any]] = {}
    if folder is not None:
        _open_folder(folder)
        rows = read_done(folder)
    reused = sum(run["key"] in rows for run in plan.runs)
    todo = [run for run in plan.runs if run["key"] not in rows]
    try:
        with contextlib.ExitStack() as stack:
            journal = None
            if folder is not None:
                journal = stack.enter_context((folder / JOURNAL_FILE).open("a", encoding="utf-8"))
            if todo:
                dask_client = stack.enter_context(_dask_client(client, workers, scheduler, stage))
                stage("running")
                for row in _run_on_dask(dask_client, plan, todo, on_progress):
                    rows[row["run_key"]] = row
                    if journal is not None:
                        journal.write(json.dumps(row, default=str) + "\n")
                        journal.flush()
    finally:
        table = sweep_table(plan, rows)
        table.attrs["reused"] = reused
        if folder is not None:
            stage("writing results")
            save_sweep(folder, table, plan, lang=lang)
    return table


def _run_on_dask(
    client: Any, plan: SweepPlan, todo: list[dict[str, Any]], on_progress: Callable[[int, int], None] | None
) -> Iterator[dict[str, Any]]:
    from distributed import as_completed

    progress = on_progress or (lambda done, total: None)
    # Keys of this call's own: Dask names data and tasks by key, and a second sweep reusing the
    # first's keys on the same client (the same sweep again, or the same runs with rules that
    # describe alike) raced the release of the first's and lost every run ("lost dependencies").
    call = uuid.uuid4().hex[:8]
    tree = client.scatter(plan.tree, broadcast=True, hash=False)
    futures = {
        client.submit(
            run_one, tree, plan.base_dir, plan.scenarios, run, plan.options, key=f"circflow-sweep-{run['key']}-{call}"
        ): run
        for run in todo
    }
    progress(0, len(todo))
    try:
        for done, future in enumerate(as_completed(futures), start=1):
            try:
                row = future.result()
            except Exception as error:  # the worker died or the task could not run
                row = _failed_row(futures[future], f"{type(error).__name__}: {error}")
            future.release()
            progress(done, len(todo))
            yield row
    except KeyboardInterrupt:
        _stop_workers(client)
        raise
    finally:
        unfinished = [future for future in futures if not future.done()]
        if unfinished:
            client.cancel(unfinished)


def _stop_workers(client: Any) -> None:
    """Ctrl-C reaches the workers: each stops its running solves at HiGHS's next check.

    Workers ignore SIGINT themselves (a local cluster's share the terminal; a remote one's do
    not get it at all); the client asks them instead, so a remote cluster stops working for
    an interrupted sweep and a local one closes at once.
    """
    with contextlib.suppress(Exception):  # a worker gone already needs no stopping
        client.run(request_stop)


def _failed_row(run: Mapping[str, Any], reason: str) -> dict[str, Any]:
    row = dict(run["values"])
    if run.get("sample") is not None:
        row["sample"] = run["sample"]
    row.update(status="error", reason=reason, run_key=run["key"])
    return row


@contextlib.contextmanager
def _dask_client(
    client: Any, workers: int | None, scheduler: str | None, stage: Callable[[str], None]
) -> Iterator[Any]:
    if client is not None:
        yield client
        return
    from distributed import Client, LocalCluster

    if scheduler is not None:
        stage(f"connecting to the Dask scheduler at {scheduler}")
        try:
            remote = Client(scheduler, timeout=10)
        except (OSError, TimeoutError) as error:
            msg = (
                f"cannot reach the Dask scheduler at {scheduler} ({error}); start one with `dask scheduler` "
                "and workers with `dask worker ADDRESS` (docs/sweep.md)"
            )
            raise ClusterError(msg) from None
        with remote:
            yield remote
        return
    count = workers or os.cpu_count() or 1
    stage(f"starting a local Dask cluster of {count} worker processes")
    with _workers_ignore_ctrl_c():
        cluster = LocalCluster(n_workers=count, threads_per_worker=1, processes=True, **QUIET_CLUSTER)
    # The scheduler's event loop runs in this process: on Ctrl-C its unfinished tasks (a scatter
    # to workers that are going) end in asyncio's "Task exception was never retrieved" with a
    # traceback; the sweep says itself what it kept, so the local cluster's loop stays quiet.
    quiet = logging.getLogger("asyncio")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        with cluster, Client(cluster) as local:
            yield local
    finally:
        quiet.setLevel(level)


@contextlib.contextmanager
def _workers_ignore_ctrl_c() -> Iterator[None]:
    """Worker processes started inside ignore SIGINT (an ignored signal stays ignored in a child).

    Ctrl-C reaches every process of the terminal's group: the sweep stops and closes its
    cluster, instead of each worker printing a KeyboardInterrupt traceback.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def read_done(folder: pathlib.Path) -> dict[str, dict[str, Any]]:
    """Rows of runs finished in an earlier sweep into ``folder``, by run key (``error`` rows excluded)."""
    rows: dict[str, dict[str, Any]] = {}
    journal = folder / JOURNAL_FILE
    if journal.is_file():
        for line in journal.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except ValueError:  # a line cut short when a sweep was killed
                continue
            if isinstance(row, dict) and "run_key" in row:
                rows[row["run_key"]] = row
    elif (folder / "sweep.parquet").is_file():
        for row in pd.read_parquet(folder / "sweep.parquet").to_dict("records"):
            rows[row["run_key"]] = {key: value for key, value in row.items() if not _missing(value)}
    return {key: row for key, row in rows.items() if row.get("status") != "error"}


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _open_folder(folder: pathlib.Path) -> None:
    if folder.exists() and not folder.is_dir():
        msg = f"{folder} is a file; give -o a folder for the sweep"
        raise OutputError(msg)
    if folder.is_dir() and any(folder.iterdir()):
        try:
            kind = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8")).get("kind")
        except (OSError, ValueError, AttributeError):
            kind = None
        if kind != "sweep":
            msg = f"{folder} exists and is not a circflow sweep folder; nothing was written (choose another -o)"
            raise OutputError(msg)
    with writing(folder):
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / MARKER_FILE).exists():
            write_marker(folder, "sweep")


def sweep_table(plan: SweepPlan, rows: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """The finished runs of ``plan`` in grid order, one column per KEY first."""
    records = [rows[run["key"]] for run in plan.runs if run["key"] in rows]
    shares = sorted({column for row in records for column in row if column.startswith("utilization.")})
    columns = [*plan.keys, *(["sample"] if plan.sampled else []), *RESULT_COLUMNS, *shares, *TAIL_COLUMNS]
    table = pd.DataFrame.from_records(records, columns=columns) if records else pd.DataFrame(columns=columns)
    for key in plan.keys:
        kinds = {type(value) for value in table[key] if not _missing(value)}
        if str in kinds and len(kinds) > 1:  # a column parquet can store: numbers and text as text
            table[key] = table[key].map(str)
    table["reason"] = table["reason"].fillna("")
    table["links"] = table["links"].fillna("")
    return table


def save_sweep(folder: pathlib.Path, table: pd.DataFrame, plan: SweepPlan, lang: str | None = None) -> None:
    """Write ``sweep.csv``, ``sweep.parquet`` and ``sweep.html`` (``plotly.min.js`` beside it), each replaced
    atomically; the page in ``lang`` (default: the park file's)."""
    from circflow.exports.page import PLOTLY_FILE, plotly_js_text
    from circflow.exports.sweepchart import sweep_page

    park = plan.park
    page = sweep_page(
        table,
        plan.keys,
        sampled={v.key for v in plan.varies if v.sampled},
        runs=len(plan.runs),
        park=park.park.name if park else None,
        currency=park.economics.currency if park else "CNY",
        lang=lang or (park.park.lang if park else None),
        link_names=_link_names(park, table),
        objective=str(plan.options.get("objective", "cost")),
    )
    with writing(folder):
        _replace(folder / "sweep.csv", lambda path: write_csv(table, path))
        _replace(folder / "sweep.parquet", lambda path: table.to_parquet(path, index=False))
        _replace(folder / PLOTLY_FILE, lambda path: path.write_text(plotly_js_text(), encoding="utf-8"))
        _replace(folder / "sweep.html", lambda path: path.write_text(page, encoding="utf-8"))


def _link_names(park: Park | None, table: pd.DataFrame) -> dict[str, str]:
    """Names of the links the runs built, as the report writes them (``A → B: fly ash by truck``)."""
    if park is None or table.empty:
        return {}
    from circflow.exports.labels import carried

    wanted = set(table["links"].str.split().explode().dropna())
    names = full_names(park)
    net = build_network(park)
    out = {}
    for link in net.links:
        if link.id in wanted:
            source, sink = net.supplies[link.supply].enterprise, net.demands[link.demand].enterprise
            what = carried({"resource": link.resource, "mode": link.mode, "type": link.type, "on_site": link.on_site})
            out[link.id] = f"{names.get(source, source)} → {names.get(sink, sink)}: {what}"
    return out


def _replace(path: pathlib.Path, write: Callable[[pathlib.Path], object]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
