"""The ``circflow`` command: a thin layer over the Python API (SPEC 5).

Last stage; nothing imports it. Each command parses its arguments, calls the library and
formats the answer. Exit codes: 0 solved, 1 internal error, 2 invalid input, 3 infeasible,
4 no feasible solution within the time limit. Progress and colour go to a terminal only;
piped output is plain, and ``--quiet`` silences everything but errors.
"""

from __future__ import annotations

import functools
import inspect
import json
import math
import os
import pathlib
import shutil
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TextIO, TypeVar

import typer
from rich.console import Console
from rich.status import Status as RichStatus
from rich.table import Table

from circflow._version import __version__
from circflow.exceptions import CircflowError, ClusterError, InfeasibleError, OutputError, ParkError, SolverError
from circflow.exports.terminal import HEAT_SHORT, summary_lines
from circflow.folders import check_file_destination, refuse_foreign_folder, writing
from circflow.i18n import check_language
from circflow.interrupts import solves_running, stop_on_ctrl_c
from circflow.load import load_park
from circflow.network import build_network
from circflow.optimizer import optimize as run_optimize
from circflow.results import Result
from circflow.schema import Park
from circflow.solve import Status

if TYPE_CHECKING:
    from circflow.breakeven import Sensitivity
    from circflow.exports.forked import ForkedExports
    from circflow.nearoptimal import Alternatives

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_NO_SOLUTION = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130
"""Ctrl-C: 128 + SIGINT, as shells report a process that SIGINT ended."""

app = typer.Typer(
    name="circflow",
    help="Optimise the circular economy of an industrial park: which symbiosis links to build "
    "(fly ash, gypsum, slag, reclaimed water, waste heat with heat pumps), minimising cost and CO2.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


class ObjectiveName(StrEnum):
    cost = "cost"
    emissions = "emissions"


_state: dict[str, Any] = {"debug": False}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"circflow {__version__}")
        raise typer.Exit


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """circflow: industrial-park circular-economy optimiser."""
    _state["debug"] = debug


ParkPath = Annotated[pathlib.Path, typer.Argument(help="Park file (YAML).", show_default=False, metavar="PARK.yaml")]
SolverOption = Annotated[str, typer.Option(help="Solver profile: a name in solvers/ or a .yaml path.")]
GapOption = Annotated[float | None, typer.Option(help="Relative MIP gap at which to stop.", min=0)]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
CarbonPriceOption = Annotated[float | None, typer.Option(help="Carbon price, money per tCO2 (overrides the park).")]
ScenarioOption = Annotated[
    list[str] | None,
    typer.Option(
        "--scenario", "-s", metavar="NAME", help="Scenario of the park file to apply; repeat to stack them in order."
    ),
]
LangOption = Annotated[
    str | None,
    typer.Option(
        "--lang",
        metavar="en|zh",
        help="Language of the pages, workbook headers and summary \\[default: the park file's park.lang, else en].",
    ),
]
SolveSecondsOption = Annotated[
    float | None,
    typer.Option(
        help="Seconds before stopping with the best plan found: for the whole of optimize, each run of compare "
        "and sweep, each solve of pareto, sensitivity and alternatives.",
        min=0,
    ),
]
ResultsOption = Annotated[
    pathlib.Path | None,
    typer.Option(
        "--results",
        help="Also add the findings to this results folder of the same park (its results.json and report).",
    ),
]
WorkersOption = Annotated[
    int | None,
    typer.Option(
        help="Spread the solves over a local Dask cluster of N worker processes \\[default: threads of this process].",
        min=1,
    ),
]
SchedulerOption = Annotated[
    str | None, typer.Option(help="Spread the solves over the Dask cluster at this address (tcp://HOST:8786).")
]


def _vary_option(help_text: str) -> Any:
    """``--vary``, repeated, with no default shown (its meaning differs by command)."""
    return typer.Option("--vary", help=help_text, show_default=False)


def _output_option(kind: str, what: str = "Folder", note: str = "") -> Any:
    """``--output``/``-o``: where a command writes, by default ``<park-stem>-KIND/`` in the working folder."""
    return typer.Option("--output", "-o", help=f"{what} \\[default: <park-stem>-{kind}/]{note}.")


ObjectiveOption = Annotated[ObjectiveName, typer.Option(help="cost, or emissions.")]
PagesOption = Annotated[
    bool,
    typer.Option("--pages", help="Also write each run's report.html and sankey.html (self-contained, a few MB each)."),
]


@dataclass(frozen=True)
class Solving:
    """The options every command that solves shares: --solver, --time-limit, --gap, --lang and --quiet."""

    solver: str
    time_limit: float | None
    gap: float | None
    lang: str | None
    quiet: bool

    def how(self) -> dict[str, Any]:
        """The keyword arguments of how to solve (``solver``, ``time_limit``, ``gap``) for the library."""
        return {"solver": self.solver, "time_limit": self.time_limit, "gap": self.gap}


