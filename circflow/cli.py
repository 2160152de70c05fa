"""The ``circflow`` command: a thin layer over the Python API (SPEC 5).

Last stage; nothing imports it. Each command parses its arguments, calls the library and
formats the answer. Exit codes: 0 solved, 1 internal error, 2 invalid input, 3 infeasible,
4 no feasible solution within the time limit. Progress and colour go to a terminal only;
piped output is plain, and ``--quiet`` silences everything but errors.
"""

from __future__ import annotations

import json
import math
import os
import pathlib
import shutil
import sys
import textwrap
import traceback
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from circflow._version import __version__
from circflow.catalog import data_dir
from circflow.exceptions import CircflowError, ClusterError, InfeasibleError, OutputError, ParkError, SolverError
from circflow.folders import refuse_foreign_folder, writing
from circflow.load import load_park
from circflow.network import build_network
from circflow.optimizer import optimize as run_optimize
from circflow.results import Result
from circflow.schema import Park
from circflow.solve import Status

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_NO_SOLUTION = 0, 1, 2, 3, 4

app = typer.Typer(
    name="circflow",
    help="Optimise the circular economy of an industrial park: which symbiosis links to build "
    "(fly ash, gypsum, slag, reclaimed water, waste heat with heat pumps), minimising cost and CO2.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
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
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")] = False,
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
    typer.Option("--scenario", "-s", help="Scenario of the park file to apply; repeat to stack them in order."),
]


@app.command()
def optimize(
    park_file: ParkPath,
    output: Annotated[pathlib.Path | None, typer.Option("--output", "-o", help="Results folder [default: <park-stem>-results/].")] = None,
    objective: Annotated[ObjectiveName, typer.Option(help="cost, or emissions (then cost among the emission-optimal).")] = ObjectiveName.cost,
    scenario: ScenarioOption = None,
    carbon_price: CarbonPriceOption = None,
    solver: SolverOption = "highs",
    time_limit: Annotated[float | None, typer.Option(help="Seconds before stopping with the best plan found.", min=0)] = None,
    gap: GapOption = None,
    write_model: Annotated[pathlib.Path | None, typer.Option(help="Also write the model to FILE.mps or FILE.lp.")] = None,
    marginals: Annotated[bool, typer.Option("--marginals/--no-marginals", help="Marginal values of the plan (money per unit of each supply, demand, market, target and cap) in results.json, marginals.csv and the report.")] = True,
    robustness: Annotated[bool, typer.Option("--robustness", help="Also find how sure the plan is: essential and optional links within 5 % of the optimum, and the break-even values of the electricity, carbon, main baseline and market prices (the report's 'How sure is this plan').")] = False,
    quiet: QuietOption = False,
) -> None:
    """Optimise a park and write its results folder."""
    console = _console(quiet)
    folder = output or pathlib.Path(f"{park_file.stem}-results")

    def work() -> int:
        with _progress(console) as stage:
            stage("reading the park")
            park = load_park(park_file, scenarios=scenario or [])
            refuse_foreign_folder(folder)
            result = run_optimize(
                park, objective=objective.value, solver=solver, time_limit=time_limit, gap=gap,
                carbon_price=carbon_price, write_model=write_model, on_stage=stage, on_progress=stage.progress,
                marginals=marginals,
            )
            if robustness and result.is_ok:
                from circflow.howsure import how_sure  # noqa: PLC0415

                result = how_sure(park, result, solver=solver, time_limit=time_limit, gap=gap, carbon_price=carbon_price,
                                  on_stage=stage)
            stage("writing results")
            with writing(folder):
                result.save(folder)
        _print_summary(console, result, folder)
        _print_how_sure(console, result)
        return _exit_code(result)

    raise typer.Exit(_guard(work))


