"""How the exports name and colour things for people: resources, modes, technologies, sectors, links.

An export stage: ``results -> exports``. Ids are for files; pages, sheets and the terminal
use names: an enterprise's full name, never cut in a table (charts wrap long names on word
boundaries instead of cutting through a number), and the catalog's resources, modes and heat
technologies in the reader's language (`circflow.i18n`). A name the catalogue does not know
(a resource a park defines itself) is shown as written, underscores as spaces.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

from circflow.i18n import N_, _, current
from circflow.linktypes import TECHNOLOGIES

RESOURCE_NAMES = {
    "fly_ash": N_("fly ash"),
    "gypsum": N_("gypsum"),
    "slag": N_("slag"),
    "reclaimed_water": N_("reclaimed water"),
    "heat": N_("heat"),
    "electricity": N_("electricity"),
    "steam": N_("steam"),
}
MODE_NAMES = {
    "truck": N_("truck"),
    "rail": N_("rail"),
    "ship": N_("ship"),
    "water_pipeline": N_("water pipeline"),
    "heat_pipeline": N_("heat pipeline"),
    "on_site": N_("on site"),
    "conveyor": N_("conveyor"),
}
TECHNOLOGY_NAMES = {name: tech.label for name, tech in TECHNOLOGIES.items()}
SECTOR_NAMES = {
    "power": N_("power"),
    "cement": N_("cement"),
    "steel": N_("steel"),
    "chemical": N_("chemical"),
    "building_materials": N_("building materials"),
    "concrete": N_("concrete"),
    "district_heating": N_("district heating"),
    "water": N_("water"),
    "carbon": N_("carbon"),
    "data_centre": N_("data centre"),
    "pharmaceutical": N_("pharmaceutical"),
    "refinery": N_("refinery"),
    "aquaculture": N_("aquaculture"),
    "agriculture": N_("agriculture"),
    "other": N_("other"),
    "municipal": N_("municipal"),
    "wallboard": N_("wallboard"),
    "market": N_("market"),
}


ELECTRICITY = "electricity"
STEAM = "steam"
RESOURCE_COLOURS = {
    "fly_ash": "#6e6e6e",
    "gypsum": "#c9a227",
    "slag": "#8c564b",
    "reclaimed_water": "#1f77b4",
    "heat": "#d62728",
    ELECTRICITY: "#9467bd",
    STEAM: "#e67e22",
}
"""One colour per resource, shared by every chart and map of circflow (saturated: lines and flows)."""

SECTOR_COLOURS = (
    "#a9cce3",
    "#f9e79f",
    "#a9dfbf",
    "#d7bde2",
    "#f5cba7",
    "#a3e4d7",
    "#d5dbdb",
    "#edbb99",
    "#aed6f1",
    "#fcf3cf",
    "#c39bd3",
    "#abebc6",
)
"""Sector fills of the map's markers: light tints, outlined in dark, so they never read as a resource's line."""

_SPARE_COLOURS = ("#2ca02c", "#ff7f0e", "#17becf", "#e377c2", "#bcbd22", "#7f7f7f", "#393b79", "#637939")
_KIND_COLOURS = {"heat": "#d62728", "water": "#1f77b4"}


def resource_colours(results: dict[str, Any]) -> dict[str, str]:
    """Colour of every resource of a results dict: fixed for the catalog's, distinct spare ones for others.

    A resource outside the catalog takes its kind's colour (heat red, water blue) when no other
    resource of the results has it, otherwise the next unused spare colour.
    """
    resources = results.get("resources", {})
    colours = dict(RESOURCE_COLOURS)
    taken = {colours[name] for name in resources if name in colours}
    for name in sorted(resources):
        if name in colours:
            continue
        preferred = _KIND_COLOURS.get(resources[name].get("kind", ""))
        free = [c for c in ((preferred,) if preferred else ()) + _SPARE_COLOURS if c not in taken]
        colours[name] = free[0] if free else "#7f7f7f"
        taken.add(colours[name])
    return colours


STATUS_NAMES = {
    "optimal": N_("optimal"),
    "feasible": N_("feasible"),
    "infeasible": N_("infeasible"),
    "time_limit_no_solution": N_("no plan within the time limit"),
}
OBJECTIVE_NAMES = {"cost": N_("cost"), "emissions": N_("emissions")}


def status_label(status: str | None) -> str:
    """A run's status in the reader's language (``optimal`` -> 最优)."""
    return _known(STATUS_NAMES, str(status or ""))


def _known(names: dict[str, str], key: str) -> str:
    return _(names[key]) if key in names else key.replace("_", " ")


def resource_label(name: str) -> str:
    """A resource as people write it, in the reader's language (``fly_ash`` -> ``fly ash``, 粉煤灰)."""
    return _known(RESOURCE_NAMES, name)