def _solving_options(
    solver: SolverOption = "highs",
    time_limit: SolveSecondsOption = None,
    gap: GapOption = None,
    lang: LangOption = None,
    quiet: QuietOption = False,
) -> Solving:
    return Solving(solver, time_limit, gap, lang, quiet)


@dataclass(frozen=True)
class Study:
    """The options the two studies of a plan (sensitivity, alternatives) share: --results, --workers, --scheduler."""

    results: pathlib.Path | None
    workers: int | None
    scheduler: str | None


def _study_options(
    results: ResultsOption = None, workers: WorkersOption = None, scheduler: SchedulerOption = None
) -> Study:
    return Study(results, workers, scheduler)


def shared_options(make: Callable[..., Any], keyword: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """A decorator for commands that share options: typer reads the command's own options, then
    the parameters of ``make``, whose answer the command receives as the one keyword ``keyword``."""
    shared = inspect.signature(make, eval_str=True).parameters

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        own = inspect.signature(command, eval_str=True)
        parameters = [p for p in own.parameters.values() if p.name != keyword] + list(shared.values())
        parameters = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in parameters]  # as typer passes them

        @functools.wraps(command)
        def with_shared(**given: Any) -> None:
            made = make(**{name: given.pop(name) for name in shared})
            command(**given, **{keyword: made})

        with_shared.__signature__ = own.replace(parameters=parameters)  # type: ignore[attr-defined]  # typer reads it
        with_shared.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": None}
        return with_shared

    return decorate


solving_command = shared_options(_solving_options, "common")
"""A command that solves: --solver, --time-limit, --gap, --lang and --quiet, as ``common: Solving``."""
study_command = shared_options(_study_options, "study")
"""A study of a plan: --results, --workers and --scheduler, as ``study: Study``."""


_EXAMPLES = {
    "optimize": """[bold]Examples[/bold]

  [dim]# the teaching park; writes tiny-results/ (open report.html first)[/dim]
  circflow optimize parks/tiny.yaml
  [dim]# a scenario of the park file, into a folder of your choice[/dim]
  circflow optimize parks/jinan_eco_park.yaml -s carbon_100 -o carbon
  [dim]# least CO2 (then least cost), stopping at 120 s or a 0.5 % gap[/dim]
  circflow optimize park.yaml --objective emissions --time-limit 120 --gap 0.005
  [dim]# the report, workbook headers and summary in Chinese[/dim]
  circflow optimize park.yaml --lang zh""",
    "pareto": """[bold]Examples[/bold]

  circflow pareto parks/tiny.yaml --points 6
  [dim]# with each point's report.html and sankey.html[/dim]
  circflow pareto park.yaml --points 8 --pages""",
    "compare": """[bold]Examples[/bold]

  circflow compare parks/jinan_eco_park.yaml -s carbon_100 -s no_absorption
  circflow compare park.yaml -s plan_a -s plan_a+high_carbon --pages
  [dim]# results folders written earlier; the first is the reference[/dim]
  circflow compare before-results after-results""",
    "sweep": """[bold]Examples[/bold]

  circflow sweep parks/tiny.yaml --vary economics.carbon_price=0:400:9
  circflow sweep park.yaml --vary economics.electricity_price=490,700,910 \\
      --vary scenario=base,plan_a""",
}


@app.command(epilog=_EXAMPLES["optimize"])
@solving_command
def optimize(
    park_file: ParkPath,
    output: Annotated[pathlib.Path | None, _output_option("results", what="Results folder")] = None,
    objective: Annotated[
        ObjectiveName, typer.Option(help="cost, or emissions (then cost among the emission-optimal).")
    ] = ObjectiveName.cost,
    scenario: ScenarioOption = None,
    carbon_price: CarbonPriceOption = None,
    write_model: Annotated[
        pathlib.Path | None, typer.Option(help="Also write the model to FILE.mps or FILE.lp.")
    ] = None,
    marginals: Annotated[
        bool,
        typer.Option(
            "--marginals/--no-marginals",
            help="Marginal values of the plan (money per unit of each supply, demand, market, target and cap) in results.json, marginals.csv and the report.",
        ),
    ] = True,
    robustness: Annotated[
        bool,
        typer.Option(
            "--robustness",
            help="Also find how sure the plan is: essential and optional links within 5 % of the optimum, and the break-even values of the electricity, carbon, main baseline and market prices (the report's 'How sure is this plan').",
        ),
    ] = False,
    *,
    common: Solving,
) -> None:
    """Optimise a park and write its results folder.

    report.html is the page to hand over: summary, what to build, payback.
    """
    console = _console(common.quiet)
    folder = output or pathlib.Path(f"{park_file.stem}-results")

    def work() -> int:
        from circflow.exports.forked import ForkedExports

        exports = ForkedExports.start()  # loads the exports beside the solve (Linux); None: written here
        try:
            return solve_and_write(exports)
        except BaseException:
            if exports is not None:
                exports.abort()  # Ctrl-C or a failure: the children end now, whatever they were doing
            raise
        finally:
            if exports is not None:
                exports.close()

    def solve_and_write(exports: ForkedExports | None) -> int:
        with _progress(console) as stage:
            stage("reading the park")
            park = set_language(load_park(park_file, scenarios=scenario or []), common.lang)
            refuse_foreign_folder(folder)
            result = run_optimize(
                park,
                objective=objective.value,
                **common.how(),
                carbon_price=carbon_price,
                write_model=write_model,
                on_stage=stage,
                on_progress=stage.progress,
                marginals=marginals,
            )
            if robustness and result.is_ok:
                from circflow.howsure import how_sure

                result = how_sure(
                    park,
                    result,
                    **common.how(),
                    carbon_price=carbon_price,
                    on_stage=stage,
                )
            stage("writing results")
            with writing(folder):
                result.save(folder, exports=exports)
        _print_summary(console, result, folder)
        _print_how_sure(console, result)
        return _exit_code(result)

    raise typer.Exit(_guard(work))