@app.command()
def pareto(
    park_file: ParkPath,
    points: Annotated[int, typer.Option(help="Emission levels from the cost optimum to the emissions optimum, ends included.", min=2)] = 8,
    output: Annotated[pathlib.Path | None, typer.Option("--output", "-o", help="Folder [default: <park-stem>-pareto/].")] = None,
    scenario: ScenarioOption = None,
    carbon_price: CarbonPriceOption = None,
    solver: SolverOption = "highs",
    time_limit: Annotated[float | None, typer.Option(help="Seconds per solve.", min=0)] = None,
    gap: GapOption = None,
    quiet: QuietOption = False,
) -> None:
    """Trace the cost-emissions Pareto front (epsilon-constraint) and write pareto.csv/html."""
    from circflow.front import front_table, pareto_results, save_front

    console = _console(quiet)
    folder = output or pathlib.Path(f"{park_file.stem}-pareto")

    def work() -> int:
        with _progress(console) as stage:
            park = load_park(park_file, scenarios=scenario or [])
            refuse_foreign_folder(folder)
            results = pareto_results(park, points, solver=solver, time_limit=time_limit, gap=gap,
                                     carbon_price=carbon_price, on_stage=stage)
            if results[0].is_ok:
                stage("writing results")
                save_front(folder, results)
        if not results[0].is_ok:  # nothing to draw: say why, write nothing
            _print_no_plan(console, results[0])
            return _exit_code(results[0])
        table = front_table(results)
        cur = results[0].currency
        out = Table(title=f"{park.park.name}: cost-emissions Pareto front", show_edge=False, box=None)
        for column in ("point", f"cost ({cur}/yr)", "emissions (tCO2/yr)", f"capex ({cur})", "links"):
            out.add_column(column, justify="right")
        for row in table.itertuples():
            out.add_row(str(row.point), f"{row.objective:,.0f}", f"{row.emissions:,.0f}", f"{row.capex:,.0f}", str(row.links_built))
        console.print(out)
        console.print(f"results: {folder}/ (pareto.csv, pareto.html, point-K/)")
        return EXIT_OK

    raise typer.Exit(_guard(work))


@app.command()
def compare(
    inputs: Annotated[list[pathlib.Path], typer.Argument(help="A park file, or results folders to compare.", metavar="PARK.yaml|DIR...")],
    scenario: Annotated[list[str] | None, typer.Option("--scenario", "-s", help="An alternative: a scenario, or several joined by '+' (plan_a+high_carbon). Repeat for more.")] = None,
    output: Annotated[pathlib.Path | None, typer.Option("--output", "-o", help="Folder [default: <park-stem>-compare/].")] = None,
    objective: Annotated[ObjectiveName, typer.Option(help="cost, or emissions.")] = ObjectiveName.cost,
    solver: SolverOption = "highs",
    time_limit: Annotated[float | None, typer.Option(help="Seconds per run.", min=0)] = None,
    gap: GapOption = None,
    quiet: QuietOption = False,
) -> None:
    """Compare retrofit plans: the base park and each --scenario, or results folders, side by side."""
    from circflow.comparison import compare_folders, compare_park, save_comparison

    console = _console(quiet)

    def work() -> int:
        folders = [path for path in inputs if path.is_dir()]
        if folders and len(folders) == len(inputs):
            if scenario:
                msg = "--scenario applies to a park file, not to results folders"
                raise ParkError(msg)
            table, results = compare_folders(folders), None
            folder = output or pathlib.Path("compare")
        elif len(inputs) == 1:
            if not scenario:
                msg = "say which alternatives to compare with --scenario NAME (repeat it)"
                raise ParkError(msg)
            folder = output or pathlib.Path(f"{inputs[0].stem}-compare")
            refuse_foreign_folder(folder)
            with _progress(console) as stage:
                table, results = compare_park(inputs[0], scenario, on_stage=stage, objective=objective.value,
                                              solver=solver, time_limit=time_limit, gap=gap)
        else:
            msg = "give one park file with --scenario alternatives, or several results folders"
            raise ParkError(msg)
        save_comparison(folder, table, results)
        _print_comparison(console, table)
        console.print(f"results: {folder}/ (compare.csv, compare.xlsx, compare.html)")
        return EXIT_OK

    raise typer.Exit(_guard(work))


