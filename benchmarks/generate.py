"""Seeded generator of realistic synthetic parks for benchmarks (and stress tests).

A generated district is a set of industrial parks (clusters of ~40 enterprises within a few
km) scattered over a region, as in a Chinese prefecture: coal power, steel, chemical,
carbon/graphite, wastewater plants, cement, wallboard, concrete stations, district heating,
data centres and food/light industry, in proportions typical of a heavy-industry city. The
streams' sizes follow the figures of shared REFERENCE-DATA.md (fly ash ~0.10 t per MWh of
coal power, FGD gypsum ~0.03 t/MWh, steel slag ~0.12 t/t, condenser heat at 30-40 degC,
steel waste heat at 60-90 degC). Resources and modes come from the shipped catalog.

Usage::

    python -m benchmarks.generate 200 --seed 1 > park-200.yaml
"""

from __future__ import annotations

import argparse
import math
import sys

import numpy as np

# sector -> share of enterprises
SECTORS = {
    "power": 0.05, "steel": 0.04, "chemical": 0.08, "carbon": 0.03, "wwtp": 0.06,
    "cement": 0.05, "wallboard": 0.03, "concrete": 0.16, "district_heating": 0.06,
    "datacenter": 0.04, "food": 0.10, "light_industry": 0.30,
}
CLUSTER_SIZE = 40
CLUSTER_RADIUS_KM = 4.0
CLUSTER_SPACING_KM = 18.0

WATER_BASELINE = {"cost": 4.5, "emissions": 0.0004}  # industrial tap water, Jinan (REFERENCE-DATA)
SOLID_DISPOSAL = {"cost": 65.0, "emissions": 0.002}  # 25 CNY/t tax + ~40 CNY/t landfill
HEAT_BASELINE = {"cost": 190.0, "emissions": 0.40}  # coal boiler heat


