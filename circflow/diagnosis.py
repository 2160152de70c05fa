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

import highspy

from circflow.extend import Rules
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


def diagnose(net: Network, profile: SolverProfile, rules: Rules | None = None) -> list[str]:
    """Name the targets, forced links, existing capacities and rules behind an infeasible park.

    Solves an elastic copy of the model where each of them (each row of a rule added from
    Python, `circflow.extend`, too) may be relaxed at a price proportional to its relative
    size, and reports every relaxation the cheapest fix uses. When that names nothing,
    HiGHS's irreducible infeasible subset (IIS) of the model names its rows (`iis_rows`).

    Returns
    -------
    list of str
        One sentence per culprit, e.g. ``target utilization.fly_ash = 0.95 cannot be met:
        at most 0.81 is reachable``, or ``rule new_contracts (...) cannot hold ...``.
    """
    model = build_model(net, Options(elastic=True), rules)
    solver = Solver(model, profile)
    outcome = solver.solve("relaxation")
    if not outcome.is_ok or solver.values is None:
        return iis_rows(net, profile, rules) or ["could not find which constraint causes the infeasibility"]
    park = net.park
    found = []
    tolerance = 1e-6
    for resource, slack in model.values_of("utilization_slack", solver.values).items():
        total = model.utilization_total[str(resource)]
        if slack > tolerance * max(total, 1.0):
            share = park.targets.utilization[str(resource)]
            reachable = max(share - slack / total, 0.0)
            found.append(
                f"target utilization.{resource} = {share:g} cannot be met: at most {reachable:.4g} is reachable"
            )
    for slack in model.values_of("emissions_slack", solver.values).values():
        cap = park.targets.max_emissions
        if cap is not None and slack > tolerance * max(cap, 1.0):
            found.append(
                f"target max_emissions = {cap:.6g} tCO2/yr cannot be met: at least {cap + slack:.6g} is needed"
            )
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
            found.append(
                f"existing link {link.id} capacity {limit:g} is too small: at least {limit + slack:.6g} is needed"
            )
    if rules:
        down = model.values_of("extra_slack_down", solver.values)
        up = model.values_of("extra_slack_up", solver.values)
        for row in rules.rows:
            moved = up.get(row.name, 0.0) - down.get(row.name, 0.0)  # how far its body must move
            if abs(moved) > tolerance * max(abs(row.rhs), 1.0):
                needed = row.rhs - moved
                found.append(
                    f"rule {row.name} ({row.text}) cannot hold with the targets, forced links and "
                    f"other rules: the nearest plan needs its left side at {needed:.6g}"
                )
    if not found:
        found = iis_rows(net, profile, rules)
    return found or ["the targets and forced links cannot hold together (no single culprit found)"]


IIS_STRATEGY = 2
"""HiGHS's ``iis_strategy`` that finds an IIS of the linear relaxation (1.16: 0 looks only for
a single infeasible row or bound, which a rule over several links is not)."""


def iis_rows(net: Network, profile: SolverProfile, rules: Rules | None = None) -> list[str]:
    """The rows of an irreducible infeasible subset of the park's model (HiGHS ``getIis``), by name.

    The subset is that of the linear relaxation: when the relaxation is feasible (an
    infeasibility that only the build decisions' integrality causes) it is empty.
    """
    model = build_model(net, Options(), rules)
    if not model.shape[1]:
        return []
    solver = Solver(model, profile)
    highs = solver._instance()  # the diagnosis asks HiGHS itself
    highs.setOptionValue("iis_strategy", IIS_STRATEGY)
    status, iis = highs.getIis()
    if status == highspy.HighsStatus.kError or not iis.valid_:
        return []
    names = []
    for row in sorted(set(iis.row_index_)):
        block = next((b for b in model.rows.values() if b.start <= row < b.start + b.size), None)
        if block is None:
            continue
        label = block.label(row - block.start)
        if block.name == "extra":
            text = next((r.text for r in (rules.rows if rules else []) if r.name == label), "")
            names.append(f"rule {label} ({text}) is part of an infeasible set of rows (HiGHS IIS)")
        else:
            names.append(f"{block.name_of(row - block.start)} is part of an infeasible set of rows (HiGHS IIS)")
    return names


def _position(label: Label) -> int:
    """The index a slack column is labelled with (forced groups and links are labelled by position)."""
    if not isinstance(label, int):
        msg = f"a slack column labelled {label!r}, not by a position"
        raise TypeError(msg)
    return label