def _print_comparison(console: Console, table: Any) -> None:
    rows = table.to_dict("records")
    sales = any(row.get("market_revenue") for row in rows)  # sales to markets (SPEC 8.1) when a run has any
    out = Table(show_edge=False, box=None, pad_edge=False, collapse_padding=sales)  # 8 columns in 80
    for column in ("scenario", "status", "cost/yr", "tCO2/yr", "capex", "saving/yr", *(("sales/yr",) if sales else ()),
                   "links"):
        # Numbers keep their headers whole; a long scenario name is cut instead.
        out.add_column(column, justify="left" if column in {"scenario", "status"} else "right", no_wrap=True,
                       min_width=len(column), overflow="ellipsis", max_width=18 if column == "scenario" else None)
    for row in rows:
        out.add_row(row["scenario"], str(row["status"]), _short(row["total_cost"]), _short(row["emissions"]),
                    _short(row["capex"]), _short(row["savings_cost"]),
                    *((_short(row.get("market_revenue")),) if sales else ()), str(row["links_built"]))
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
    results_dir: Annotated[pathlib.Path, typer.Argument(help="A results folder written by circflow optimize.", show_default=False, metavar="RESULTS_DIR")],
    output: Annotated[pathlib.Path | None, typer.Option("--output", "-o", help="HTML file to write [default: RESULTS_DIR/sankey.html].")] = None,
    period: Annotated[str | None, typer.Option(help="Period shown first [default: the whole year]; the page offers the others.")] = None,
) -> None:
    """Redraw the Sankey diagram of a results folder as one HTML file that works offline."""
    from circflow.exports.outputs import read_results
    from circflow.exports.sankey import write_sankey

    console = _console(False)

    def work() -> int:
        results = read_results(results_dir)
        target = output or results_dir / "sankey.html"
        if target.is_dir():
            msg = f"{target} is a folder; give -o a file name such as {target / 'sankey.html'}"
            raise OutputError(msg)
        if not target.parent.is_dir():
            msg = f"cannot write {target}: folder {target.parent} does not exist"
            raise OutputError(msg)
        with writing(target):
            write_sankey(target, results, period)
        console.print(f"wrote {target}", markup=False)
        return EXIT_OK

    raise typer.Exit(_guard(work))


