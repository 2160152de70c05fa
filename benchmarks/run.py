"""Benchmark runner: circflow end to end against HiGHS alone, per park size, in one run.

    python -m benchmarks                      # sizes 50 200 1000 5000, writes benchmarks/RESULTS.md
    python -m benchmarks --sizes 50 --smoke   # the CI smoke test (no RESULTS.md)
    python -m benchmarks --sizes --sliced-sizes --spread-sizes 1000   # the hard district only

For each size a district is generated (`benchmarks.generate`, seeded) and written as YAML.
Each measurement runs in its own subprocess so that its peak memory (RSS) is its own:

- ``circflow``: load the YAML, find candidates, build, solve, write the results folder;
  the model circflow solves is also written as MPS (outside the timed run);
- ``highs``: highspy alone reads that MPS and solves it with the same gap, time limit and
  options: the physical limit of the modelling layer;
- at the formulation sizes, the textbook formulation (``f <= k h``, ``k <= M y``) without
  pruning or decomposition, and circflow's tight formulation without decomposition, to
  show what each gains (time to the same gap).

Ratios are circflow end-to-end wall time over HiGHS-alone wall time on the same model.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import resource
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
DEFAULT_SIZES = (50, 200, 1000, 5000)
FORMULATION_SIZES = (50, 200)
SLICED_SIZES = (200,)
"""Also measured with heat networks on an hourly profile cut into time slices (SPEC 8.4)."""
SPREAD_SIZES = (1000,)
"""Also measured as the hard district of issue 17 (`benchmarks.generate.SPREAD`): spread
evenly, scarce reclaimed water, pipes of mostly fixed cost, long rail."""


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def measure_circflow(
    park_path: str, out_dir: str, gap: float, time_limit: float, variant: str, mps: str | None
) -> dict:
    """One circflow run in this process (called in a subprocess by `run_size`)."""
    import circflow
    from circflow.network import build_network

    knobs = {
        "tight": {},
        "tight-monolith": {"decompose": False},
        "basic": {"decompose": False, "prune": False, "formulation": "basic"},
    }[variant]
    started = time.perf_counter()
    park = circflow.load_park(park_path)
    result = circflow.optimize(park, gap=gap, time_limit=time_limit, **knobs)
    save_started = time.perf_counter()
    result.save(out_dir)
    ended = time.perf_counter()
    facts = dict(result.model_facts)
    if not facts:
        facts["candidate_links"] = len(build_network(park).links)
    row = {
        "variant": variant,
        "status": str(result.status),
        "gap": result.gap,
        "objective": result.objective,
        "wall_s": ended - started,
        "write_s": ended - save_started,
        "peak_rss_mib": _peak_rss_mib(),
        **{key: value for key, value in result.timings.items() if key != "write_s"},
        **facts,
    }
    if mps:  # the same model for HiGHS alone; written after the timed run
        from circflow.model import Options, build_model, prune_dominated
        from circflow.solve import Solver, load_profile

        net = build_network(park)
        kept = prune_dominated(net, "cost") if knobs.get("prune", True) else net
        model = build_model(kept, Options(formulation=knobs.get("formulation", "tight")))
        Solver(model, load_profile()).write(pathlib.Path(mps))
    return row


def measure_highs(mps: str, gap: float, time_limit: float) -> dict:
    """HiGHS alone on an MPS file, same options as circflow's default profile."""
    import highspy

    from circflow.solve import HIGHS_OPTIONS

    started = time.perf_counter()
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.readModel(mps)
    highs.setOptionValue("mip_rel_gap", gap)
    highs.setOptionValue("time_limit", time_limit)
    for name, value in HIGHS_OPTIONS.items():
        highs.setOptionValue(name, value)
    highs.run()
    info = highs.getInfo()
    return {
        "status": highs.modelStatusToString(highs.getModelStatus()),
        "gap": info.mip_gap,
        "objective": info.objective_function_value,
        "wall_s": time.perf_counter() - started,
        "solve_s": highs.getRunTime(),
        "peak_rss_mib": _peak_rss_mib(),
    }