@app.command(epilog=_EXAMPLES["pareto"])
@solving_command
def pareto(
    park_file: ParkPath,
    points: Annotated[
        int, typer.Option(help="Emission levels from the cost optimum to the emissions optimum, ends included.", min=2)
    ] = 8,
    output: Annotated[pathlib.Path | None, _output_option("pareto")] = None,
    scenario: ScenarioOption = None,
    carbon_price: CarbonPriceOption = None,
    pages: PagesOption = False,
    *,
    common: Solving,
) -> None:
    """Trace the cost-emissions Pareto front (epsilon-constraint) and write pareto.csv/html."""
    from circflow.front import front_table, pareto_results, save_front

    console = _console(common.quiet)
    folder = output or pathlib.Path(f"{park_file.stem}-pareto")

    def work() -> int:
        with _progress(console) as stage:
            park = set_language(load_park(park_file, scenarios=scenario or []), common.lang)
            refuse_foreign_folder(folder)
            results = pareto_results(
                park,
                points,
                **common.how(),
                carbon_price=carbon_price,
                on_stage=stage,
            )
            if results[0].is_ok:
                stage("writing results")
                save_front(folder, results, pages=pages)
        if not results[0].is_ok:  # nothing to draw: say why, write nothing
            _print_no_plan(console, results[0])
            return _exit_code(results[0])
        table = front_table(results)
        cur = results[0].currency
        out = Table(title=f"{park.park.name}: cost-emissions Pareto front", show_edge=False, box=None)
        for column in ("point", f"cost ({cur}/yr)", "emissions (tCO2/yr)", f"capex ({cur})", "links"):
            out.add_column(column, justify="right")
        for row in table.itertuples():
            out.add_row(
                str(row.point),
                f"{row.objective:,.0f}",
                f"{row.emissions:,.0f}",
                f"{row.capex:,.0f}",
                str(row.links_built),
            )
        console.print(out)
        console.print(f"results: {folder}/ (pareto.csv, pareto.html, point-K/)")
        return EXIT_OK

    raise typer.Exit(_guard(work))


@app.command(epilog=_EXAMPLES["compare"])
@solving_command
def compare(
    inputs: Annotated[
        list[pathlib.Path],
        typer.Argument(help="A park file, or results folders to compare.", metavar="PARK.yaml|DIR..."),
    ],
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario",
            "-s",
            help="An alternative: a scenario, or several joined by '+' (plan_a+high_carbon). Repeat for more.",
        ),
    ] = None,
    output: Annotated[pathlib.Path | None, _output_option("compare")] = None,
    objective: ObjectiveOption = ObjectiveName.cost,
    pages: PagesOption = False,
    *,
    common: Solving,
) -> None:
    """Compare retrofit plans: the base park and each --scenario, or results folders, side by side."""
    from circflow.comparison import compare_park, compare_table, read_runs, save_comparison

    console = _console(common.quiet)

    def work() -> int:
        folders = [path for path in inputs if path.is_dir()]
        if folders and len(folders) == len(inputs):
            if scenario:
                msg = "--scenario applies to a park file, not to results folders"
                raise ParkError(msg)
            runs = read_runs(folders)
            if common.lang is not None:
                runs = {name: {**run, "lang": _checked_language(common.lang)} for name, run in runs.items()}
            table, results = compare_table(runs), None
            folder = output or pathlib.Path("compare")
        elif len(inputs) == 1:
            if not scenario:
                msg = "say which alternatives to compare with --scenario NAME (repeat it)"
                raise ParkError(msg)
            folder = output or pathlib.Path(f"{inputs[0].stem}-compare")
            refuse_foreign_folder(folder)
            with _progress(console) as stage:
                table, results = compare_park(
                    inputs[0],
                    scenario,
                    on_stage=stage,
                    objective=objective.value,
                    **common.how(),
                    lang=_checked_language(common.lang),
                )
            runs = None
        else:
            msg = "give one park file with --scenario alternatives, or several results folders"
            raise ParkError(msg)
        refuse_foreign_folder(folder, reads=folders)
        save_comparison(folder, table, results, runs=runs, pages=pages)
        _print_comparison(console, table)
        console.print(f"results: {folder}/ (compare.csv, compare.xlsx, compare.html)")
        return EXIT_OK

    raise typer.Exit(_guard(work))