@app.command()
def sweep(
    park_file: ParkPath,
    vary: Annotated[list[str], typer.Option("--vary", help="KEY=VALUES: a dotted path into the park file (economics.carbon_price, enterprises.ID.supplies.0.amount) or scenario, and a list 0,150,300, a range 0:400:9 (start:stop:count), or with --samples uniform(a,b) / normal(mu,sigma). Repeat for a full grid.", show_default=False)],
    scenario: ScenarioOption = None,
    samples: Annotated[int | None, typer.Option(help="Monte Carlo: draw N values of each distribution KEY.", min=1)] = None,
    seed: Annotated[int, typer.Option(help="Random seed of --samples; the same seed draws the same values.")] = 0,
    workers: Annotated[int | None, typer.Option(help="Worker processes of the local Dask cluster [default: one per CPU].", min=1)] = None,
    scheduler: Annotated[str | None, typer.Option(help="Run on the Dask cluster at this address (tcp://HOST:8786) instead.")] = None,
    output: Annotated[pathlib.Path | None, typer.Option("--output", "-o", help="Folder [default: <park-stem>-sweep/]; runs already in it are skipped.")] = None,
    objective: Annotated[ObjectiveName, typer.Option(help="cost, or emissions.")] = ObjectiveName.cost,
    solver: SolverOption = "highs",
    time_limit: Annotated[float | None, typer.Option(help="Seconds per run.", min=0)] = None,
    gap: GapOption = None,
    quiet: QuietOption = False,
) -> None:
    """Optimise the park for every combination of --vary values on Dask; write sweep.csv/.parquet/.html.

    Each run is one task on a local Dask cluster, or on the cluster at --scheduler. A failed
    run is recorded with its reason; rerunning into the same folder skips the runs done.
    """
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from circflow.sweeps import sweep as run_sweep
    from circflow.vary import parse_vary

    console = _console(quiet)
    folder = output or pathlib.Path(f"{park_file.stem}-sweep")

    def work() -> int:
        if workers is not None and scheduler is not None:
            msg = "give --workers (a local cluster) or --scheduler (a running one), not both"
            raise ParkError(msg)
        bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                       console=console, disable=not console.is_terminal or console.quiet)
        task = bar.add_task("checking", total=None)
        started = time.perf_counter()
        try:
            with bar:
                table = run_sweep(park_file, [parse_vary(text) for text in vary], scenarios=scenario or [],
                                  samples=samples, seed=seed, workers=workers, scheduler=scheduler, output=folder,
                                  objective=objective.value, solver=solver, time_limit=time_limit, gap=gap,
                                  on_stage=lambda text: bar.update(task, description=text),
                                  on_progress=lambda done, total: bar.update(task, completed=done, total=total))
        except KeyboardInterrupt:
            console.print(f"interrupted: the runs finished are kept in {folder}/; run the same command to go on")
            return 130
        reused, ran = table.attrs["reused"], len(table) - table.attrs["reused"]
        counts = ", ".join(f"{status} {count}" for status, count in table["status"].value_counts().items())
        console.print(f"{len(table)} runs: {counts}", markup=False)
        console.print(f"ran {ran} in {time.perf_counter() - started:.1f} s" + (f"; {reused} done before" if reused else ""))
        for row in table[table["reason"] != ""].head(5).to_dict("records"):
            given = " ".join(f"{key}={row[key]}" for key in table.columns[:len(vary)])
            console.print(f"  {given}: {row['reason']}", markup=False)
        console.print(f"results: {folder}/ (sweep.csv, sweep.parquet, sweep.html)")
        return EXIT_OK

    raise typer.Exit(_guard(work))


@app.command()
def sensitivity(
    park_file: ParkPath,
    vary: Annotated[list[str], typer.Option("--vary", help="KEY=LOW:HIGH: a dotted path into the park file (economics.electricity_price, enterprises.ID.demands.0.baseline.cost, markets.ID.buys.0.price) and its range, absolute (500:900) or relative to the park's value (-20%:+20%). Repeat for more parameters, each varied alone.", show_default=False)],
    scenario: ScenarioOption = None,
    output: Annotated[pathlib.Path | None, typer.Option("--output", "-o", help="Folder [default: <park-stem>-sensitivity/].")] = None,
    results: Annotated[pathlib.Path | None, typer.Option("--results", help="Also add the break-even values to this results folder of the same park (its results.json and report).")] = None,
    objective: Annotated[ObjectiveName, typer.Option(help="cost, or emissions.")] = ObjectiveName.cost,
    tolerance: Annotated[float, typer.Option(help="Find each value where the plan changes to this share of the range.", min=1e-6, max=0.5)] = 0.01,
    solver: SolverOption = "highs",
    time_limit: Annotated[float | None, typer.Option(help="Seconds per solve.", min=0)] = None,
    gap: GapOption = None,
    workers: Annotated[int | None, typer.Option(help="Run the parameters on a local Dask cluster of N worker processes [default: threads of this process].", min=1)] = None,
    scheduler: Annotated[str | None, typer.Option(help="Run the parameters on the Dask cluster at this address (tcp://HOST:8786).")] = None,
    quiet: QuietOption = False,
) -> None:
    """Vary each --vary parameter alone over its range: the objective at both ends, and the values where the plan changes.

    Writes sensitivity.csv, break_even.csv and sensitivity.html (a tornado chart).
    """
    import time  # noqa: PLC0415

    from circflow.breakeven import sensitivity as run_sensitivity  # noqa: PLC0415

    console = _console(quiet)
    folder = output or pathlib.Path(f"{park_file.stem}-sensitivity")

    def work() -> int:
        started = time.perf_counter()
        with _progress(console) as stage:
            park = load_park(park_file, scenarios=scenario or [])
            refuse_foreign_folder(folder)
            if results is not None:
                read_results_folder(results)
            found = run_sensitivity(park, vary, objective=objective.value, solver=solver, time_limit=time_limit,
                                    gap=gap, tolerance=tolerance, workers=workers, scheduler=scheduler, on_stage=stage)
            stage("writing results")
            found.save(folder)
            if results is not None:
                from circflow.howsure import add_to_results  # noqa: PLC0415

                add_to_results(results, moved=found)
        unit = "tCO2/yr" if objective.value == "emissions" else f"{found.currency}/yr"
        console.print(f"{park.park.name}: objective {_short(found.base_objective)} {unit} at the park's values", markup=False)
        table = found.table
        for r in found.ranges:
            rows = table[table["key"] == r.key]
            ends = {row["point"]: row for row in rows.to_dict("records")}
            console.print(f"{r.label or r.key} from {r.low:,.4g} to {r.high:,.4g}: objective {_short(ends['low']['objective'])}"
                          f" to {_short(ends['high']['objective'])}", markup=False)
            for row in rows[rows["point"] == "change"].to_dict("records"):
                console.print(f"  at {row['value']:,.4g} (between {row['bracket_low']:,.4g} and {row['bracket_high']:,.4g})"
                              " the plan changes:", markup=False)
                for link in filter(None, row["links_added"].split("; ")):
                    console.print(f"    + {link}", markup=False)
                for link in filter(None, row["links_removed"].split("; ")):
                    console.print(f"    - {link}", markup=False)
            if not (rows["point"] == "change").any():
                console.print("  the plan stays the same over the whole range", markup=False)
        console.print(f"{time.perf_counter() - started:.1f} s; results: {folder}/ (sensitivity.csv, break_even.csv, "
                      "sensitivity.html)" + (f"; added to {results}/" if results is not None else ""))
        return EXIT_OK

    raise typer.Exit(_guard(work))


