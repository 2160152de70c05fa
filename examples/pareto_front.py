"""The cost-emissions Pareto front of the tiny teaching park.

`circflow.pareto` solves the park for the least cost, for the least emissions, and for
evenly spaced emission caps in between (epsilon-constraint, SPEC 4), and returns one row per
plan that no other plan beats on both cost and emissions. The carbon price is set to 0 here,
so the cost axis is the total cost alone and each step along the front has a plain
abatement cost: the extra cost per tCO2 it avoids.

Two fronts: the park as written, where the heat pump runs on station power (394.9 CNY/MWh)
and is already in the cheapest plan, so little CO2 is left to avoid; and its `grid_power`
scenario (700 CNY/MWh), where the heat pump is what the cheap end leaves out and the
emission caps buy it back step by step.

The same from the command line (with charts and one results folder per point):

    circflow pareto parks/tiny.yaml --points 6

Run from the repository root:

    python examples/pareto_front.py
"""

from __future__ import annotations

import pathlib

import pandas as pd

import circflow
from circflow import pareto

PARK = pathlib.Path(__file__).resolve().parent.parent / "parks" / "tiny.yaml"
POINTS = 6


def show_front(scenarios: list[str]) -> None:
    park = circflow.load_park(PARK, scenarios=scenarios)
    front = pareto(park, points=POINTS, carbon_price=0.0)
    table = pd.DataFrame(
        {
            "point": front["point"],
            "total cost M CNY/yr": front["total_cost"] / 1e6,
            "emissions ktCO2/yr": front["emissions"] / 1e3,
            "capex M CNY": front["capex"] / 1e6,
            "links": front["links_built"],
            # Extra cost per tCO2 avoided against the previous, cheaper point.
            "CNY per tCO2 (step)": front["total_cost"].diff() / -front["emissions"].diff(),
        }
    )
    label = " + ".join(scenarios) if scenarios else "as written"
    print(f"Pareto front of {park.park.name} ({label}, no carbon price), cheapest first\n")
    print(table.to_string(index=False, na_rep="-"))
    previous: set[str] = set()
    for row in front.itertuples():
        links = set(row.links.split())
        change = [f"+{x}" for x in sorted(links - previous)] + [f"-{x}" for x in sorted(previous - links)]
        print(f"  point {row.point}: {' '.join(change) if change else 'same links'}")
        previous = links
    print()


def main() -> None:
    pd.set_option("display.width", 200)
    pd.set_option("display.float_format", "{:,.1f}".format)
    show_front([])
    show_front(["grid_power"])


if __name__ == "__main__":
    main()
