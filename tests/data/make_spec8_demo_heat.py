"""Write ``spec8_demo_heat.csv``: the hourly heat load of the demo park ``spec8_demo.yaml``.

A teaching profile, not a measured one: deterministic (no random numbers) so the park's
time slices and optimum never change. Run ``python tests/data/make_spec8_demo_heat.py``
to rewrite the file.

Method (degree-hour, as issue 13 asks of a real profile, much simplified):

- outdoor temperature T(t) = 14.7 - 13.9 cos(2 pi (day - 15) / 365) + 4.5 cos(2 pi (hour - 15) / 24)
  degC (Jinan's annual mean 14.7 degC and a January mean near 0 degC), with a five-day cold
  spell from 24 January down to 8 K colder;
- space heating in the heating season (15 November - 15 March, 2,880 h, Jinan's) is
  (18 - T24) / (18 - (-5.3)) of the design load, T24 being the trailing 24-hour mean of T,
  18 degC the indoor temperature and -5.3 degC Jinan's heating design temperature
  (GB 50736-2012, appendix A); 0 outside the season;
- domestic hot water adds 0.06 of the design load all year.

Column ``city_heat`` is per unit of the design load (about 1.2 at the cold spell's peak);
``period`` names the park period of each hour.
"""

from __future__ import annotations

import math
import pathlib

HOURS = 8760
HEATING_END = (31 + 28 + 14) * 24  # 15 March 00:00
HEATING_START = HOURS - (16 + 31) * 24  # 15 November 00:00


def outdoor(hour: int) -> float:
    day, clock = hour / 24, hour % 24
    t = 14.7 - 13.9 * math.cos(2 * math.pi * (day - 15) / 365) + 4.5 * math.cos(2 * math.pi * (clock - 15) / 24)
    if 23 <= day < 28:  # the cold spell
        t -= 8 * math.sin(math.pi * (day - 23) / 5)
    return t


def main() -> None:
    temperatures = [outdoor(h) for h in range(HOURS)]
    rows = [
        "# Hourly heat load of tests/data/spec8_demo.yaml, written by make_spec8_demo_heat.py (method there).",
        "# city_heat: per unit of the network's design load; period: heating (15 Nov - 15 Mar) or non_heating.",
        "period,city_heat",
    ]
    for hour in range(HOURS):
        heating = hour < HEATING_END or hour >= HEATING_START
        window = [temperatures[(hour - k) % HOURS] for k in range(24)]
        space = max(0.0, (18 - sum(window) / 24) / (18 + 5.3)) if heating else 0.0
        rows.append(f"{'heating' if heating else 'non_heating'},{space + 0.06:.3f}")
    path = pathlib.Path(__file__).with_name("spec8_demo_heat.csv")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