@app.command()
def alternatives(
    park_file: ParkPath,
    slack: Annotated[float, typer.Option(help="Plans whose objective is within this share of the optimum count as near-optimal (0.05: 5 %).", min=0)] = 0.05,
    plans: Annotated[int, typer.Option(help="Also find N near-optimal plans as different from each other as possible (MGA, Hop-Skip-Jump).", min=0)] = 0,
    exact: Annotated[bool, typer.Option("--exact", help="Solve the best plan with and without every candidate to the gap, instead of stopping once its class is settled.")] = False,
    scenario: ScenarioOption = None,
    output: Annotated[pathlib.Path | None, typer.Option("--output", "-o", help="Folder [default: <park-stem>-alternatives/].")] = None,
    results: Annotated[pathlib.Path | None, typer.Option("--results", help="Also add the classes to this results folder of the same park (its results.json and report).")] = None,
    objective: Annotated[ObjectiveName, typer.Option(help="cost, or emissions (the slack is then on emissions).")] = ObjectiveName.cost,
    carbon_price: CarbonPriceOption = None,
    solver: SolverOption = "highs",
    time_limit: Annotated[float | None, typer.Option(help="Seconds per solve.", min=0)] = None,
    gap: GapOption = None,
    workers: Annotated[int | None, typer.Option(help="Classify the independent parts on a local Dask cluster of N worker processes [default: threads of this process, one per CPU].", min=1)] = None,
    scheduler: Annotated[str | None, typer.Option(help="Classify the parts on the Dask cluster at this address (tcp://HOST:8786).")] = None,
    quiet: QuietOption = False,
) -> None:
    """Class every candidate link and process: essential, optional, possible or excluded within --slack of the optimum.

    Writes alternatives.csv (with the best objective with and without each), alternatives.html
    and, with --plans, plans.csv.
    """
    import time  # noqa: PLC0415

    from circflow.nearoptimal import alternatives as run_alternatives  # noqa: PLC0415

    console = _console(quiet)
    folder = output or pathlib.Path(f"{park_file.stem}-alternatives")

    def work() -> int:
        started = time.perf_counter()
        with _progress(console) as stage:
            park = load_park(park_file, scenarios=scenario or [])
            refuse_foreign_folder(folder)
            if results is not None:
                read_results_folder(results)
            found = run_alternatives(park, slack, plans=plans, objective=objective.value, solver=solver,
                                     time_limit=time_limit, gap=gap, carbon_price=carbon_price, exact=exact,
                                     workers=workers, scheduler=scheduler, on_stage=stage)
            stage("writing results")
            found.save(folder)
            if results is not None:
                from circflow.howsure import add_to_results  # noqa: PLC0415

                add_to_results(results, found=found)
        unit = "tCO2/yr" if objective.value == "emissions" else f"{found.currency}/yr"
        counts = found.counts
        console.print(f"{park.park.name}: optimum {_short(found.optimum)} {unit}; within {slack:.1%} "
                      f"(up to {_short(found.threshold)}): " + ", ".join(f"{k} {v}" for k, v in counts.items()), markup=False)
        table = found.table
        for klass in ("essential", "optional"):
            rows = table[table["class"] == klass]
            if len(rows):
                console.print(f"{klass}:", markup=False)
                for row in rows.to_dict("records"):
                    sign = {"at most": "<= ", "at least": ">= "}.get(row["best_without_is"], "")
                    console.print(f"  {row['link']} (without it: {sign}{_short(row['best_without'])})", markup=False)
        for row in found.plans.to_dict("records")[1:]:
            console.print(f"plan {row['plan']}: {_short(row['objective'])} {unit}, {row['built']} links, "
                          f"{row['shared']} shared with the optimum", markup=False)
        console.print(f"{time.perf_counter() - started:.1f} s (classifying {found.timings.get('classify_s', 0):.2f} s); "
                      f"results: {folder}/ (alternatives.csv, alternatives.html"
                      + (", plans.csv" if not found.plans.empty else "") + ")"
                      + (f"; added to {results}/" if results is not None else ""))
        return EXIT_OK

    raise typer.Exit(_guard(work))


