"""Links and processes named as people read them, not by their internal ids.

Beside ``network``: the decision-support outputs (`circflow.breakeven`,
`circflow.nearoptimal`) say "Steel works -> City district heating, electric heat pump",
with the enterprises' names from the park file and the technology's label from
`circflow.linktypes.TECHNOLOGIES`; ids stay in their own column for machines.
"""

from __future__ import annotations

import re

from circflow.linktypes import TECHNOLOGIES
from circflow.network import CandidateLink, Network, ProcessNode, StreamNode
from circflow.schema import Park


def short_name(name: str) -> str:
    """A name without its remarks in parentheses: ``Coal power 2x350 MW (CHP)`` -> ``Coal power 2x350 MW``.

    Examples
    --------
    >>> short_name("District heating, city west (coal boiler houses to be replaced)")
    'District heating, city west'
    """
    shorter = re.sub(r"\s*\([^()]*\)", "", name).strip()
    return shorter or name


def full_names(park: Park) -> dict[str, str]:
    """Enterprise and market id -> its name as the park file gives it; the id where it has none."""
    return {e.id: e.name or e.id for e in park.enterprises} | {m.id: m.name or m.id for m in park.markets}


def place_names(net: Network) -> dict[str, str]:
    """Enterprise and market id -> its name, short (`short_name`) where that stays unique; the id where it has none."""
    full = full_names(net.park)
    short = {key: short_name(name) for key, name in full.items()}
    taken = list(short.values())
    return {key: short[key] if taken.count(short[key]) == 1 else full[key] for key in full}


def stream_name(net: Network, stream: StreamNode, names: dict[str, str] | None = None) -> str:
    """The enterprise's name; with its process's name, or which of its streams of that resource."""
    names = place_names(net) if names is None else names
    name = names.get(stream.enterprise, stream.enterprise)
    if stream.process is not None:
        process = net.processes[stream.process]
        return f"{name}, {short_name(process.spec.name or process.id)}"
    streams = net.supplies if stream.role in ("supply", "output") else net.demands
    alike = [
        s.index
        for s in streams
        if s.enterprise == stream.enterprise and s.resource == stream.resource and s.process is None
    ]
    if len(alike) > 1:
        return f"{name} ({stream.resource.replace('_', ' ')} {alike.index(stream.index) + 1})"
    return name


def link_name(net: Network, link: CandidateLink, names: dict[str, str] | None = None) -> str:
    """``Steel works -> City district heating, electric heat pump``; ``... -> ..., fly ash by truck``.

    Heat links name their technology; other links their resource and mode.
    """
    names = place_names(net) if names is None else names
    ends = (
        f"{stream_name(net, net.supplies[link.supply], names)} -> {stream_name(net, net.demands[link.demand], names)}"
    )
    if link.on_site:
        return f"{ends}, on site"
    if link.type != "transport":
        return f"{ends}, {TECHNOLOGIES[link.type].label}"
    return f"{ends}, {link.resource.replace('_', ' ')} by {link.mode.replace('_', ' ')}"


def process_name(net: Network, process: ProcessNode, names: dict[str, str] | None = None) -> str:
    """``Steel works: Slag grinding station (process)``."""
    names = place_names(net) if names is None else names
    return (
        f"{names.get(process.enterprise, process.enterprise)}: {short_name(process.spec.name or process.id)} (process)"
    )