def _print_comparison(console: Console, table: Any) -> None:
    rows = table.to_dict("records")
    sales = any(row.get("market_revenue") for row in rows)  # sales to markets (SPEC 8.1) when a run has any
    out = Table(show_edge=False, box=None, pad_edge=False, collapse_padding=sales)  # 8 columns in 80
    for column in (
        "scenario",
        "status",
        "cost/yr",
        "tCO2/yr",
        "capex",
        "saving/yr",
        *(("sales/yr",) if sales else ()),
        "links",
    ):
        # Numbers keep their headers whole; a long scenario name is cut instead.
        out.add_column(
            column,
            justify="left" if column in {"scenario", "status"} else "right",
            no_wrap=True,
            min_width=len(column),
            overflow="ellipsis",
            max_width=18 if column == "scenario" else None,
        )
    for row in rows:
        out.add_row(
            row["scenario"],
            str(row["status"]),
            _short(row["total_cost"]),
            _short(row["emissions"]),
            _short(row["capex"]),
            _short(row["savings_cost"]),
            *((_short(row.get("market_revenue")),) if sales else ()),
            str(row["links_built"]),
        )
    console.print(out)
    for row in rows[1:]:
        added, removed = row["links_added"].split(), row["links_removed"].split()
        if added or removed:
            console.print(f"{row['scenario']} against {rows[0]['scenario']}:", markup=False)
            for link in added:
                console.print(f"  + {link}", markup=False)
            for link in removed:
                console.print(f"  - {link}", markup=False)


def _short(value: float | None) -> str:
    """A number in few characters: 206.5 M, 69.5 k."""
    if value is None or not math.isfinite(value):
        return "-"
    value += 0.0  # -0.0 reads as 0
    for limit, suffix in ((1e9, " bn"), (1e6, " M"), (1e3, " k")):
        if abs(value) >= limit:
            return f"{value / limit:,.1f}{suffix}"
    return f"{value:,.0f}"


@app.command()
def sankey(
    results_dir: Annotated[
        pathlib.Path,
        typer.Argument(
            help="A results folder written by circflow optimize.", show_default=False, metavar="RESULTS_DIR"
        ),
    ],
    output: Annotated[
        pathlib.Path | None,
        typer.Option("--output", "-o", help="HTML file to write \\[default: RESULTS_DIR/sankey.html]."),
    ] = None,
    period: Annotated[
        str | None, typer.Option(help="Period shown first \\[default: the whole year]; the page offers the others.")
    ] = None,
    lang: LangOption = None,
) -> None:
    """Redraw the Sankey diagram of a results folder as one HTML file that works offline."""
    from circflow.exports.outputs import read_results
    from circflow.exports.sankey import write_sankey

    console = _console(False)

    def work() -> int:
        results = _in_language(read_results(results_dir), lang)
        target = output or results_dir / "sankey.html"
        check_file_destination(target)
        with writing(target):
            write_sankey(target, results, period)
        console.print(f"wrote {target}", markup=False)
        return EXIT_OK

    raise typer.Exit(_guard(work))


@app.command()
def report(
    results_dir: Annotated[
        pathlib.Path,
        typer.Argument(
            help="A results folder written by circflow (optimize, a compare's or a Pareto point's).",
            show_default=False,
            metavar="RESULTS_DIR",
        ),
    ],
    lang: LangOption = None,
) -> None:
    """Write report.html and sankey.html of a results folder (a compare's or Pareto point's, or in another language)."""
    from circflow.exports.outputs import read_results, write_pages

    console = _console(False)

    def work() -> int:
        results = _in_language(read_results(results_dir), lang)
        for path in write_pages(results_dir, results):
            console.print(f"wrote {path}", markup=False)
        return EXIT_OK

    raise typer.Exit(_guard(work))


def _in_language(results: dict[str, Any], lang: str | None) -> dict[str, Any]:
    """``results`` to be drawn in ``lang`` (None: the language they were written in)."""
    code = _checked_language(lang)
    return results if code is None else {**results, "lang": code}