def read_results_folder(folder: pathlib.Path) -> None:
    """Fail early (exit 2) when --results is not a circflow results folder."""
    from circflow.exports.outputs import read_results  # noqa: PLC0415

    read_results(folder)


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
        kind = "on site" if link.on_site else _HEAT_SHORT.get(link.type, link.type.replace("_", " "))
        counts[kind] = counts.get(kind, 0) + 1
    order = ["transport", "on site", *_HEAT_SHORT.values()]
    return ", ".join(f"{kind} {counts[kind]}" for kind in sorted(counts, key=lambda k: (
        order.index(k) if k in order else len(order), k)))


@app.command()
def init(
    path: Annotated[pathlib.Path, typer.Argument(help="Where to write the starter park.")] = pathlib.Path("park.yaml"),
) -> None:
    """Write a commented starter park that optimises as written."""
    console = _console(False)

    def work() -> int:
        if path.exists():
            msg = f"{path} exists already; nothing was written (give another path)"
            raise ParkError(msg)
        template = data_dir("parks") / "tiny.yaml"
        shutil.copyfile(template, path)
        console.print(f"wrote {path}; next: circflow optimize {path}")
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
        return 130
    except Exception as error:  # a bug: say so plainly, traceback on request
        if _state["debug"]:
            traceback.print_exc()
        else:
            err.print(f"internal error: {type(error).__name__}: {error} (run with --debug for the traceback; "
                      "please report it)", markup=False)
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
        self.status = None
        self.stage = ""
        self.progress: Callable[[str], None] | None = None
        self.terminal = None

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

    def __exit__(self, *exc: object) -> None:
        if self.status is not None:
            self.status.__exit__(*exc)
        if self.terminal is not None:
            self.terminal.close()


def _money(value: float | None, currency: str) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    for limit, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:,.2f} {suffix} {currency}"
    return f"{value:,.0f} {currency}"


