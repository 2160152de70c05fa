"""Rules added from Python on a generated district: ``circflow.optimize`` with and without them.

    python -m benchmarks.rules                      # 200 enterprises, seed 1, 5 rounds
    python -m benchmarks.rules --size 200 --rounds 7

Issue 15 asks that a run with a client's rules take no longer than the plain run plus 20 %.
The rules are the feasibility-study notebook's two (``examples/feasibility_study.ipynb``):

- ``cap``: at most N new contracts in the park, N = the plain plan's new links less 3, as the
  notebook sets it. The row names links of every independent part, so it joins them
  (`circflow.coupling`);
- ``local``: no heat pump from an enterprise unless it also sends slag (a row per enterprise,
  within its part);
- ``both``; and ``tight``: at most 12 new contracts, a cap far below the plain plan.

Each round runs every variant once, in turn, in this process (the park read once), at gap 1 %
without marginal values; the table gives each variant's median wall time, its ratio to the
plain median, status, gap and whether the park had to be solved as one part. Timings on a
shared machine are noisy: compare medians of the same run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import circflow
from benchmarks.generate import write_park


def at_most(n: int) -> Callable[[circflow.ModelView], None]:
    """At most ``n`` new contracts (new links) in the park."""

    def cap(m: circflow.ModelView) -> None:
        m.add_constraint("new_contracts", m.sum(m.built(link) for link in m.links(new=True)) <= n)

    return cap


def heat_pump_needs_slag(m: circflow.ModelView) -> None:
    """No heat pump from an enterprise unless it also sends slag (the notebook's second rule)."""
    slag_senders = {link.split(">")[0] for link in m.links(resource="slag")}
    for k, sender in enumerate(sorted(slag_senders & {link.split(">")[0] for link in m.links(type="heat_pump")})):
        slag = m.sum(m.built(link) for link in m.links(from_=sender, resource="slag", new=True))
        for j, link in enumerate(m.links(from_=sender, type="heat_pump", new=True)):
            m.add_constraint(f"heat_pump_needs_slag_{k}_{j}", m.built(link) <= slag)


def run(park: circflow.Park, extra: Any) -> dict[str, Any]:
    started = time.perf_counter()
    result = circflow.optimize(park, gap=0.01, marginals=False, extra=extra)
    return {
        "s": time.perf_counter() - started,
        "status": str(result.status),
        "gap": result.gap,
        "one_part": result.model_facts.get("solved_as_one_part"),
        "new": int((~result.links["existing"] & ~result.links["on_site"]).sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "district.yaml"
        write_park(args.size, args.seed, path)
        park = circflow.load_park(path)
    plain = run(park, None)
    n = plain["new"] - 3
    variants = {
        "plain": None,
        "cap": at_most(n),
        "local": heat_pump_needs_slag,
        "both": [at_most(n), heat_pump_needs_slag],
        "tight": at_most(12),
    }
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, extra in variants.items():
            rows[name].append(run(park, extra))
    base = statistics.median(r["s"] for r in rows["plain"])
    print(f"district {args.size} (seed {args.seed}); plain plan: {plain['new']} new contracts; cap N = {n}")
    print("| variant | median s | ratio | status | gap | solved as one part | new contracts |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, runs in rows.items():
        median = statistics.median(r["s"] for r in runs)
        last = runs[-1]
        print(
            f"| {name} | {median:.2f} | {median / base:.2f} | {last['status']} | {last['gap']:.2%} "
            f"| {last['one_part']} | {last['new']} |"
        )
    print(json.dumps({name: [round(r["s"], 2) for r in runs] for name, runs in rows.items()}))


if __name__ == "__main__":
    main()
