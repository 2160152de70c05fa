"""A feasibility study in code: when does a waste-heat heat pump pay?

A town's district heating network (coal boiler house, 60 degC supply) sits between a data centre
(30 degC cooling water) and a municipal wastewater plant (16 degC effluent in winter). A
cement plant next door takes fly ash from the town's small power plant. Is a heat pump on
either heat source worth building, and at what electricity price does it stop paying?

The park is built in code with `circflow.park_from_dict` (no YAML file): the catalog in
``models/`` fills in resources, modes and technologies. The study then sweeps the
electricity price, and the heat pump's capex per MW at one price, and prints a table of
cost, emissions and the heat-pump links built.

Run from the repository root:

    python examples/feasibility_study.py
"""

from __future__ import annotations

from typing import Any

import pandas as pd

import circflow

ELECTRICITY_PRICES = [300, 400, 500, 600, 700]  # CNY/MWh: off-peak or own power ... all-in industrial tariff
HEAT_PUMP_CAPEX = [1.2e6, 1.6e6, 2.0e6, 2.8e6, 3.5e6]  # CNY per MW of heat output (catalog: 2.0e6)
CAPEX_SWEEP_PRICE = 600  # CNY/MWh during the capex sweep


def study_park() -> dict[str, Any]:
    """The park as a plain mapping, in SPEC 3.1 units (t, m3, MWh, MW, CNY, tCO2, km, degC)."""
    return {
        "park": {"name": "Heat-pump feasibility study", "crs": "local_km"},
        # Carbon price: the national ETS allowance price, 2023-2024 (models/factors.yaml).
        "economics": {"carbon_price": 80},
        "periods": [{"name": "heating", "hours": 2880}, {"name": "non_heating", "hours": 5880}],
        "enterprises": [
            {
                "id": "district_heat",
                "name": "Town district heating (coal boiler house)",
                "location": {"x": 0, "y": 0},
                # 40 MW over the heating season; coal-boiler heat 190 CNY/MWh, 0.40 tCO2/MWh.
                "demands": [
                    {
                        "resource": "heat",
                        "per_period": {"heating": 40 * 2880, "non_heating": 0},
                        "temperature": 60,
                        "baseline": {"cost": 190, "emissions": 0.40},
                    }
                ],
            },
            {
                "id": "data_centre",
                "name": "Data centre 25 MW IT",
                "location": {"x": 2.0, "y": 1.0},
                # ~90 % of the IT load as 30 degC water; dry coolers cost ~10 CNY/MWh to run.
                "supplies": [
                    {"resource": "heat", "rate": 22, "temperature": 30, "disposal": {"cost": 10, "emissions": 0.008}}
                ],
            },
            {
                "id": "wwtp",
                "name": "Wastewater plant 100,000 m3/d",
                "location": {"x": -1.5, "y": -2.0},
                # 1.16 m3/s cooled by 5 K = 24 MW, at 16 degC, offered in the heating season.
                "supplies": [
                    {"resource": "heat", "rate": 24, "temperature": 16, "profile": {"heating": 1.0, "non_heating": 0.0}}
                ],
            },
            {
                "id": "power",
                "name": "Coal power 2x150 MW",
                "location": {"x": 4.0, "y": -3.0},
                "supplies": [
                    {
                        "resource": "fly_ash",
                        "amount": 150000,
                        "quality": {"grade": "II"},
                        "disposal": {"cost": 65, "emissions": 0.002},
                    }
                ],
            },
            {
                "id": "cement",
                "name": "Cement plant 1 Mt/yr",
                "location": {"x": 7.0, "y": -1.0},
                "demands": [
                    {
                        "resource": "fly_ash",
                        "amount": 100000,
                        "requires": {"grade": ["I", "II"]},
                        "baseline": {"cost": 260, "emissions": 0.85},
                    }
                ],
            },
        ],
    }


def solve(overrides: dict[str, Any]) -> dict[str, Any]:
    """Optimise the study park with ``overrides`` merged over it; one row of the table."""
    park = circflow.park_from_dict(study_park(), overrides=overrides)
    result = circflow.optimize(park)
    if not result.is_ok:
        msg = f"no plan: {result.status} {result.diagnosis}"
        raise SystemExit(msg)
    links = result.links
    pumps = links[links["type"] == "heat_pump"]
    return {
        # The objective: total cost + carbon price x emissions.
        "objective_MCNY": result.objective / 1e6,
        "total_cost_MCNY": result.kpis["total_cost"] / 1e6,
        "emissions_ktCO2": result.kpis["emissions"] / 1e3,
        "saving_MCNY": result.kpis["savings"]["total_cost"] / 1e6,
        "co2_saved_ktCO2": result.kpis["savings"]["emissions"] / 1e3,
        "heat_pumps": len(pumps),
        "heat_pump_links": ", ".join(f"{row['from']} (COP {row['cop']:.2f})" for _, row in pumps.iterrows()) or "-",
        "heat_from_pumps_GWh": pumps["delivered_total"].sum() / 1e3,
    }


def main() -> None:
    pd.set_option("display.width", 160)
    pd.set_option("display.max_columns", 20)
    pd.set_option("display.float_format", "{:,.2f}".format)

    price_rows = [
        {"electricity_CNY_per_MWh": price, **solve({"economics": {"electricity_price": price}})}
        for price in ELECTRICITY_PRICES
    ]
    by_price = pd.DataFrame(price_rows).set_index("electricity_CNY_per_MWh")
    print("Electricity price sweep (heat pump capex from the catalog, carbon price 80 CNY/tCO2)\n")
    print(by_price.to_string())

    capex_rows = [
        {
            "heat_pump_CNY_per_MW": capex,
            **solve(
                {
                    "economics": {"electricity_price": CAPEX_SWEEP_PRICE},
                    "technologies": {"heat_pump": {"capex_per_mw": capex}},
                }
            ),
        }
        for capex in HEAT_PUMP_CAPEX
    ]
    by_capex = pd.DataFrame(capex_rows).set_index("heat_pump_CNY_per_MW")
    print(f"\nHeat-pump capex sweep at {CAPEX_SWEEP_PRICE} CNY/MWh\n")
    print(by_capex.to_string())

    paying = by_price[by_price["heat_pumps"] > 0].index
    if len(paying) and paying.max() < by_price.index.max():
        above = by_price.index[by_price.index > paying.max()].min()
        print(f"\nA heat pump pays up to {paying.max()} CNY/MWh of electricity and no longer at {above}.")


if __name__ == "__main__":
    main()
