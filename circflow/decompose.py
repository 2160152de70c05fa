"""Splitting a park into independent problems (between ``network`` and ``model``).

With no constraint that couples them (an emission cap or a capex budget couples
everything; a utilisation target couples the links of its resource, a ``plan.force`` entry
the links it names), the SPEC 4 model
separates: its objective is a sum over links and streams, and each supply or demand row
touches only the links of one connected component of the candidate graph (streams as
nodes, candidate links as edges, and each process joining its input to its outputs, since
its rows tie them, SPEC 8.2). Each component is then a problem of its own, often an
order of magnitude faster to solve than the monolith. Streams with no candidate link form
no problem: their disposal and baseline are a constant.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TypeVar

from circflow.extend import Rules
from circflow.network import Network

H = TypeVar("H", bound=Hashable)
Node = tuple[str, int]
"""A stream in the part graph: (``s`` or ``d``, its index)."""


def independent_parts(net: Network, rules: Rules | None = None) -> list[Network]:
    """Sub-networks that can be optimised apart; together they cover every link once.

    Each part accounts for the disposal and baseline of the streams its links touch, so
    the parts' objectives add up to the whole park's, less the constant of streams with no
    link (`unlinked_streams`). A rule added from Python (`circflow.extend`) joins the parts
    of the links and processes it names; a rule on a park-wide sum (total cost, emissions,
    capex) keeps the park in one part, as a cap does.
    """
    targets = net.park.targets
    if targets.max_emissions is not None or targets.max_capex is not None or (rules is not None and rules.park_wide):
        return [net]  # coupled: one problem, even without links (the cap may still fail)
    if not net.links:
        return []
    edges: list[tuple[Node, Node]] = [(("s", link.supply), ("d", link.demand)) for link in net.links]
    for process in net.processes:  # a process couples its input and outputs (SPEC 8.2)
        edges.extend((("d", process.input), ("s", output)) for output in process.outputs)
    for resource, share in targets.utilization.items():  # one target ties all links of its resource
        if share > 0:
            nodes = [("s", link.supply) for link in net.links if link.resource == resource]
            edges.extend(zip(nodes, nodes[1:], strict=False))
    for _, members in net.forced_groups:  # one plan.force entry is one choice among its links
        nodes = [("s", net.links[i].supply) for i in members]
        edges.extend(zip(nodes, nodes[1:], strict=False))
    if rules is not None:  # one rule row is one choice among the links and processes it names
        position = {link.id: link for link in net.links}
        paths = {p.path: p for p in net.processes}
        for named_links, processes in rules.groups():
            nodes = [("s", position[i].supply) for i in named_links if i in position]
            nodes += [("d", paths[q].input) for q in processes if q in paths]
            edges.extend(zip(nodes, nodes[1:], strict=False))
    parts = []
    link_of_supply: dict[int, list[int]] = {}
    for i, link in enumerate(net.links):
        link_of_supply.setdefault(link.supply, []).append(i)
    for component in connected_components(edges):
        supplies = frozenset(index for kind, index in component if kind == "s")
        demands = frozenset(index for kind, index in component if kind == "d")
        links = [i for s in supplies for i in link_of_supply.get(s, [])]
        parts.append(net.subset(links, (supplies, demands)))
    parts.sort(key=lambda part: -len(part.links))
    return parts


def connected_components(edges: Iterable[tuple[H, H]]) -> list[set[H]]:
    """The node sets of a graph's connected components, given its edges (union-find).

    Components come in the order their first node appeared, as networkx lists them; no
    graph library is loaded for it (networkx alone takes a fifth of a second to import).
    """
    parent: dict[H, H] = {}

    def root(node: H) -> H:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for a, b in edges:
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[rb] = ra
    components: dict[H, set[H]] = {}
    for node in parent:  # insertion order: first appearance
        components.setdefault(root(node), set()).add(node)
    return list(components.values())


def unlinked_streams(net: Network, parts: list[Network]) -> Network:
    """An empty network accounting for the streams no part covers (their constant cost)."""
    covered_s: set[int] = set()
    covered_d: set[int] = set()
    for part in parts:
        supplies, demands = (
            part.accounted if part.accounted is not None else (range(len(net.supplies)), range(len(net.demands)))
        )
        covered_s.update(supplies)
        covered_d.update(demands)
    rest = (frozenset(range(len(net.supplies))) - covered_s, frozenset(range(len(net.demands))) - covered_d)
    return net.subset([], rest)