@app.command(epilog=_EXAMPLES["sweep"])
@solving_command
def sweep(
    park_file: ParkPath,
    vary: Annotated[
        list[str],
        _vary_option(
            "KEY=VALUES: a dotted path into the park file (economics.carbon_price, enterprises.ID.supplies.0.amount) or scenario, and a list 0,150,300, a range 0:400:9 (start:stop:count), or with --samples uniform(a,b) / normal(mu,sigma). Repeat for a full grid."
        ),
    ],
    scenario: ScenarioOption = None,
    samples: Annotated[
        int | None, typer.Option(help="Monte Carlo: draw N values of each distribution KEY.", min=1)
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed of --samples; the same seed draws the same values.")] = 0,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes of the local Dask cluster \\[default: one per CPU].", min=1)
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Run on the Dask cluster at this address (tcp://HOST:8786) instead.")
    ] = None,
    output: Annotated[pathlib.Path | None, _output_option("sweep", note="; runs already in it are skipped")] = None,
    objective: ObjectiveOption = ObjectiveName.cost,
    *,
    common: Solving,
) -> None:
    """Optimise the park for every combination of --vary values on Dask; write sweep.csv/.parquet/.html.

    Each run is one task on a local Dask cluster, or on the cluster at --scheduler. A failed
    run is recorded with its reason; rerunning into the same folder skips the runs done.
    """
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from circflow.sweeps import sweep as run_sweep
    from circflow.vary import parse_vary

    console = _console(common.quiet)
    folder = output or pathlib.Path(f"{park_file.stem}-sweep")

    def work() -> int:
        if workers is not None and scheduler is not None:
            msg = "give --workers (a local cluster) or --scheduler (a running one), not both"
            raise ParkError(msg)
        bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not console.is_terminal or console.quiet,
        )
        task = bar.add_task("checking", total=None)
        started = time.perf_counter()
        try:
            with bar:
                table = run_sweep(
                    park_file,
                    [parse_vary(text) for text in vary],
                    scenarios=scenario or [],
                    samples=samples,
                    seed=seed,
                    workers=workers,
                    scheduler=scheduler,
                    output=folder,
                    objective=objective.value,
                    **common.how(),
                    lang=_checked_language(common.lang),
                    on_stage=lambda text: bar.update(task, description=text),
                    on_progress=lambda done, total: bar.update(task, completed=done, total=total),
                )
        except KeyboardInterrupt:
            console.print(f"interrupted: the runs finished are kept in {folder}/; run the same command to go on")
            return EXIT_INTERRUPTED
        reused, ran = table.attrs["reused"], len(table) - table.attrs["reused"]
        counts = ", ".join(f"{status} {count}" for status, count in table["status"].value_counts().items())
        console.print(f"{len(table)} runs: {counts}", markup=False)
        console.print(
            f"ran {ran} in {time.perf_counter() - started:.1f} s" + (f"; {reused} done before" if reused else "")
        )
        for row in table[table["reason"] != ""].head(5).to_dict("records"):
            given = " ".join(f"{key}={row[key]}" for key in table.columns[: len(vary)])
            console.print(f"  {given}: {row['reason']}", markup=False)
        console.print(f"results: {folder}/ (sweep.csv, sweep.parquet, sweep.html)")
        return EXIT_OK

    raise typer.Exit(_guard(work))


@app.command()
@solving_command
@study_command
def sensitivity(
    park_file: ParkPath,
    vary: Annotated[
        list[str],
        _vary_option(
            "KEY=LOW:HIGH: a dotted path into the park file (economics.electricity_price, enterprises.ID.demands.0.baseline.cost, markets.ID.buys.0.price) and its range, absolute (500:900) or relative to the park's value (-20%:+20%). Repeat for more parameters, each varied alone."
        ),
    ],
    scenario: ScenarioOption = None,
    output: Annotated[pathlib.Path | None, _output_option("sensitivity")] = None,
    objective: ObjectiveOption = ObjectiveName.cost,
    tolerance: Annotated[
        float,
        typer.Option(help="Find each value where the plan changes to this share of the range.", min=1e-6, max=0.5),
    ] = 0.01,
    *,
    common: Solving,
    study: Study,
) -> None:
    """Vary each --vary parameter alone over its range: the objective at both ends, and the values where the plan changes.

    Writes sensitivity.csv, break_even.csv and sensitivity.html (a tornado chart).
    """
    from circflow.breakeven import sensitivity as run_sensitivity

    def find(park: Park, stage: Callable[[str], None]) -> Sensitivity:
        return run_sensitivity(park, vary, tolerance=tolerance, on_stage=stage, **_solving(objective, common, study))

    def show(console: Console, park: Park, found: Sensitivity, unit: str) -> tuple[str, str]:
        console.print(
            f"{park.park.name}: objective {_short(found.base_objective)} {unit} at the park's values", markup=False
        )
        table = found.table
        for r in found.ranges:
            rows = table[table["key"] == r.key]
            ends = {row["point"]: row for row in rows.to_dict("records")}
            console.print(
                f"{r.label or r.key} from {r.low:,.4g} to {r.high:,.4g}: objective {_short(ends['low']['objective'])}"
                f" to {_short(ends['high']['objective'])}",
                markup=False,
            )
            for row in rows[rows["point"] == "change"].to_dict("records"):
                console.print(
                    f"  at {row['value']:,.4g} (between {row['bracket_low']:,.4g} and {row['bracket_high']:,.4g})"
                    " the plan changes:",
                    markup=False,
                )
                for link in filter(None, row["links_added"].split("; ")):
                    console.print(f"    + {link}", markup=False)
                for link in filter(None, row["links_removed"].split("; ")):
                    console.print(f"    - {link}", markup=False)
            if not (rows["point"] == "change").any():
                console.print("  the plan stays the same over the whole range", markup=False)
        return "", "sensitivity.csv, break_even.csv, sensitivity.html"

    _run_study("sensitivity", park_file, scenario, output, objective, common, study, find, show)


