"""Compare retrofit plans: the Jinan example park under each of its scenarios.

A retrofit plan is a scenario of the park file (SPEC 3.9): `carbon_100` puts a carbon price
of 100 CNY/tCO2 on the objective, `no_absorption` forbids absorption heat pumps on the big
units' condenser heat, `no_new_pipelines` allows no new water or heat pipelines.
`circflow.comparison.compare_park` solves the base park and each scenario on its own and
tabulates them, with the links each plan adds or drops against the base.

The same from the command line:

    circflow compare parks/jinan_eco_park.yaml --scenario carbon_100 --scenario no_absorption

Run from the repository root:

    python examples/compare_retrofit_plans.py
"""

from __future__ import annotations

import pathlib

import pandas as pd

import circflow
from circflow.comparison import compare_park

PARK = pathlib.Path(__file__).resolve().parent.parent / "parks" / "jinan_eco_park.yaml"


def main() -> None:
    scenarios = list(circflow.load_park(PARK).scenarios)
    table, results = compare_park(PARK, scenarios)

    base = table.iloc[0]
    summary = pd.DataFrame(
        {
            "plan": table["scenario"],
            "status": table["status"],
            "total cost M CNY/yr": table["total_cost"] / 1e6,
            "emissions ktCO2/yr": table["emissions"] / 1e3,
            "capex M CNY": table["capex"] / 1e6,
            "links": table["links_built"],
            "extra cost vs base M CNY/yr": (table["total_cost"] - base["total_cost"]) / 1e6,
            "CO2 avoided vs base ktCO2/yr": (base["emissions"] - table["emissions"]) / 1e3,
        }
    )
    avoided = base["emissions"] - table["emissions"]
    extra = table["total_cost"] - base["total_cost"]
    # Abatement cost: extra total cost per tCO2 avoided, where the plan avoids any.
    summary["CNY per tCO2 avoided"] = (extra / avoided).where(avoided > 1)

    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    pd.set_option("display.float_format", "{:,.1f}".format)
    print(f"Retrofit plans for {results['base'].park}\n")
    print(summary.to_string(index=False, na_rep="-"))
    print()
    for row in table.itertuples():
        if row.scenario == "base":
            continue
        added = row.links_added.replace(" ", ", ") or "none"
        removed = row.links_removed.replace(" ", ", ") or "none"
        print(f"{row.scenario}: adds {added}; drops {removed}")


if __name__ == "__main__":
    main()
