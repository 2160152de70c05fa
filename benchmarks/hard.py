"""The hard district of issue 17: time to the park's gap and the gap's history, per technique.

    python -m benchmarks.hard PARK.yaml --time-limit 150 --variant default
    python -m benchmarks.hard PARK.yaml --highs-alone         # the same model, HiGHS alone

One run per call, in this process, with ``circflow.optimize`` (gap 1 % unless ``--gap``).
Every time a part reports to the race of parts, the park's combined incumbent and bound are
recorded; the history printed is the park's gap at each report where it changed by a tenth
of a point, and the first time it was within the gap. ``--variant`` switches circflow's
techniques for hard parts off, to measure each (`VARIANTS`). Prints one JSON line.

Timings on a shared machine are noisy: compare variants run one after another, and with
``--highs-alone`` on the same model, rather than absolute seconds.
"""

from __future__ import annotations

import argparse
import json
import math
import pathlib
import resource
import sys
import time

VARIANTS = {
    "plain": {"warm_start": False, "share_gap": False},
    "warm": {"warm_start": True, "share_gap": False},
    "share": {"warm_start": False, "share_gap": True},
    "both": {"warm_start": True, "share_gap": True},
    "two_at_a_time": {"parts_per_core": 1},
    "together_warm": {"warm_start": True, "hard_gap": 0.01},
    "together_warm_small": {
        "warm_start": True,
        "hard_gap": 0.01,
        "warm_start_columns": 40_000,
        "warm_after": 3.0,
    },
    "together_warm_tiny": {
        "warm_start": True,
        "hard_gap": 0.01,
        "warm_start_columns": 20_000,
        "warm_after": 3.0,
    },
    "default": {},
}
"""Techniques of `circflow.race` switched on and off (keyword arguments of `RaceOptions`)."""


def run(park_path: str, gap: float, time_limit: float, variant: str, memory_gib: float | None = None) -> dict:
    import circflow
    from circflow import race
    from circflow.solve import relative_gap

    history: list[tuple[float, float, float]] = []
    started = time.perf_counter()
    original = race._Race.update

    parts: dict[int, tuple[float, float]] = {}

    def update(self: race._Race, k: int, plan: float, bound: float) -> bool:
        done = original(self, k, plan, bound)
        if parts.get(k) != (self.plans[k], self.bounds[k]):  # each part's held gap as it changes
            parts[k] = (self.plans[k], self.bounds[k])
            held = self.plans[k] - self.bounds[k]
            print(f"  {time.perf_counter() - started:6.1f} s  part {k + 1} holds {held / 1e6:10.2f} M", file=sys.stderr)
        total, lower = self.constant + sum(self.plans), self.constant + sum(self.bounds)
        if math.isfinite(total) and math.isfinite(lower):
            history.append((time.perf_counter() - started, total, lower))
        return done

    race._Race.update = update  # type: ignore[method-assign]
    _log_parts(started)
    race.RACE_OPTIONS = race.RaceOptions(**VARIANTS[variant])
    park = circflow.load_park(park_path)
    profile = circflow.SolverProfile(memory_gib=memory_gib)
    result = circflow.optimize(park, solver=profile, gap=gap, time_limit=time_limit, marginals=False)
    wall = time.perf_counter() - started
    points, last = [], math.inf
    first_within = None
    for seconds, total, lower in history:
        g = relative_gap(total, lower)
        if first_within is None and g <= gap:
            first_within = seconds
        if abs(g - last) >= 1e-3 or g <= gap < last:
            points.append((round(seconds, 1), round(100 * g, 2)))
            last = g
    return {
        "variant": variant,
        "status": str(result.status),
        "warnings": [w for w in result.warnings if "read back" in w],
        "gap": result.gap,
        "objective": result.objective,
        "wall_s": wall,
        "first_within_s": first_within,
        "history_pct": points,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        **{k: v for k, v in result.model_facts.items() if isinstance(v, (int, float))},
    }