def generate_park(n: int, seed: int = 0) -> dict:
    """A park mapping (the content of a park file) with ``n`` enterprises."""
    rng = np.random.default_rng(seed)
    names = list(SECTORS)
    shares = np.array([SECTORS[s] for s in names])
    counts = np.floor(shares * n).astype(int)
    counts[names.index("light_industry")] += n - counts.sum()
    sectors = [s for s, c in zip(names, counts, strict=True) for _ in range(c)]
    rng.shuffle(sectors)
    clusters = max(1, round(n / CLUSTER_SIZE))
    side = math.ceil(math.sqrt(clusters))
    centres = [(CLUSTER_SPACING_KM * (i % side) + rng.uniform(-4, 4), CLUSTER_SPACING_KM * (i // side) + rng.uniform(-4, 4))
               for i in range(clusters)]
    enterprises = []
    for index, sector in enumerate(sectors):
        cx, cy = centres[index % clusters]
        radius, angle = CLUSTER_RADIUS_KM * math.sqrt(rng.uniform()), rng.uniform(0, 2 * math.pi)
        enterprise = {"id": f"{sector}_{index}", "name": f"{sector.replace('_', ' ')} {index}", "sector": sector,
                      "location": {"x": round(cx + radius * math.cos(angle), 3), "y": round(cy + radius * math.sin(angle), 3)}}
        enterprise.update(_streams(sector, rng))
        enterprises.append(enterprise)
    return {
        "park": {"name": f"generated district n={n} seed={seed}", "crs": "local_km"},
        "economics": {"carbon_price": 80},
        "periods": [{"name": "heating", "hours": 2880}, {"name": "non_heating", "hours": 5880}],
        "enterprises": enterprises,
        "targets": {"utilization": {"fly_ash": 0.5}},
    }


def _heat(rate_mw: float, temperature: float, rng: np.random.Generator) -> dict:
    return {"resource": "heat", "rate": round(rate_mw, 1), "temperature": round(temperature, 1),
            "profile": {"heating": 1.0, "non_heating": round(rng.uniform(0.7, 1.0), 2)},
            "disposal": {"cost": 2.0, "emissions": 0.0}}


def _water_demand(amount: float, grades: list[str]) -> dict:
    return {"resource": "reclaimed_water", "amount": round(amount, -3), "requires": {"grade": grades},
            "baseline": dict(WATER_BASELINE)}


def _streams(sector: str, rng: np.random.Generator) -> dict:
    u = rng.uniform
    if sector == "power":
        mwh = u(1.5e6, 7e6)  # 300-1,400 MW at ~5,000 h
        grade = str(rng.choice(["I", "II", "III"], p=[0.3, 0.5, 0.2]))
        return {"supplies": [
            {"resource": "fly_ash", "amount": round(0.10 * mwh, -2), "disposal": dict(SOLID_DISPOSAL),
             "quality": {"grade": grade, "loss_on_ignition": round(u(3, 9), 1)}},
            {"resource": "gypsum", "amount": round(0.03 * mwh, -2), "disposal": dict(SOLID_DISPOSAL),
             "quality": {"origin": "fgd", "purity": round(u(85, 96), 1)}},
            _heat(mwh / 5000 * u(0.8, 1.2), u(30, 40), rng)],
            "demands": [_water_demand(u(2e6, 9e6), ["cooling", "process"])]}
    if sector == "steel":
        return {"supplies": [
            {"resource": "slag", "amount": round(u(1e5, 6e5), -2), "disposal": dict(SOLID_DISPOSAL),
             "quality": {"type": str(rng.choice(["steel", "blast_furnace"])), "grade": str(rng.choice(["S75", "S95"]))}},
            _heat(u(20, 80), u(60, 90), rng)],
            "demands": [_water_demand(u(1e6, 5e6), ["cooling", "process"])]}
    if sector in {"chemical", "carbon"}:
        low, high = (80, 120) if sector == "chemical" else (90, 150)
        return {"supplies": [_heat(u(5, 60), u(low, high), rng)],
                "demands": [_water_demand(u(5e5, 4e6), ["process"])]}
    if sector == "wwtp":
        return {"supplies": [
            {"resource": "reclaimed_water", "amount": round(u(5e6, 3e7), -3), "quality": {"grade": str(rng.choice(["cooling", "process"]))},
             "disposal": {"cost": 0.5, "emissions": 0.0}},
            _heat(u(10, 40), u(17, 23), rng)]}
    if sector == "cement":
        return {"demands": [
            {"resource": "fly_ash", "amount": round(u(5e4, 2e5), -2), "requires": {"loss_on_ignition": {"max": 8.0}},
             "baseline": {"cost": 260.0, "emissions": 0.85}},
            {"resource": "gypsum", "amount": round(u(3e4, 1e5), -2), "requires": {"purity": {"min": 85}},
             "baseline": {"cost": 120.0, "emissions": 0.010}},
            {"resource": "slag", "amount": round(u(1e5, 4e5), -2), "requires": {"type": ["steel", "blast_furnace"]},
             "baseline": {"cost": 260.0, "emissions": 0.85}}]}
    if sector == "wallboard":
        return {"demands": [{"resource": "gypsum", "amount": round(u(1e5, 3e5), -2), "requires": {"purity": {"min": 90}},
                             "baseline": {"cost": 120.0, "emissions": 0.010}}]}
    if sector == "concrete":
        return {"demands": [
            {"resource": "fly_ash", "amount": round(u(1e4, 6e4), -2), "requires": {"grade": ["I", "II"]},
             "baseline": {"cost": 380.0, "emissions": 0.65}},
            {"resource": "slag", "amount": round(u(1e4, 6e4), -2), "requires": {"grade": ["S95", "S105"]},
             "baseline": {"cost": 380.0, "emissions": 0.65}}]}
    if sector == "district_heating":
        heating = u(1e5, 6e5)
        return {"demands": [{"resource": "heat", "per_period": {"heating": round(heating, -2), "non_heating": round(heating * u(0.05, 0.2), -2)},
                             "temperature": round(u(70, 90), 1), "baseline": dict(HEAT_BASELINE)}]}
    if sector == "datacenter":
        return {"supplies": [_heat(u(5, 30), u(30, 35), rng)]}
    if sector == "food":
        return {"demands": [{"resource": "heat", "rate": round(u(2, 15), 1), "temperature": round(u(60, 80), 1),
                             "baseline": {"cost": 230.0, "emissions": 0.22}},
                            _water_demand(u(1e5, 1e6), ["process"])]}
    return {"demands": [_water_demand(u(5e4, 5e5), ["cooling", "process"])]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int, help="number of enterprises")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe")
    yaml.default_flow_style = None
    yaml.dump(generate_park(args.n, args.seed), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