def _subprocess(kind: str, *args: object) -> dict:
    command = [sys.executable, "-m", "benchmarks.run", "--one", kind, *map(str, args)]
    proc = subprocess.run(command, capture_output=True, text=True, cwd=HERE.parent, check=False)
    if proc.returncode != 0:
        return {"status": "error", "error": (proc.stderr or proc.stdout).strip().splitlines()[-1:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_size(
    n: int,
    seed: int,
    gap: float,
    time_limit: float,
    variants: tuple[str, ...],
    folder: pathlib.Path,
    slices: int | None = None,
    shape: str = "clustered",
) -> dict:
    """Generate a district of ``n`` enterprises (heat on ``slices`` time slices if given, of
    ``shape`` clustered or spread) and measure every variant on it."""
    from benchmarks.generate import write_park

    name = ("district" if shape == "clustered" else shape) + f"-{n}" + (f"-{slices}slices" if slices else "")
    folder = folder / name
    folder.mkdir()
    park_path = folder / f"{name}.yaml"
    write_park(n, seed, park_path, slices=slices, shape=shape)
    rows = {}
    for variant in variants:
        mps = folder / f"district-{n}-{variant}.mps"
        print(f"  n={n} {variant} ...", file=sys.stderr, flush=True)
        rows[variant] = _subprocess("circflow", park_path, folder / f"out-{n}-{variant}", gap, time_limit, variant, mps)
        if variant == "tight" and mps.exists():
            print(f"  n={n} HiGHS alone ...", file=sys.stderr, flush=True)
            rows["highs"] = _subprocess("highs", mps, gap, time_limit)
    return rows


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import highspy
    import pyomo

    return (
        f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores, {memory:.0f} GiB; "
        f"Python {platform.python_version()}, Pyomo {pyomo.__version__}, highspy {highspy.Highs().version()}"
    )


def report(results: dict[int, dict], gap: float, time_limit: float, seconds: float) -> str:
    lines = [
        "# circflow benchmarks",
        "",
        f"Measured in one run of `python -m benchmarks` on {time.strftime('%Y-%m-%d')} ({seconds / 60:.0f} min in all).",
        "",
        f"Machine: {machine()}.",
        "",
        f"Every run: relative gap {gap:g}, time limit {time_limit:g} s per run, generated districts "
        "(`benchmarks/generate.py`, seed 1, sectors and stream sizes of a heavy-industry city).",
        "Each measurement is a separate process (its own peak RSS).",
        "",
        "## circflow end to end against HiGHS alone",
        "",
        "`circflow` is the whole run: read the YAML, candidates, model, solve, status quo and the",
        "results folder. `HiGHS alone` reads the MPS of the very model circflow solves (after pruning,",
        "before splitting it into independent parts) and solves it with the same options. `build s` is",
        "building the model's arrays and handing them to HiGHS; `solve s` is the solving stage's wall",
        "time, independent parts side by side on the machine's cores. The last column leaves out",
        "writing the results folder (report, Sankey, workbook, map), which HiGHS alone does not do.",
        "",
        "| enterprises | candidate links | pruned | parts | load s | candidates s | build s | solve s | status quo s | write s | circflow wall s | circflow status (gap) | circflow peak RSS MiB | HiGHS alone wall s | HiGHS alone status (gap) | HiGHS peak RSS MiB | ratio circflow / HiGHS | ratio without writing |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for key, rows in results.items():
        c, h = rows.get("tight", {}), rows.get("highs", {})
        n, _, sliced = str(key).partition("@")
        n, _, shape = n.partition("~")
        size = f"{int(n):,}" + (f", {sliced} slices" if sliced else "") + (f", {shape}" if shape else "")
        ratio = c["wall_s"] / h["wall_s"] if c.get("wall_s") and h.get("wall_s") else float("nan")
        unwritten = (
            (c["wall_s"] - c.get("write_s", 0.0)) / h["wall_s"] if c.get("wall_s") and h.get("wall_s") else float("nan")
        )
        lines.append(
            f"| {size} | {c.get('candidate_links', '-')} | {c.get('pruned_links', '-')} | {c.get('independent_parts', '-')} "
            f"| {_f(c.get('load_s'))} | {_f(c.get('candidates_s'))} | {_f(c.get('build_s'))} | {_f(c.get('solve_s'))} "
            f"| {_f(c.get('status_quo_s', c.get('baseline_s')))} | {_f(c.get('write_s'))} | {_f(c.get('wall_s'))} | {_status(c)} "
            f"| {_f(c.get('peak_rss_mib'), 0)} | {_f(h.get('wall_s'))} | {_status(h)} | {_f(h.get('peak_rss_mib'), 0)} "
            f"| {_f(ratio, 2)} | {_f(unwritten, 2)} |"
        )
    lines += [
        "",
        "## Formulation strength",
        "",
        "Time to the same gap on the same park. `basic`: the textbook formulation (flow <= capacity x hours,",
        "capacity <= M x built with M the mode's maximum, else the largest supply rate), no pruning, one",
        "model. `tight, one model`: circflow's per-link bounds and smallest M, pruning, no decomposition.",
        "`tight`: circflow's default (also solving independent parts apart).",
        "",
        "| enterprises | variant | wall s | solve s | status (gap) | speed-up over basic |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for key, rows in results.items():
        if "basic" not in rows:
            continue
        n = int(str(key).partition("@")[0].partition("~")[0])
        base = rows["basic"].get("wall_s")
        for variant, label in (("basic", "basic"), ("tight-monolith", "tight, one model"), ("tight", "tight")):
            row = rows.get(variant, {})
            speed = base / row["wall_s"] if base and row.get("wall_s") else float("nan")
            lines.append(
                f"| {n:,} | {label} | {_f(row.get('wall_s'))} | {_f(row.get('solve_s'))} | {_status(row)} | {_f(speed, 1)} |"
            )
    return "\n".join(lines) + "\n"


def _f(value: object, digits: int = 1) -> str:
    return "-" if not isinstance(value, (int, float)) or value != value else f"{value:,.{digits}f}"


def _status(row: dict) -> str:
    if not row:
        return "-"
    if row.get("status") == "error":
        return f"error: {' '.join(row.get('error', []))[:80]}"
    gap = row.get("gap")
    return (
        f"{row.get('status')} ({gap:.2%})" if isinstance(gap, (int, float)) and gap == gap else str(row.get("status"))
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--gap", type=float, default=0.01)
    parser.add_argument("--time-limit", type=float, default=600.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--smoke", action="store_true", help="measure only, print the table, write no RESULTS.md")
    parser.add_argument("--slices", type=int, default=12, help="time slices of the sliced districts")
    parser.add_argument(
        "--sliced-sizes",
        type=int,
        nargs="*",
        default=list(SLICED_SIZES),
        help="sizes also measured with heat networks on an hourly profile in --slices slices",
    )
    parser.add_argument(
        "--spread-sizes",
        type=int,
        nargs="*",
        default=None,
        help="sizes also measured as the hard district: spread evenly, scarce water (issue 17; "
        f"default {' '.join(map(str, SPREAD_SIZES))}, none with --smoke)",
    )
    parser.add_argument("--one", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:  # a single measurement in this (sub)process
        kind, *rest = args.one
        if kind == "circflow":
            park, out, gap, limit, variant, mps = rest
            row = measure_circflow(park, out, float(gap), float(limit), variant, mps)
        else:
            mps, gap, limit = rest
            row = measure_highs(mps, float(gap), float(limit))
        print(json.dumps(row))
        return 0
    started = time.perf_counter()
    results = {}
    with tempfile.TemporaryDirectory(prefix="circflow-bench-") as tmp:
        for n in args.sizes:
            variants = ("tight", "tight-monolith", "basic") if n in FORMULATION_SIZES and not args.smoke else ("tight",)
            results[str(n)] = run_size(n, args.seed, args.gap, args.time_limit, variants, pathlib.Path(tmp))
            (HERE / "results.json").write_text(json.dumps(results, indent=1)) if not args.smoke else None
        for n in args.sliced_sizes:
            results[f"{n}@{args.slices}"] = run_size(
                n, args.seed, args.gap, args.time_limit, ("tight",), pathlib.Path(tmp), slices=args.slices
            )
            (HERE / "results.json").write_text(json.dumps(results, indent=1)) if not args.smoke else None
        spread_sizes = args.spread_sizes if args.spread_sizes is not None else [] if args.smoke else SPREAD_SIZES
        for n in spread_sizes:
            results[f"{n}~spread"] = run_size(
                n, args.seed, args.gap, args.time_limit, ("tight",), pathlib.Path(tmp), shape="spread"
            )
            (HERE / "results.json").write_text(json.dumps(results, indent=1)) if not args.smoke else None
    text = report(results, args.gap, args.time_limit, time.perf_counter() - started)
    if args.smoke:
        print(text)
        failed = [key for key, rows in results.items() if rows["tight"].get("status") in (None, "error")]
        return 1 if failed else 0
    (HERE / "RESULTS.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