@app.command()
@solving_command
@study_command
def alternatives(
    park_file: ParkPath,
    slack: Annotated[
        float,
        typer.Option(
            help="Plans whose objective is within this share of the optimum count as near-optimal (0.05: 5 %).", min=0
        ),
    ] = 0.05,
    plans: Annotated[
        int,
        typer.Option(
            help="Also find N near-optimal plans as different from each other as possible (MGA, Hop-Skip-Jump).", min=0
        ),
    ] = 0,
    exact: Annotated[
        bool,
        typer.Option(
            "--exact",
            help="Solve the best plan with and without every candidate to the gap, instead of stopping once its class is settled.",
        ),
    ] = False,
    scenario: ScenarioOption = None,
    output: Annotated[pathlib.Path | None, _output_option("alternatives")] = None,
    objective: Annotated[
        ObjectiveName, typer.Option(help="cost, or emissions (the slack is then on emissions).")
    ] = ObjectiveName.cost,
    carbon_price: CarbonPriceOption = None,
    *,
    common: Solving,
    study: Study,
) -> None:
    """Class every candidate link and process: essential, optional, possible or excluded within --slack of the optimum.

    Writes alternatives.csv (with the best objective with and without each), alternatives.html
    and, with --plans, plans.csv.
    """
    from circflow.nearoptimal import alternatives as run_alternatives

    def find(park: Park, stage: Callable[[str], None]) -> Alternatives:
        solving = _solving(objective, common, study)
        return run_alternatives(
            park, slack, plans=plans, carbon_price=carbon_price, exact=exact, on_stage=stage, **solving
        )

    def show(console: Console, park: Park, found: Alternatives, unit: str) -> tuple[str, str]:
        counts = found.counts
        console.print(
            f"{park.park.name}: optimum {_short(found.optimum)} {unit}; within {slack:.1%} "
            f"(up to {_short(found.threshold)}): " + ", ".join(f"{k} {v}" for k, v in counts.items()),
            markup=False,
        )
        table = found.table
        for klass in ("essential", "optional"):
            rows = table[table["class"] == klass]
            if len(rows):
                console.print(f"{klass}:", markup=False)
                for row in rows.to_dict("records"):
                    sign = {"at most": "<= ", "at least": ">= "}.get(row["best_without_is"], "")
                    console.print(f"  {row['link']} (without it: {sign}{_short(row['best_without'])})", markup=False)
        for row in found.plans.to_dict("records")[1:]:
            console.print(
                f"plan {row['plan']}: {_short(row['objective'])} {unit}, {row['built']} links, "
                f"{row['shared']} shared with the optimum",
                markup=False,
            )
        files = "alternatives.csv, alternatives.html" + (", plans.csv" if not found.plans.empty else "")
        return f" (classifying {found.timings.get('classify_s', 0):.2f} s)", files

    _run_study("alternatives", park_file, scenario, output, objective, common, study, find, show)


def _solving(objective: ObjectiveName, common: Solving, study: Study) -> dict[str, Any]:
    """The keyword arguments `sensitivity` and `alternatives` pass alike to their library
    functions (`circflow.sensitivity`, `circflow.alternatives`): the objective and how to solve."""
    return {
        "objective": objective.value,
        **common.how(),
        "workers": study.workers,
        "scheduler": study.scheduler,
    }


Findings = TypeVar("Findings", "Alternatives", "Sensitivity")


def _run_study(
    kind: str,
    park_file: pathlib.Path,
    scenario: list[str] | None,
    output: pathlib.Path | None,
    objective: ObjectiveName,
    common: Solving,
    study: Study,
    find: Callable[[Park, Callable[[str], None]], Findings],
    show: Callable[[Console, Park, Findings, str], tuple[str, str]],
) -> NoReturn:
    """The run of `sensitivity` and `alternatives`: read the park; check the folders before any
    solve; ``find(park, stage)``; write the findings to ``<park-stem>-KIND/`` (or --output) and,
    with --results, add them to that results folder (`circflow.howsure.add_to_results`);
    ``show(console, park, found, unit)`` prints them and says what it took and which files it wrote."""
    import time

    console = _console(common.quiet)
    folder = output or pathlib.Path(f"{park_file.stem}-{kind}")

    def work() -> int:
        started = time.perf_counter()
        with _progress(console) as stage:
            park = set_language(load_park(park_file, scenarios=scenario or []), common.lang)
            refuse_foreign_folder(folder, reads=[study.results] if study.results is not None else [])
            if study.results is not None:
                read_results_folder(study.results, park, objective.value)
            found = find(park, stage)
            stage("writing results")
            found.save(folder)
            if study.results is not None:
                from circflow.howsure import add_to_results
                from circflow.nearoptimal import Alternatives

                if isinstance(found, Alternatives):
                    add_to_results(study.results, found=found)
                else:
                    add_to_results(study.results, moved=found)
        unit = "tCO2/yr" if objective.value == "emissions" else f"{found.currency}/yr"
        detail, files = show(console, park, found, unit)
        console.print(
            f"{time.perf_counter() - started:.1f} s{detail}; results: {folder}/ ({files})"
            + (f"; added to {study.results}/" if study.results is not None else "")
        )
        return EXIT_OK

    raise typer.Exit(_guard(work))