def mode_label(name: str | None) -> str:
    """A transport mode as people write it (``water_pipeline`` -> ``water pipeline``)."""
    return _known(MODE_NAMES, name or "")


def technology_label(kind: str | None) -> str:
    """A link's technology (``heat_pump`` -> ``electric heat pump``); plain transport is ``transport``."""
    return _known(TECHNOLOGY_NAMES, kind or "transport")


def sector_label(name: str | None) -> str:
    """A sector of the park file; the common ones in the reader's language."""
    key = (name or "other").strip()
    return _(SECTOR_NAMES[key]) if key in SECTOR_NAMES else key.replace("_", " ")


def wrap(name: str, width: int = 26, lines: int = 2) -> str:
    """A long name on at most ``lines`` lines of about ``width`` characters, broken between words
    (``<br>`` for plotly); only a name still too long after that is cut, at a word."""
    parts = textwrap.wrap(name, width, break_long_words=False, break_on_hyphens=False) or [name]
    if len(parts) > lines:
        parts = [*parts[: lines - 1], " ".join(parts[lines - 1 :])]
        if len(parts[-1]) > width + 8:
            parts[-1] = textwrap.shorten(parts[-1], width + 8, placeholder=" …")
    return "<br>".join(parts)


def names(results: dict[str, Any]) -> dict[str, str]:
    """Every enterprise's and market's full name by id."""
    return {
        e["id"]: e.get("name") or e["id"]
        for e in [*(results.get("enterprises") or []), *(results.get("markets") or [])]
    }


def process_names(results: dict[str, Any]) -> dict[str, str]:
    """Every process's name by its id (``steel#grinding``)."""
    return {p["id"]: p.get("name") or p.get("process") or p["id"] for p in results.get("processes") or []}


class Namer:
    """Names of a results dict's places and links, looked up once for all links."""

    def __init__(self, results: dict[str, Any]) -> None:
        self.places = names(results)
        self.processes = process_names(results)

    def place(self, key: str) -> str:
        """An enterprise's or market's full name."""
        return self.places.get(key, key)

    def end(self, link: dict[str, Any], side: str) -> str:
        """Where a link starts or ends: the enterprise or market, with the process when it is one's input or output."""
        place = self.place(link[side])
        stream = link.get("from_stream" if side == "from" else "to_stream") or ""
        owner = stream.split(".", 1)[0]
        return f"{place} · {self.processes[owner]}" if "#" in owner and owner in self.processes else place

    def link(self, link: dict[str, Any]) -> str:
        """A link as people read it: ``Coal power plant → Cement plant: fly ash by truck``."""
        if link.get("on_site"):
            return _("{place}: {what}").format(place=self.end(link, "to"), what=carried(link))
        return f"{self.end(link, 'from')} → {self.end(link, 'to')}: {carried(link)}"


def carried(link: dict[str, Any]) -> str:
    """What a link carries and how: ``fly ash by truck``, ``reclaimed water, on site``."""
    if link.get("on_site"):
        return _("{resource}, on site").format(resource=resource_label(link["resource"]))
    return _("{resource} by {how}").format(resource=resource_label(link["resource"]), how=link_how(link))


