"""Why a park has no feasible plan: the targets, forced links or capacities behind it (SPEC 7).

Beside ``solve``: called once a solve (`circflow.optimizer`, `circflow.front`) found the
park infeasible. `unreachable_targets` is the one rule that needs no solve: a
utilisation target on a resource that is supplied but that no candidate link carries can
never be met. `diagnose` solves an elastic copy of the model in which every target, forced
link and existing capacity may be relaxed at a price, and names the relaxations the
cheapest fix uses.
"""

from __future__ import annotations

import math

from circflow.linear import Label
from circflow.model import Options, build_model
from circflow.network import Network
from circflow.solve import Solver, SolverProfile


def unreachable_targets(net: Network) -> list[str]:
    """Resources with a utilisation target above 0 that are supplied but carried by no link.

    Such a park is infeasible before any solve: nothing can be used, and the target asks
    for a positive share (a target on a resource nobody supplies is met by using nothing).

    Examples
    --------
    >>> from circflow.network import build_network
    >>> from circflow.schema import Park
    >>> plant = {"id": "a", "location": {"x": 0, "y": 0}, "supplies": [{"resource": "fly_ash", "amount": 10}]}
    >>> park = Park(park={"name": "x"}, targets={"utilization": {"fly_ash": 0.5}}, enterprises=[plant])
    >>> unreachable_targets(build_network(park))
    ['fly_ash']
    """
    # what a utilisation target counts: original supplies and the links leaving them, not process outputs (SPEC 8.2)
    carried = {link.resource for link in net.links if net.supplies[link.supply].role == "supply"}
    supplied = {s.resource for s in net.supplies if s.role == "supply" and s.amounts.sum() > 0}
    targets = net.park.targets.utilization
    return [r for r, share in targets.items() if share > 0 and r in supplied and r not in carried]


def diagnose(net: Network, profile: SolverProfile) -> list[str]:
    """Name the targets, forced links and existing capacities behind an infeasible park.

    Solves an elastic copy of the model where each of them may be relaxed at a price
    proportional to its relative size, and reports every relaxation the cheapest fix uses.

    Returns
    -------
    list of str
        One sentence per culprit, e.g. ``target utilization.fly_ash = 0.95 cannot be met:
        at most 0.81 is reachable``.
    """
    model = build_model(net, Options(elastic=True))
    solver = Solver(model, profile)
    outcome = solver.solve("relaxation")
    if not outcome.is_ok or solver.values is None:
        return ["could not find which constraint causes the infeasibility"]
    park = net.park
    found = []
    tolerance = 1e-6
    for resource, slack in model.values_of("utilization_slack", solver.values).items():
        total = model.utilization_total[str(resource)]
        if slack > tolerance * max(total, 1.0):
            share = park.targets.utilization[str(resource)]
            reachable = max(share - slack / total, 0.0)
            found.append(f"target utilization.{resource} = {share:g} cannot be met: at most {reachable:.4g} is reachable")
    for slack in model.values_of("emissions_slack", solver.values).values():
        cap = park.targets.max_emissions
        if cap is not None and slack > tolerance * max(cap, 1.0):
            found.append(f"target max_emissions = {cap:.6g} tCO2/yr cannot be met: at least {cap + slack:.6g} is needed")
    for slack in model.values_of("capex_slack", solver.values).values():
        cap = park.targets.max_capex
        if cap is not None and slack > tolerance * max(cap, 1.0):
            found.append(f"target max_capex = {cap:.6g} cannot be met: the plan needs at least {cap + slack:.6g}")
    for g, slack in model.values_of("force_slack", solver.values).items():
        if slack > tolerance:
            found.append(f"forced link {net.forced_groups[_position(g)][0]} cannot be built together with the targets")
    for i, slack in model.values_of("capacity_slack", solver.values).items():
        link = net.links[_position(i)]
        limit = link.capacity_limit if link.capacity_limit is not None else math.inf  # only capped links have a slack
        if slack > tolerance * max(limit, 1.0):
            found.append(f"existing link {link.id} capacity {limit:g} is too small: at least {limit + slack:.6g} is needed")
    return found or ["the targets and forced links cannot hold together (no single culprit found)"]


def _position(label: Label) -> int:
    """The index a slack column is labelled with (forced groups and links are labelled by position)."""
    if not isinstance(label, int):
        msg = f"a slack column labelled {label!r}, not by a position"
        raise TypeError(msg)
    return label