def _log_parts(started: float) -> None:
    """Say on stderr when each part's solves and warm starts begin and end, and how."""
    from circflow import warmstart
    from circflow.solve import Solver

    solve, support = Solver.solve, warmstart.support_plan

    def logged_solve(self: Solver, *args: object, **kwargs: object) -> object:
        begun = time.perf_counter() - started
        outcome = solve(self, *args, **kwargs)
        print(
            f"{begun:7.1f}-{time.perf_counter() - started:6.1f} s  solve {self.model.shape[1]} columns "
            f"limit {kwargs.get('time_limit')}: {outcome.status} {outcome.reason} obj {outcome.objective:.6g} "
            f"bound {outcome.bound:.6g}",
            file=sys.stderr,
            flush=True,
        )
        return outcome

    def logged_support(model: object, *args: object, **kwargs: object) -> object:
        begun = time.perf_counter() - started
        found = support(model, *args, **kwargs)
        said = "nothing" if found is None else f"plan {found[1]:.6g} LP bound {found[2]:.6g}"
        print(
            f"{begun:7.1f}-{time.perf_counter() - started:6.1f} s  warm start {model.shape[1]} columns: {said}",
            file=sys.stderr,
            flush=True,
        )
        return found

    Solver.solve = logged_solve  # type: ignore[method-assign]
    warmstart.support_plan = logged_support  # type: ignore[assignment]


def one_part(park_path: str, resource: str, seconds: float, warm: bool) -> dict:
    """The largest part carrying ``resource`` alone, one thread, for ``seconds``: with or
    without the warm start (begun at once, offered through HiGHS's user-solution callback)."""
    import circflow
    from circflow.decompose import independent_parts
    from circflow.model import Options, build_model, prune_dominated
    from circflow.network import build_network
    from circflow.solve import Solver, SolverProfile, relative_gap
    from circflow.warmstart import WarmStart

    park = circflow.load_park(park_path)
    parts = [
        p
        for p in independent_parts(prune_dominated(build_network(park), "cost"))
        if any(link.resource == resource for link in p.links)
    ]
    model = build_model(parts[0], Options())
    profile = SolverProfile(gap=0.0025, threads=1)
    solver = Solver(model, profile)
    solver.load()
    history: list[tuple[float, float]] = []
    started = time.perf_counter()
    helper = WarmStart(model, profile) if warm else None
    if helper is not None:
        helper.begin(seconds * 0.5)

    def watch(plan: float, bound: float) -> bool:
        best = min(plan, helper.found[1]) if helper is not None and helper.found is not None else plan
        g = relative_gap(best, bound)
        if g == g and (not history or abs(g - history[-1][1]) >= 1e-3):
            history.append((round(time.perf_counter() - started, 1), round(100 * g, 2)))
        return False

    outcome = solver.solve("cost", time_limit=seconds, watch=watch, offer=None if helper is None else helper.offer)
    if helper is not None:
        helper.wait()
    first_plan = next((t for t, _ in history), None)
    return {
        "variant": "warm" if warm else "plain",
        "part_links": len(parts[0].links),
        "rows": model.shape[0],
        "status": str(outcome.status),
        "objective": outcome.objective,
        "bound": outcome.bound,
        "gap_pct": 100 * outcome.gap,
        "first_gap_s": first_plan,
        "history_pct": history,
        "warm_plan": None if helper is None or helper.found is None else helper.found[1],
        "lp_bound": None if helper is None or helper.found is None else helper.found[2],
    }


def highs_alone(park_path: str, gap: float, time_limit: float) -> dict:
    """HiGHS alone on the model circflow would solve (pruned, one model), as `benchmarks.run` does."""
    import tempfile

    import circflow
    from benchmarks.run import measure_highs
    from circflow.model import Options, build_model, prune_dominated
    from circflow.network import build_network
    from circflow.solve import Solver, load_profile

    park = circflow.load_park(park_path)
    net = prune_dominated(build_network(park), "cost")
    with tempfile.TemporaryDirectory() as tmp:
        mps = pathlib.Path(tmp) / "model.mps"
        Solver(build_model(net, Options()), load_profile()).write(mps)
        return {"variant": "highs-alone", **measure_highs(str(mps), gap, time_limit)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("park")
    parser.add_argument("--gap", type=float, default=0.01)
    parser.add_argument("--time-limit", type=float, default=150.0)
    parser.add_argument("--variant", choices=sorted(VARIANTS), default="default")
    parser.add_argument("--memory-gib", type=float, help="the memory the parts may hold (solved in turn beyond it)")
    parser.add_argument("--highs-alone", action="store_true")
    parser.add_argument("--part", help="solve only the largest part carrying this resource (one thread)")
    parser.add_argument("--warm", action="store_true", help="with --part: with the warm start")
    args = parser.parse_args(argv)
    if args.part:
        row = one_part(args.park, args.part, args.time_limit, args.warm)
    elif args.highs_alone:
        row = highs_alone(args.park, args.gap, args.time_limit)
    else:
        row = run(args.park, args.gap, args.time_limit, args.variant, args.memory_gib)
    print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
