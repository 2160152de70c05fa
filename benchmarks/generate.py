"""Seeded generator of realistic synthetic parks for benchmarks (and stress tests).

A generated district is a set of industrial parks (clusters of ~40 enterprises within a few
km) scattered over a region, as in a Chinese prefecture: coal power, steel, chemical,
carbon/graphite, wastewater plants, cement, wallboard, concrete stations, district heating,
data centres and food/light industry, in proportions typical of a heavy-industry city. The
streams' sizes follow models/factors.yaml (fly ash ~0.08 t per MWh of coal power, FGD gypsum
~0.022 t/MWh at 1 % sulphur, steel slag ~0.12 t/t, condenser water at 28-35 degC, slag water
at ~80 degC). Resources and modes come from the shipped catalog.

As a real district today (SPEC 8): the region's markets buy by-products (slag mills,
concrete plants, gypsum board makers, road base) and today's sales to them are existing,
expandable contracts; each steel works may build a slag grinding station and each
wastewater plant a reuse stage (processes); heat sources have outlet temperatures and
networks return temperatures (direct, preheat, heat-pump and absorption links); with
``slices`` the heat networks follow an hourly load profile cut into time slices (SPEC 8.4).

Usage::

    python -m benchmarks.generate 200 --seed 1 > park-200.yaml
    python -m benchmarks.generate 200 --seed 1 --slices 12 --out district-200.yaml   # and its CSV
    python -m benchmarks.generate 1000 --seed 1 --shape spread --out spread-1000.yaml
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import pathlib
import sys

import numpy as np

# sector -> share of enterprises
SECTORS = {
    "power": 0.05,
    "steel": 0.04,
    "chemical": 0.08,
    "carbon": 0.03,
    "wwtp": 0.06,
    "cement": 0.05,
    "wallboard": 0.03,
    "concrete": 0.16,
    "district_heating": 0.06,
    "datacenter": 0.04,
    "food": 0.10,
    "light_industry": 0.30,
}
CLUSTER_SIZE = 40
CLUSTER_RADIUS_KM = 4.0
CLUSTER_SPACING_KM = 18.0

WATER_BASELINE = {"cost": 3.0, "emissions": 0.0002}  # tap water less the sewage fee (factors.yaml)
OWN_WATER_BASELINE = {"cost": 1.2, "emissions": 0.0002}  # a power plant's own river water
SOLID_DISPOSAL = {"cost": 40.0, "emissions": 0.002}  # compliant landfill, no EP tax on top
HEAT_BASELINE = {"cost": 190.0, "emissions": 0.41}  # coal boiler heat
JINAN = pathlib.Path(__file__).resolve().parent.parent / "parks" / "jinan_eco_park.yaml"
"""Where a steel works' grinding station comes from: an edit of Jinan's changes every generated district."""
SHAPES = ("clustered", "spread")
SPREAD = {
    "side_km": 95.0,
    "water_supply_over_demand": 0.91,
    "modes": {
        # mostly fixed: at its largest useful rate a candidate pipe's capex is on average
        # 85 % independent of its size (the catalog's pipe: 80 %); reaching 35 km gives a
        # water demand about 12 candidate pipes
        "water_pipeline": {"max_distance_km": 35, "capex_per_capacity_km": 2000},
        "rail": {"max_distance_km": 200},
    },
}
"""The hard district of issue 17 for 1,000 enterprises: spread evenly over ``side_km`` square
(the side grows with the square root of the count, so the density stays), wastewater plants
that together supply ``water_supply_over_demand`` of the district's reclaimed-water demand,
pipelines whose capex is mostly fixed (the park's ``modes`` override the catalog), and rail
reaching 200 km. Scarce supply shared by many candidates with mostly fixed costs: the
weakest LP relaxation a fixed-charge network has."""
HEAT_SERIES = "heat_load"
"""Column of the generated hourly profile that heat networks follow (per unit of design load)."""
HEAT_FILE = "district-heat.csv"


def generate_park(n: int, seed: int = 0, *, slices: int | None = None, shape: str = "clustered") -> dict:
    """A park mapping (the content of a park file) with ``n`` enterprises.

    With ``slices``, heat networks follow the column ``heat_load`` of the file
    ``district-heat.csv`` (`heat_load_csv` writes it) cut into that many time slices.
    ``shape`` is ``clustered`` (industrial parks of ~40 enterprises, 18 km apart) or
    ``spread`` (the hard district of issue 17, `SPREAD`).
    """
    if shape not in SHAPES:
        msg = f"unknown district shape {shape!r} (shapes: {', '.join(SHAPES)})"
        raise ValueError(msg)
    rng = np.random.default_rng(seed)
    names = list(SECTORS)
    shares = np.array([SECTORS[s] for s in names])
    counts = np.floor(shares * n).astype(int)
    counts[names.index("light_industry")] += n - counts.sum()
    sectors = [s for s, c in zip(names, counts, strict=True) for _ in range(c)]
    rng.shuffle(sectors)
    if shape == "spread":
        span = SPREAD["side_km"] * math.sqrt(n / 1000)
    else:
        clusters = max(1, round(n / CLUSTER_SIZE))
        side = math.ceil(math.sqrt(clusters))
        span = CLUSTER_SPACING_KM * side
        centres = [
            (
                CLUSTER_SPACING_KM * (i % side) + rng.uniform(-4, 4),
                CLUSTER_SPACING_KM * (i // side) + rng.uniform(-4, 4),
            )
            for i in range(clusters)
        ]
    enterprises = []
    for index, sector in enumerate(sectors):
        if shape == "spread":
            x, y = rng.uniform(0, span), rng.uniform(0, span)
        else:
            cx, cy = centres[index % clusters]
            radius, angle = CLUSTER_RADIUS_KM * math.sqrt(rng.uniform()), rng.uniform(0, 2 * math.pi)
            x, y = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        enterprise = {
            "id": f"{sector}_{index}",
            "name": f"{sector.replace('_', ' ')} {index}",
            "sector": sector,
            "location": {"x": round(x, 3), "y": round(y, 3)},
        }
        enterprise.update(_streams(sector, rng, series=slices is not None))
        enterprises.append(enterprise)
    if shape == "spread":
        _scarce_water(enterprises, SPREAD["water_supply_over_demand"])
    markets = _markets(span, rng)
    park = {
        "park": {"name": f"generated district n={n} seed={seed}", "crs": "local_km"},
        "economics": {"carbon_price": 80},
        "periods": [{"name": "heating", "hours": 2880}, {"name": "non_heating", "hours": 5880}],
        "enterprises": enterprises,
        "markets": markets,
        "links": _contracts(enterprises, markets),
        "targets": {"utilization": {"fly_ash": 0.5}},
    }
    if shape == "spread":
        park["park"]["name"] = f"generated spread district n={n} seed={seed}"
        park["modes"] = {mode: dict(values) for mode, values in SPREAD["modes"].items()}
    if slices is not None:
        park["time_series"] = {"file": HEAT_FILE, "slices": slices, "keep_peak": [HEAT_SERIES]}
    return park


def _scarce_water(enterprises: list[dict], ratio: float) -> None:
    """Scale the wastewater plants' reclaimed water to ``ratio`` times the district's demand for it."""

    def water(streams: list[dict]) -> list[dict]:
        return [s for s in streams if s["resource"] == "reclaimed_water"]

    demand = sum(d["amount"] for e in enterprises for d in water(e.get("demands", [])))
    supplies = [s for e in enterprises for s in water(e.get("supplies", []))]
    factor = ratio * demand / sum(s["amount"] for s in supplies)
    for supply in supplies:
        supply["amount"] = round(supply["amount"] * factor, -3)


def heat_load_csv(seed: int = 0) -> str:
    """An hourly heat-load profile for ``time_series``, per unit of design load.

    A seasonal shape with weekly weather swings and a daily cycle, 0 outside the heating
    season (15 November - 15 March, 2,880 h, as in Jinan; parks/jinan_heat_load.csv is a
    documented degree-hour profile). Seeded: the same file for the same seed.
    """
    rng = np.random.default_rng(seed + 7)
    hours = np.arange(8760)
    day = hours // 24
    heating = (day < 73) | (day >= 318)  # 1 January - 14 March and 15 November - 31 December
    season = 0.55 + 0.35 * np.cos(2 * np.pi * ((day - 15) % 365) / 365)
    weather = np.repeat(np.convolve(rng.normal(0, 0.12, 365 + 6), np.ones(7) / 7, mode="valid"), 24)[:8760]
    daily = 0.08 * np.cos(2 * np.pi * (hours % 24 - 5) / 24)
    load = np.where(heating, np.clip(season + weather + daily, 0.05, None), 0.0)
    rows = ["hour,period,heat_load"]
    rows += [f"{h},{'heating' if heating[h] else 'non_heating'},{load[h]:.4f}" for h in hours]
    return "\n".join(rows) + "\n"


def _markets(span: float, rng: np.random.Generator) -> list[dict]:
    """The region's buyers at the district's four edges (SPEC 8.1); prices from models/factors.yaml."""
    edges = [(-25.0, span / 2), (span + 25.0, span / 2), (span / 2, -25.0), (span / 2, span + 25.0)]
    markets = []
    for k, (x, y) in enumerate(edges):
        place = {"x": round(x + rng.uniform(-5, 5), 3), "y": round(y + rng.uniform(-5, 5), 3)}
        markets += [
            {
                "id": f"market_slag_mills_{k}",
                "name": f"slag mills {k}",
                "location": place,
                "buys": [
                    {"resource": "slag", "price": 70, "requires": {"type": ["blast_furnace"], "form": ["granulated"]}},
                    {"resource": "slag", "price": 210, "requires": {"form": ["ground"], "grade": ["S95", "S105"]}},
                ],
            },
            {
                "id": f"market_concrete_{k}",
                "name": f"concrete plants {k}",
                "location": place,
                "buys": [{"resource": "fly_ash", "price": 90, "requires": {"grade": ["I", "II"]}}],
            },
            {
                "id": f"market_board_{k}",
                "name": f"gypsum board makers {k}",
                "location": place,
                "buys": [{"resource": "gypsum", "price": 20, "requires": {"purity": {"min": 90}}}],
            },
            {
                "id": f"market_road_{k}",
                "name": f"road base {k}",
                "location": place,
                "buys": [
                    {"resource": "slag", "price": 20, "amount": 1.0e5, "requires": {"type": ["steel"]}},
                    {"resource": "fly_ash", "price": 20, "amount": 5.0e4, "requires": {"grade": ["III"]}},
                ],
            },
        ]
    return markets


def _contracts(enterprises: list[dict], markets: list[dict]) -> list[dict]:
    """Today's sales: each power plant sells 30 % of its grade I/II fly ash, each steel works
    80 % of its granulated slag, to the nearest market that buys it, by rail (existing,
    expandable links, SPEC 8.1)."""

    def nearest(enterprise: dict, prefix: str) -> str:
        here = enterprise["location"]
        places = [m for m in markets if m["id"].startswith(prefix)]
        return min(places, key=lambda m: math.hypot(m["location"]["x"] - here["x"], m["location"]["y"] - here["y"]))[
            "id"
        ]

    links = []
    for enterprise in enterprises:
        supplies = enterprise.get("supplies", [])
        if enterprise["sector"] == "power" and supplies[0]["quality"]["grade"] in ("I", "II"):
            links.append(
                {
                    "from": enterprise["id"],
                    "to": nearest(enterprise, "market_concrete_"),
                    "resource": "fly_ash",
                    "mode": "rail",
                    "existing": True,
                    "expandable": True,
                    "capacity": round(0.3 * supplies[0]["amount"] / 8760, 2),
                }
            )
        if enterprise["sector"] == "steel":
            links.append(
                {
                    "from": enterprise["id"],
                    "to": nearest(enterprise, "market_slag_mills_"),
                    "resource": "slag",
                    "mode": "rail",
                    "supply": 0,
                    "demand": 0,
                    "existing": True,
                    "expandable": True,
                    "capacity": round(0.8 * supplies[0]["amount"] / 8760, 2),
                }
            )
    return links


def _heat(rate_mw: float, temperature: float, outlet: float, rng: np.random.Generator, **extra: object) -> dict:
    return {
        "resource": "heat",
        "rate": round(rate_mw, 1),
        "temperature": round(temperature, 1),
        "outlet_temperature": round(outlet, 1),
        "profile": {"heating": 1.0, "non_heating": round(rng.uniform(0.7, 1.0), 2)},
        "disposal": {"cost": 2.0, "emissions": 0.0},
        **extra,
    }


def _by_product(resource: str, amount: float, **quality: object) -> dict:
    """``amount`` t (to 100 t) of a solid by-product of ``quality``, landfilled (`SOLID_DISPOSAL`) unless used."""
    return {"resource": resource, "amount": round(amount, -2), "disposal": dict(SOLID_DISPOSAL), "quality": quality}


def _bought(resource: str, amount: float, requires: dict, cost: float, emissions: float) -> dict:
    """A demand of ``amount`` t (to 100 t) of ``resource`` meeting ``requires``, bought today at
    ``cost`` per t with ``emissions`` tCO2 per t."""
    baseline = {"cost": cost, "emissions": emissions}
    return {"resource": resource, "amount": round(amount, -2), "requires": requires, "baseline": baseline}


def _jinan_process(ident: str) -> dict:
    """A process of the Jinan park (``parks/jinan_eco_park.yaml``, where its costs are sourced), as
    plain data without its name: every steel works of a district may build Jinan's grinding station."""
    return json.loads(_jinan_process_json(ident))


@functools.cache
def _jinan_process_json(ident: str) -> str:
    """The process ``ident`` of the Jinan park as JSON text, read once (each caller gets its own copy)."""
    from circflow.yamlfile import read_yaml

    tree = read_yaml(JINAN)
    found = next((p for e in tree["enterprises"] for p in e.get("processes", []) if p["id"] == ident), None)
    if found is None:
        msg = f"the generator takes process {ident!r} from {JINAN}, which has none of that id"
        raise LookupError(msg)
    return json.dumps({k: v for k, v in found.items() if k != "name"})


def _upgrade(ident: str, resource: str, requires: dict, output: dict, **economics: float) -> dict:
    """Process ``ident`` turning ``resource`` that meets ``requires`` into a better ``output`` of it."""
    return {
        "id": ident,
        "input": {"resource": resource, "requires": requires},
        "outputs": [{"resource": resource, **output}],
        **economics,
    }


def _water_demand(amount: float, grades: list[str], baseline: dict | None = None) -> dict:
    return {
        "resource": "reclaimed_water",
        "amount": round(amount, -3),
        "requires": {"grade": grades},
        "baseline": dict(baseline or WATER_BASELINE),
    }


def _heat_network(design_mw: float, supply_c: float, return_c: float, *, series: bool) -> dict:
    """A heat network at ~0.65 of its design load over the heating season (a flat season
    without the hourly profile)."""
    network = {
        "resource": "heat",
        "temperature": round(supply_c, 1),
        "return_temperature": round(return_c, 1),
        "baseline": dict(HEAT_BASELINE),
    }
    if series:
        return {**network, "rate": round(design_mw, 1), "profile": {"series": HEAT_SERIES}}
    return {**network, "per_period": {"heating": round(0.65 * design_mw * 2880, -2), "non_heating": 0.0}}


def _power(rng: np.random.Generator) -> dict:
    u = rng.uniform
    mwh = u(1.5e6, 7e6)  # 300-1,400 MW at ~5,000 h
    grade = str(rng.choice(["I", "II", "III"], p=[0.3, 0.5, 0.2]))
    condenser = u(28, 35)
    return {
        "supplies": [
            _by_product("fly_ash", 0.08 * mwh, grade=grade, loss_on_ignition=round(u(3, 9), 1)),
            _by_product("gypsum", 0.022 * mwh, origin="fgd", purity=round(u(85, 96), 1)),
            _heat(mwh / 5000 * u(0.8, 1.2), condenser, condenser - 7, rng, absorption=True),
        ],
        "demands": [_water_demand(u(2e6, 9e6), ["cooling", "process"], OWN_WATER_BASELINE)],
    }


def _steel(rng: np.random.Generator) -> dict:
    u = rng.uniform
    slag = u(1e5, 6e5)
    return {
        "supplies": [
            _by_product("slag", slag, type="blast_furnace", form="granulated"),
            _by_product("slag", slag * u(0.3, 0.5), type="steel", form="raw"),
            _heat(u(20, 80), u(75, 85), 50.0, rng),
        ],
        "demands": [_water_demand(u(1e6, 5e6), ["cooling", "process"])],
        "processes": [_jinan_process("grinding")],
    }


def _wwtp(rng: np.random.Generator) -> dict:
    u = rng.uniform
    treated = {"yield": 0.95, "quality": {"grade": str(rng.choice(["cooling", "process"]))}}
    reuse = _upgrade(
        "reuse",
        "reclaimed_water",
        {"grade": ["secondary"]},
        treated,
        opex_per_unit=0.6,
        capex_fixed=5.0e6,
        capex_per_capacity=36000,
        om_fraction=0.02,
    )
    return {
        "supplies": [
            {"resource": "reclaimed_water", "amount": round(u(5e6, 3e7), -3), "quality": {"grade": "secondary"}},
            _heat(u(10, 40), u(14, 20), 10.0, rng),
        ],
        "processes": [reuse],
    }


def _streams(sector: str, rng: np.random.Generator, *, series: bool) -> dict:
    u = rng.uniform
    if sector in ("power", "steel", "wwtp"):
        return {"power": _power, "steel": _steel, "wwtp": _wwtp}[sector](rng)
    if sector in {"chemical", "carbon"}:
        low, high = (80, 120) if sector == "chemical" else (90, 150)
        inlet = u(low, high)
        return {
            "supplies": [_heat(u(5, 60), inlet, inlet - u(20, 40), rng)],
            "demands": [_water_demand(u(5e5, 4e6), ["process"])],
        }
    if sector == "cement":
        return {
            "demands": [
                _bought("fly_ash", u(5e4, 2e5), {"loss_on_ignition": {"max": 8.0}}, 220.0, 0.85),
                _bought("gypsum", u(3e4, 1e5), {"purity": {"min": 85}}, 100.0, 0.010),
                _bought("slag", u(1e5, 4e5), {"type": ["blast_furnace"]}, 95.0, 0.003),
            ]
        }
    if sector == "wallboard":
        return {"demands": [_bought("gypsum", u(1e5, 3e5), {"purity": {"min": 90}}, 100.0, 0.010)]}
    if sector == "concrete":
        return {
            "demands": [
                _bought("fly_ash", u(1e4, 6e4), {"grade": ["I", "II"]}, 115.0, 0.003),
                _bought("slag", u(1e4, 6e4), {"form": ["ground"], "grade": ["S95", "S105"]}, 235.0, 0.093),
            ]
        }
    if sector == "district_heating":
        supply_c = u(70, 90)
        return {"demands": [_heat_network(u(50, 300), supply_c, supply_c - u(25, 35), series=series)]}
    if sector == "datacenter":
        inlet = u(30, 35)
        return {"supplies": [_heat(u(5, 30), inlet, inlet - 10, rng)]}
    if sector == "food":
        return {
            "demands": [
                {
                    "resource": "heat",
                    "rate": round(u(2, 15), 1),
                    "temperature": round(u(60, 80), 1),
                    "return_temperature": 40.0,
                    "baseline": {"cost": 230.0, "emissions": 0.22},
                },
                _water_demand(u(1e5, 1e6), ["process"]),
            ]
        }
    return {"demands": [_water_demand(u(5e4, 5e5), ["cooling", "process"])]}


def write_park(
    n: int, seed: int, path: pathlib.Path | None, *, slices: int | None = None, shape: str = "clustered"
) -> None:
    """Write a generated district as YAML (to stdout when ``path`` is None) and, with
    ``slices``, its hourly heat profile beside it."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe")
    yaml.default_flow_style = None
    park = generate_park(n, seed, slices=slices, shape=shape)
    if path is None:
        yaml.dump(park, sys.stdout)
    else:
        with path.open("w") as stream:
            yaml.dump(park, stream)
    if slices is not None:
        folder = pathlib.Path.cwd() if path is None else path.parent
        (folder / HEAT_FILE).write_text(heat_load_csv(seed), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int, help="number of enterprises")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--slices", type=int, default=None, help="heat networks follow an hourly profile in this many slices"
    )
    parser.add_argument(
        "--shape",
        choices=SHAPES,
        default="clustered",
        help="clustered industrial parks, or spread evenly with scarce water (the hard district)",
    )
    parser.add_argument("--out", default=None, help="park file to write (with --slices, its CSV goes beside it)")
    args = parser.parse_args(argv)
    write_park(
        args.n, args.seed, None if args.out is None else pathlib.Path(args.out), slices=args.slices, shape=args.shape
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