def link_how(link: dict[str, Any]) -> str:
    """How a link carries its resource: ``truck``, ``heat pipeline, electric heat pump``, ``on site``."""
    how = _("on site") if link.get("on_site") else mode_label(link.get("mode"))
    if link.get("type") not in (None, "transport"):
        how += _(", ") + technology_label(link["type"])
    return how


def heat_temperatures(link: dict[str, Any]) -> str:
    """A heat link's temperatures: ``source 50→35 °C, sink 45→75 °C`` (empty for other links)."""
    inlet, outlet = link.get("source_inlet_c"), link.get("source_outlet_c")
    supply, back = link.get("sink_supply_c"), link.get("sink_return_c")
    parts = []
    if inlet is not None:
        parts.append(
            _("source {start}→{end} °C").format(start=f"{inlet:g}", end=f"{outlet if outlet is not None else inlet:g}")
        )
    if supply is not None:
        parts.append(
            _("sink {start}→{end} °C").format(start=f"{back if back is not None else supply:g}", end=f"{supply:g}")
        )
    return ", ".join(parts)


def unit_of(results: dict[str, Any], resource: str) -> str:
    """The unit of a resource in a results dict (MWh for what drives heat pumps)."""
    if resource in ("electricity", "steam"):
        return "MWh"
    return (results.get("resources") or {}).get(resource, {}).get("unit", "")


def delivered(link: dict[str, Any]) -> float:
    """What a link delivers at its sink over the year (a heat pump: the heat it drew plus its drive)."""
    total = link.get("delivered_total")
    return float(sum((link.get("delivered") or {}).values()) if total is None else total)


def capacity_delivered(link: dict[str, Any]) -> float | None:
    """A link's capacity at the sink per hour (MW delivered for heat, unit/h otherwise)."""
    capacity = link.get("capacity")
    return None if capacity is None else capacity * (link.get("gain") or 1.0)


# --- names that circflow.naming wrote in English into results.json ------------------------------


def plan_name(name: str) -> str:
    """A link's or process's name as `circflow.naming` writes it into the findings (English, e.g.
    ``Steel works -> City heating, electric heat pump``, ``Steel works: Grinding (process)``), in the
    reader's language: the park's own names kept, the resource, mode, technology and the words
    between them translated. English names are returned as they are."""
    if current() == "en" or not name:
        return name
    process = re.fullmatch(r"(.*): (.*) \(process\)", name, flags=re.S)
    if process:
        return _("{place}: {process} (process)").format(place=process[1], process=process[2])
    source, arrow, rest = name.partition(" -> ")
    if not arrow:
        return stream_label(name)
    tails = {"on site": _("on site"), **{english: _(english) for english in TECHNOLOGY_NAMES.values()}}
    for english, how in tails.items():
        if rest.endswith(f", {english}"):
            return _("{source} -> {sink}, {how}").format(
                source=stream_label(source), sink=stream_label(rest[: -len(english) - 2]), how=how
            )
    carried = re.fullmatch(r"(.*), ([^,]+) by ([^,]+)", rest, flags=re.S)
    if carried:
        how = _("{resource} by {how}").format(
            resource=resource_label(carried[2].replace(" ", "_")), how=mode_label(carried[3].replace(" ", "_"))
        )
        return _("{source} -> {sink}, {how}").format(
            source=stream_label(source), sink=stream_label(carried[1]), how=how
        )
    return name


def plan_names(text: str | None) -> list[str]:
    """The names of a ``; ``-separated list of links and processes (``links_added``), each by `plan_name`."""
    return [plan_name(name) for name in (text or "").split("; ") if name]


def stream_label(name: str) -> str:
    """A stream's name as `circflow.naming.stream_name` writes it: the place, with which of its streams of a
    resource when it has several (``Steel works (slag 2)``), that resource in the reader's language."""
    if current() == "en":
        return name
    which = re.fullmatch(r"(.*) \(([a-z][a-z ]*) (\d+)\)", name, flags=re.S)
    if which and which[2].replace(" ", "_") in RESOURCE_NAMES:
        return _("{place} ({resource} {n})").format(
            place=which[1], resource=resource_label(which[2].replace(" ", "_")), n=which[3]
        )
    return name