SUMMARY_WIDTH = 80
"""The terminal summary fits 80 columns: names are cut, long lines wrapped."""
SHOWN_LINKS = 15
"""Links of one resource (and processes) listed; the rest are in links.csv."""
_HEAT_SHORT = {"direct": "direct exchange", "preheat": "preheat", "heat_pump": "electric heat pump",
               "absorption": "absorption heat pump"}
"""Heat technologies as the summary names them (the report and workbook give the full label)."""


def _print_no_plan(console: Console, result: Result) -> None:
    """Why a run has no plan: the diagnosis of an infeasible park, or the limit that stopped it."""
    if result.status is Status.INFEASIBLE:
        console.print("no plan meets the park's targets and forced links together:")
        for line in result.diagnosis:
            console.print(f"  - {line}", markup=False)
    else:
        console.print("a solver limit (the time limit, or the solver profile's node or solution limit) stopped "
                      "the search before any feasible plan was found; raise it")


def _print_summary(console: Console, result: Result, folder: pathlib.Path) -> None:
    if console.quiet:
        return

    def say(text: str, indent: str = "  ") -> None:
        for line in textwrap.wrap(text, SUMMARY_WIDTH, subsequent_indent=indent, break_on_hyphens=False) or [""]:
            console.print(line, markup=False, highlight=False)

    head = f"{result.park}: {result.status}"
    if result.scenarios:
        head += f" (scenarios: {', '.join(result.scenarios)})"
    say(head)
    if not result.is_ok:
        _print_no_plan(console, result)
        console.print(f"details: {folder / 'results.json'}")
        return
    k, cur = result.kpis, result.currency
    gap = "" if not math.isfinite(result.gap) else f", gap {result.gap:.2%}"
    unit = "tCO2/yr" if result.objective_name == "emissions" else cur
    console.print(f"objective ({result.objective_name}): {result.objective:,.6g} {unit}{gap}", markup=False)
    table = Table(show_edge=False, box=None, pad_edge=False)
    table.add_column("per year")
    table.add_column("plan", justify="right")
    table.add_column("status quo", justify="right")
    table.add_column("saving", justify="right")
    status_quo, save = k["baseline"], k["savings"]
    table.add_row("total cost", _money(k["total_cost"], cur), _money(status_quo["total_cost"], cur), _money(save["total_cost"], cur))
    table.add_row("emissions (tCO2)", f"{k['emissions']:,.0f}", f"{status_quo['emissions']:,.0f}", f"{save['emissions']:,.0f}")
    console.print(table)
    if k.get("market_revenue"):
        before = status_quo.get("market_revenue") or 0.0
        say(f"sales to markets: {_money(k['market_revenue'], cur)}/yr (status quo: "
            f"{_money(before, cur) + '/yr' if before else 'none'})")
    processes = result.processes
    if processes.empty:
        say(f"capex of new links: {_money(k['capex'], cur)} (annualised with O&M: {_money(k['annualized_capex'], cur)})")
    else:
        say(f"capex of new links and processes: {_money(k['capex'], cur)} "
            f"({_money(k['annualized_capex'], cur)}/yr with O&M)")
    if k["utilization"]:
        say("utilisation: " + ", ".join(f"{r.replace('_', ' ')} {v:.0%}" for r, v in k["utilization"].items()))
    names = {e["id"]: e.get("name") or e["id"] for e in [*result.enterprises, *result.markets]}
    if not processes.empty:
        _print_processes(console, processes, names, result.resources)
    _print_links(console, result.links, names, result.resources)
    for warning in result.warnings[:5]:
        say(f"warning: {warning}")
    if len(result.warnings) > 5:
        say(f"... {len(result.warnings) - 5} more warnings (circflow validate lists them)")
    say(f"results: {folder}/")


def _cut(text: str, width: int) -> str:
    """``text`` padded or cut to ``width`` characters (an ellipsis marks a cut)."""
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"