def read_results_folder(folder: pathlib.Path, park: Park, objective: str) -> None:
    """Fail early (exit 2), before any solve, when --results is not a circflow results folder of
    this park, these scenarios and this objective: the findings would describe another plan."""
    from circflow.exports.outputs import read_results

    content = read_results(folder)
    scenarios = list(park.applied_scenarios)
    theirs = {
        "park": content.get("park"),
        "scenarios": list(content.get("scenarios") or []),
        "objective": content.get("objective_name"),
    }
    ours = {"park": park.park.name, "scenarios": scenarios, "objective": objective}
    for what, value in ours.items():
        if theirs[what] != value:
            msg = (
                f"--results {folder} holds the results of {what} {theirs[what]!r}, not of {value!r}; give the results "
                "folder of this park, its scenarios and objective"
            )
            raise ParkError(msg)


@app.command()
def validate(
    park_file: ParkPath,
    scenario: ScenarioOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors and warnings.")] = False,
) -> None:
    """Check a park file: errors (exit 2) and warnings, without optimising.

    Without --scenario the base park and each of its scenarios are checked.
    """
    console = _console(False)

    def work() -> int:
        park = load_park(park_file, scenarios=scenario or [])
        checks: list[tuple[str, Park]] = [(" + ".join(scenario) if scenario else "base", park)]
        if not scenario:
            checks += [(name, load_park(park_file, scenarios=[name])) for name in park.scenarios]
        for label, variant in checks:
            net = build_network(variant)
            if not quiet or net.warnings:
                console.print(f"{park_file} [{label}]: {_network_counts(variant, net)}", markup=False)
                if net.links:
                    console.print(f"  candidate links by technology: {_links_by_technology(net)}", markup=False)
            for warning in net.warnings:
                console.print(f"  warning: {warning}", markup=False, highlight=False)
        if not quiet:
            console.print("valid")
        return EXIT_OK

    raise typer.Exit(_guard(work))


def _network_counts(park: Park, net: Any) -> str:
    """Enterprises, markets, processes, streams and candidate links of a park, for validate."""
    parts = [f"{len(park.enterprises)} enterprises"]
    if park.markets:
        parts.append(f"{len(park.markets)} market{'s' if len(park.markets) != 1 else ''}")
    if net.processes:
        parts.append(f"{len(net.processes)} process{'es' if len(net.processes) != 1 else ''}")
    supplies = sum(1 for s in net.supplies if s.role == "supply")
    demands = sum(1 for d in net.demands if d.role == "demand")
    parts += [f"{supplies} supplies", f"{demands} demands", f"{len(net.links)} candidate links"]
    return ", ".join(parts)


def _links_by_technology(net: Any) -> str:
    """Candidate links counted by technology: ``transport 12, on site 2, direct exchange 1, ...``."""
    counts: dict[str, int] = {}
    for link in net.links:
        kind = "on site" if link.on_site else HEAT_SHORT.get(link.type, link.type.replace("_", " "))
        counts[kind] = counts.get(kind, 0) + 1
    order = ["transport", "on site", *HEAT_SHORT.values()]
    return ", ".join(
        f"{kind} {counts[kind]}"
        for kind in sorted(counts, key=lambda k: (order.index(k) if k in order else len(order), k))
    )


@app.command()
def init(
    path: Annotated[pathlib.Path, typer.Argument(help="Where to write the starter park.")] = pathlib.Path("park.yaml"),
) -> None:
    """Write a commented starter park of three enterprises that optimises as written."""
    console = _console(False)

    def work() -> int:
        if path.exists():
            msg = f"{path} exists already; nothing was written (give another path)"
            raise ParkError(msg)
        template = pathlib.Path(__file__).parent / "templates" / "park.yaml"
        shutil.copyfile(template, path)
        console.print(f"wrote {path}; next: circflow validate {path} && circflow optimize {path}", markup=False)
        return EXIT_OK

    raise typer.Exit(_guard(work))


@app.command()
def schema() -> None:
    """Print the JSON Schema of the park file."""
    typer.echo(json.dumps(Park.model_json_schema(by_alias=True), indent=1))