def _print_processes(console: Console, processes: Any, names: dict[str, str], resources: dict[str, Any]) -> None:
    """Processes: built ones with capacity and input per year; candidates left out say so."""
    built = processes[processes["built"]]
    console.print(f"processes built: {len(built)} of {len(processes)}", markup=False)
    for row in processes.to_dict("records")[:SHOWN_LINKS]:
        unit = resources.get(row["resource"], {}).get("unit", "")
        name = _cut(f"{row['name']}{' (existing)' if row['existing'] else ''} "
                    f"({names.get(row['enterprise'], row['enterprise'])})", 44)
        if row["built"]:
            size = f"{_short(row['capacity'])} {unit}/h"
            line = f"  {name} {size:>10} {_short(row['input_total']) + ' ' + unit + '/yr in':>18}"
        else:
            line = f"  {name} candidate, not built"
        console.print(line, markup=False, highlight=False)
    if len(processes) > SHOWN_LINKS:
        console.print(f"... and {len(processes) - SHOWN_LINKS} more in processes.csv", markup=False)


def _print_links(console: Console, links: Any, names: dict[str, str], resources: dict[str, Any]) -> None:
    """Links in the plan by resource, at most 80 columns: heat links with their technology, COP, MW
    delivered at full load and full-load hours; the others with mode, length and flow."""
    console.print(f"links in the plan: {int(links['built'].sum()) if not links.empty else 0}", markup=False)
    if links.empty:
        return

    def route(row: dict[str, Any], width: int) -> str:
        """``from → to`` in ``width`` characters, each end cut to its share so both stay readable."""
        start, end = names.get(row["from"], row["from"]), names.get(row["to"], row["to"])
        tag = "*" if row["existing"] else ""
        if row.get("on_site"):
            return _cut(f"{start} (on site){tag}", width)
        room = width - 3 - len(tag)
        first = max(room - len(end), room // 2, min(len(start), room // 2))
        return _cut(f"{_cut(start, first).rstrip()} → {_cut(end, room - min(len(start), first)).rstrip()}{tag}", width)

    def number(value: Any, digits: int = 0) -> str:
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return "-"
        return f"{value:,.{digits}f}"

    hidden = 0
    for resource, group in links.groupby("resource", sort=True):
        rows = group.to_dict("records")
        unit = resources.get(resource, {}).get("unit", "")
        title = f"{resource.replace('_', ' ')} ({unit}/yr)"
        heat = all(row["type"] in _HEAT_SHORT for row in rows)
        if heat:
            rows.sort(key=lambda row: -row["delivered_total"])
            console.print(f"{_cut(title, 40)} {'technology':<20} {'COP':>4} {'MW':>6} {'h/yr':>6}", markup=False,
                          highlight=False)
            for row in rows[:SHOWN_LINKS]:
                mw = row["capacity"] * row["gain"] if row["capacity"] is not None else None
                console.print(f"  {route(row, 38)} {_HEAT_SHORT[row['type']]:<20} {number(row['cop'], 2):>4} "
                              f"{number(mw, 1):>6} {number(row['full_load_hours']):>6}", markup=False,
                              highlight=False)
        else:
            rows.sort(key=lambda row: -row["flow_total"])
            console.print(f"{_cut(title, 46)} {'by':<14} {'km':>6} {'flow':>9}", markup=False, highlight=False)
            for row in rows[:SHOWN_LINKS]:
                how = row["type"] if row["type"] in _HEAT_SHORT else str(row["mode"]).replace("_", " ")
                by = "on site" if row.get("on_site") else how
                console.print(f"  {route(row, 44)} {_cut(by, 14)} {row['length_km']:>6.1f} "
                              f"{_short(row['flow_total']):>9}", markup=False, highlight=False)
        hidden += max(len(rows) - SHOWN_LINKS, 0)
    if links["existing"].any():
        console.print("* existing link", markup=False)
    if hidden:
        console.print(f"... and {hidden} more in links.csv", markup=False)


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
        console.print(f"break-even: {len({f['id'] for f in flips})} links or processes change within the ranges of "
                      f"{prices} (report.html, 'How sure is this plan')", markup=False)


def run() -> None:
    """Console-script entry point."""
    app()