def _guard(work: Callable[[], int]) -> int:
    """Run a command body and turn circflow's errors into messages and exit codes."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        with stop_on_ctrl_c():  # Ctrl-C stops every solve, in every thread
            return work()
    except ParkError as error:
        for problem in error.problems:
            err.print(f"error: {problem}", markup=False)
        return EXIT_INPUT
    except OutputError as error:
        err.print(f"error: {error}", markup=False)
        return EXIT_INPUT
    except InfeasibleError as error:
        err.print(f"error: {error}", markup=False)
        return EXIT_INFEASIBLE
    except (SolverError, ClusterError) as error:
        err.print(f"error: {error}", markup=False)
        return EXIT_INTERNAL
    except CircflowError as error:
        err.print(f"error: {error}", markup=False)
        return EXIT_INTERNAL
    except KeyboardInterrupt:
        err.print("interrupted; nothing was written")
        return EXIT_INTERRUPTED
    except Exception as error:  # a bug: say so plainly, traceback on request
        if _state["debug"]:
            traceback.print_exc()
        else:
            err.print(
                f"internal error: {type(error).__name__}: {error} (run with --debug for the traceback; "
                "please report it)",
                markup=False,
            )
        return EXIT_INTERNAL


def _exit_code(result: Result) -> int:
    return {
        Status.OPTIMAL: EXIT_OK,
        Status.FEASIBLE: EXIT_OK,
        Status.INFEASIBLE: EXIT_INFEASIBLE,
        Status.TIME_LIMIT_NO_SOLUTION: EXIT_NO_SOLUTION,
    }[result.status]


def _console(quiet: bool) -> Console:
    return Console(quiet=quiet, highlight=False, soft_wrap=not sys.stdout.isatty())


class _progress:
    """A spinner naming the current stage and the solver's progress, on a terminal only.

    Called with a stage name; `progress` (None when there is no terminal) shows the
    solver's incumbent, bound and gap beside it.
    """

    def __init__(self, console: Console) -> None:
        self.console = console
        self.status: RichStatus | None = None
        self.stage = ""
        self.progress: Callable[[str], None] | None = None
        self.terminal: TextIO | None = None

    def __enter__(self) -> _progress:
        if not self.console.quiet and sys.stderr.isatty():
            # A duplicate of the terminal's descriptor: the spinner stays on screen
            # whatever else redirects stderr meanwhile (a library, a notebook).
            self.terminal = os.fdopen(os.dup(sys.stderr.fileno()), "w", encoding="utf-8")
            self.status = Console(file=self.terminal, force_terminal=True).status("")
            self.status.__enter__()
            self.progress = self._progress
        return self

    def __call__(self, text: str) -> None:
        self.stage = text
        if self.status is not None:
            self.status.update(text + " ...")

    def _progress(self, text: str) -> None:
        if self.status is not None:
            self.status.update(f"{self.stage}: {text}")

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self.status is not None:
            self.status.__exit__(kind, error, trace)
        if self.terminal is not None:
            self.terminal.close()


def _print_no_plan(console: Console, result: Result) -> None:
    """Why a run has no plan: the diagnosis of an infeasible park, or the limit that stopped it."""
    if result.status is Status.INFEASIBLE:
        console.print("no plan meets the park's targets and forced links together:")
        for line in result.diagnosis:
            console.print(f"  - {line}", markup=False)
    else:
        console.print(
            "a solver limit (the time limit, or the solver profile's node or solution limit) stopped "
            "the search before any feasible plan was found; raise it"
        )


def _print_summary(console: Console, result: Result, folder: pathlib.Path) -> None:
    """The run in 80 columns (`circflow.exports.terminal`), in the results' language."""
    if console.quiet:
        return
    for line in summary_lines(result.to_dict(), str(folder)):
        console.print(line, markup=False, highlight=False, soft_wrap=True)


def _checked_language(lang: str | None) -> str | None:
    try:
        return None if lang is None else check_language(lang)
    except ValueError as error:
        raise ParkError(str(error)) from None


def set_language(park: Park, lang: str | None) -> Park:
    """``park`` written in ``lang`` (None: as its park file says)."""
    code = _checked_language(lang)
    if code is None:
        return park
    return park.model_copy(update={"park": park.park.model_copy(update={"lang": code})})


def _print_how_sure(console: Console, result: Result) -> None:
    """Two lines on how sure the plan is, when `optimize --robustness` found it."""
    found = result.robustness.get("alternatives")
    moved = result.robustness.get("sensitivity")
    if console.quiet or not (found or moved):
        return
    if found:
        counts = ", ".join(f"{name} {count}" for name, count in found["counts"].items())
        console.print(f"how sure: within {found['slack']:.0%} of the optimum, {counts}", markup=False)
    if moved:
        flips = [f for f in moved["break_even"] if f["below"] is not None or f["above"] is not None]
        prices = ", ".join(r["label"] for r in moved["ranges"])
        console.print(
            f"break-even: {len({f['id'] for f in flips})} links or processes change within the ranges of "
            f"{prices} (report.html, 'How sure is this plan')",
            markup=False,
        )


def run() -> None:
    """The CLI (`circflow.entry.main`, the console script, runs it)."""
    try:
        app()
    except SystemExit as end:
        if end.code == EXIT_INTERRUPTED and solves_running():
            # Ctrl-C: the run has unwound (no results folder half written) and every HiGHS
            # solve was told to stop; exit now rather than wait for them to reach their check
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(EXIT_INTERRUPTED)
        raise
