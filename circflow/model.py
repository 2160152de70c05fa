"""The mixed-integer program of SPEC 4, as a Pyomo model built from a `Network`.

Fifth stage: ``network -> model -> solve``. The model is a list of plain functions, each
adding one group of SPEC 4 constraints, called in order by `build_model`. Money and
emissions per unit of flow are computed once, as numpy arrays, in `Coefficients`; the
results stage evaluates the KPIs from the same arrays, so the reported numbers are the
objective's own.

Formulation notes (all exact reformulations of SPEC 4):

- disposal ``w(s,p)`` and baseline supply ``u(d,p)`` are the slacks of the supply and
  demand rows, so the balances are written ``sum f <= a`` and ``sum g f <= b`` and their
  cost enters as a constant minus the flows it avoids;
- the flow variable is the average rate in the period, ``r(l,p) = f(l,p) / h_p`` (unit/h),
  so capacity rows read ``r <= k`` and every coefficient stays within a few orders of
  magnitude (rates of 1-10^4 instead of period totals of up to 10^8);
- each rate has its own tight bound tied to the build decision,
  ``r(l,p) <= R(l,p) y(l)`` with ``R = min(a(s,p), b(d,p)/g(l), capacity_limit h_p) / h_p``,
  the largest flow that can ever be useful; a capacity variable ``k(l)`` exists only where
  capacity costs money, with ``k(l) <= max_p R(l,p) y(l)`` (the smallest valid M);
- supply and demand rows with a single link are implied by its bound and left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo

from circflow.network import Network


def crf(rate: float, years: float) -> float:
    """Capital recovery factor: i (1+i)^n / ((1+i)^n - 1), 1/n when i = 0 (SPEC 4).

    Examples
    --------
    >>> round(crf(0.06, 20), 6)
    0.087185
    """
    growth_less_one = math.expm1(years * math.log1p(rate))  # (1+i)^n - 1, exact for tiny i
    if growth_less_one == 0:
        return 1.0 / years
    return rate * (growth_less_one + 1) / growth_less_one


@dataclass(frozen=True)
class Coefficients:
    """Per-link money, energy and emissions of SPEC 4, one entry per candidate link.

    Capex is ``capex_fixed * y + capex_per_rate * k``; its annualised cost
    ``annual_fixed * y + annual_per_rate * k`` (CRF plus O&M of the mode and of the heat
    pump, each with its own lifetime). Per unit of flow drawn from the supply:
    ``variable`` cost, ``electricity`` (MWh), ``transport_emissions`` (tCO2).
    """

    capex_fixed: np.ndarray
    capex_per_rate: np.ndarray
    annual_fixed: np.ndarray
    annual_per_rate: np.ndarray
    variable: np.ndarray
    electricity: np.ndarray
    transport_emissions: np.ndarray
    gain: np.ndarray
    existing: np.ndarray
    disposal_cost: np.ndarray
    disposal_emissions: np.ndarray
    baseline_cost: np.ndarray
    baseline_emissions: np.ndarray
    electricity_price: float
    grid_factor: float
    carbon_price: float

    @property
    def cost_per_flow(self) -> np.ndarray:
        """Change of total_cost per unit of flow, disposal and baseline avoided included."""
        return self.variable + self.electricity * self.electricity_price

    @property
    def emissions_per_flow(self) -> np.ndarray:
        return self.transport_emissions + self.electricity * self.grid_factor

    @property
    def has_capacity_cost(self) -> np.ndarray:
        return (self.capex_per_rate > 0) | (self.annual_per_rate > 0)


def coefficients(net: Network) -> Coefficients:
    """Compute `Coefficients` for every candidate link of ``net`` (SPEC 4, money and emissions)."""
    park = net.park
    econ = park.economics
    pump = park.technologies.heat_pump
    n = len(net.links)
    arrays = {name: np.zeros(n) for name in (
        "capex_fixed", "capex_per_rate", "annual_fixed", "annual_per_rate",
        "variable", "electricity", "transport_emissions", "gain")}
    existing = np.zeros(n, dtype=bool)
    pump_factor = crf(econ.discount_rate, pump.lifetime_years) + pump.om_fraction
    for i, link in enumerate(net.links):
        mode = park.modes[link.mode]
        length = link.length_km
        delivered_share = 1 - mode.loss_per_km * length  # heat reaching the far end, per unit drawn
        arrays["gain"][i] = link.gain
        arrays["variable"][i] = mode.opex_per_unit + mode.opex_per_unit_km * length
        arrays["electricity"][i] = mode.electricity_per_unit_km * length
        arrays["transport_emissions"][i] = mode.emissions_per_unit_km * length
        if link.type == "heat_pump":
            arrays["variable"][i] += pump.opex_per_mwh * link.gain
            arrays["electricity"][i] += delivered_share / (link.cop - 1)
        existing[i] = link.existing
        if link.existing:
            continue  # capex is sunk
        mode_factor = crf(econ.discount_rate, mode.lifetime_years) + mode.om_fraction
        fixed = mode.capex_fixed + mode.capex_per_km * length
        per_rate = mode.capex_per_capacity + mode.capex_per_capacity_km * length
        arrays["capex_fixed"][i] = fixed
        arrays["capex_per_rate"][i] = per_rate
        arrays["annual_fixed"][i] = mode_factor * fixed
        arrays["annual_per_rate"][i] = mode_factor * per_rate
        if link.type == "heat_pump":
            arrays["capex_fixed"][i] += pump.capex_fixed
            arrays["capex_per_rate"][i] += pump.capex_per_mw * link.gain
            arrays["annual_fixed"][i] += pump_factor * pump.capex_fixed
            arrays["annual_per_rate"][i] += pump_factor * pump.capex_per_mw * link.gain
    supply_of = np.array([link.supply for link in net.links], dtype=int)
    demand_of = np.array([link.demand for link in net.links], dtype=int)
    s_cost = np.array([s.price_cost for s in net.supplies])
    s_em = np.array([s.price_emissions for s in net.supplies])
    d_cost = np.array([d.price_cost for d in net.demands])
    d_em = np.array([d.price_emissions for d in net.demands])
    return Coefficients(
        **arrays,
        existing=existing,
        disposal_cost=s_cost[supply_of] if n else np.zeros(0),
        disposal_emissions=s_em[supply_of] if n else np.zeros(0),
        baseline_cost=d_cost[demand_of] if n else np.zeros(0),
        baseline_emissions=d_em[demand_of] if n else np.zeros(0),
        electricity_price=econ.electricity_price,
        grid_factor=econ.grid_emission_factor,
        carbon_price=econ.carbon_price,
    )


@dataclass(frozen=True)
class Options:
    """What to build into the model beyond SPEC 4's core."""

    targets: bool = True
    """Apply ``targets`` (off for the status-quo baseline)."""
    elastic: bool = False
    """Give every target, forced link and existing capacity a penalised slack (diagnosis)."""
    formulation: str = "tight"
    """``tight`` (circflow's) or ``basic``: the textbook form ``f <= k h``, ``k <= M y`` with M
    the mode's max_capacity (else the largest supply rate), kept to measure what the tight
    form gains (benchmarks)."""


def build_model(net: Network, options: Options = Options()) -> pyo.ConcreteModel:
    """Build the SPEC 4 model of a network.

    The model carries named expressions ``total_cost``, ``emissions``, ``capex`` and
    objectives ``cost`` (total_cost + carbon_price x emissions) and ``emission``, of which
    only ``cost`` is active; `circflow.solve` switches between them.

    Parameters
    ----------
    net
        Candidate network.
    options
        Targets on or off, elastic (diagnosis) form.

    Returns
    -------
    pyomo.environ.ConcreteModel
    """
    m = pyo.ConcreteModel(name="circflow")
    m.net = net
    m.coef = coefficients(net)
    m.unreachable_targets = []
    add_variables(m, net, options)
    add_supply_balance(m, net, options)
    add_demand_balance(m, net, options)
    add_capacity_links(m, net, options)
    add_plan(m, net, options)
    add_accounting(m, net)
    if options.targets:
        add_targets(m, net, options)
    add_objectives(m, options)
    return m


def add_variables(m: pyo.ConcreteModel, net: Network, options: Options) -> None:
    """Decisions per link: built ``y`` (new links), capacity ``k`` (where it costs), rates ``r``.

    ``0 <= r(l,p) <= R(l,p)``: the rate drawn from the supply in period p (unit/h), bounded
    by the link's largest useful flow ``F = `CandidateLink.max_flow``` over the period's hours;
    the flow of SPEC 4 is ``f(l,p) = h_p r(l,p)``. Existing links have no ``y`` (always built).
    """
    links = net.links
    m.L = pyo.RangeSet(0, len(links) - 1) if links else pyo.Set(initialize=[])
    m.P = pyo.RangeSet(0, len(net.periods) - 1)
    m.new_links = pyo.Set(initialize=[i for i, link in enumerate(links) if not link.existing])
    sized = [i for i, link in enumerate(links) if not link.existing and (options.formulation == "basic" or m.coef.has_capacity_cost[i])]
    m.sized_links = pyo.Set(initialize=sized)
    bound = {}
    for i, link in enumerate(links):
        flows = link.max_flow
        if options.elastic and link.existing and link.capacity_limit is not None:
            flows = _uncapped_flow(net, i)
        for p in range(len(net.periods)):
            bound[i, p] = float(flows[p] / net.hours[p])
    m.rate_bound = bound
    m.hours = [float(h) for h in net.hours]
    if options.formulation == "basic":
        m.big_m = _basic_big_m(net)
        existing = {i: links[i].capacity_limit for i, link in enumerate(links) if link.existing}
        m.r = pyo.Var(m.L, m.P, domain=pyo.NonNegativeReals, bounds=lambda _, i, p: (0.0, existing.get(i)))
        m.y = pyo.Var(m.new_links, domain=pyo.Binary)
        m.k = pyo.Var(m.sized_links, domain=pyo.NonNegativeReals)
        return
    m.r = pyo.Var(m.L, m.P, domain=pyo.NonNegativeReals, bounds=lambda _, i, p: (0.0, bound[i, p]))
    m.y = pyo.Var(m.new_links, domain=pyo.Binary)
    m.k = pyo.Var(m.sized_links, domain=pyo.NonNegativeReals, bounds=lambda _, i: (0.0, links[i].max_rate))


def _basic_big_m(net: Network) -> dict[int, float]:
    """M per link of the basic formulation: the mode's max_capacity, else the largest supply rate."""
    largest = max((float(np.max(s.amounts / net.hours)) for s in net.supplies), default=1.0)
    modes = net.park.modes
    return {i: modes[link.mode].max_capacity if modes[link.mode].max_capacity is not None else largest
            for i, link in enumerate(net.links)}


def _uncapped_flow(net: Network, i: int) -> np.ndarray:
    link = net.links[i]
    return np.minimum(net.supplies[link.supply].amounts, net.demands[link.demand].amounts / link.gain)


def add_supply_balance(m: pyo.ConcreteModel, net: Network, options: Options) -> None:
    """SPEC 4 supply: ``sum_l f(l,p) + w(s,p) = a(s,p)``, written ``sum_l r(l,p) <= a(s,p) / h_p``.

    where w >= 0 (disposal) is the row's slack. Rows of streams with one link are implied
    by the flow bound and skipped.
    """
    by_supply: dict[int, list[int]] = {}
    for i, link in enumerate(net.links):
        by_supply.setdefault(link.supply, []).append(i)
    fewest = 0 if options.formulation == "basic" else 1  # basic rates have no bound to imply the row
    rows = [(s, p) for s, ls in by_supply.items() if len(ls) > fewest for p in range(len(net.periods))]
    m.supply_links = by_supply

    def rule(_: pyo.ConcreteModel, s: int, p: int) -> object:
        return sum(m.r[i, p] for i in by_supply[s]) <= float(net.supplies[s].amounts[p]) / m.hours[p]

    m.supply_balance = pyo.Constraint(rows, rule=rule)


def add_demand_balance(m: pyo.ConcreteModel, net: Network, options: Options) -> None:
    """SPEC 4 demand: ``sum_l g(l) f(l,p) + u(d,p) = b(d,p)``, written ``sum_l g r <= b / h_p``.

    where u >= 0 (baseline supply) is the row's slack and g the link's delivery gain.
    """
    by_demand: dict[int, list[int]] = {}
    for i, link in enumerate(net.links):
        by_demand.setdefault(link.demand, []).append(i)
    fewest = 0 if options.formulation == "basic" else 1
    rows = [(d, p) for d, ls in by_demand.items() if len(ls) > fewest for p in range(len(net.periods))]
    m.demand_links = by_demand

    def rule(_: pyo.ConcreteModel, d: int, p: int) -> object:
        return sum(float(net.links[i].gain) * m.r[i, p] for i in by_demand[d]) <= float(net.demands[d].amounts[p]) / m.hours[p]

    m.demand_balance = pyo.Constraint(rows, rule=rule)


def add_capacity_links(m: pyo.ConcreteModel, net: Network, options: Options) -> None:
    """SPEC 4 capacity: ``f(l,p) <= k(l) h_p``, ``k(l) <= max_capacity``, ``k = 0 unless y = 1``.

    Written tightly as ``r(l,p) <= R(l,p) y(l)`` for every new link and, where capacity
    costs money, ``r(l,p) <= k(l)`` and ``k(l) <= K(l) y(l)`` with ``K(l) = max_p R(l,p)``.
    Elastic form: existing capacities get a slack ``r(l,p) <= C(l) + s(l)``.
    """
    if options.formulation == "basic":
        m.flow_capacity = pyo.Constraint(m.sized_links, m.P, rule=lambda _, i, p: m.r[i, p] <= m.k[i])
        m.capacity_on = pyo.Constraint(m.sized_links, rule=lambda _, i: m.k[i] <= m.big_m[i] * m.y[i])
        return
    on_rows = [(i, p) for i in m.new_links for p in m.P if m.rate_bound[i, p] > 0]
    m.flow_on = pyo.Constraint(on_rows, rule=lambda _, i, p: m.r[i, p] <= m.rate_bound[i, p] * m.y[i])
    size_rows = [(i, p) for i in m.sized_links for p in m.P if m.rate_bound[i, p] > 0]
    m.flow_capacity = pyo.Constraint(size_rows, rule=lambda _, i, p: m.r[i, p] <= m.k[i])
    m.capacity_on = pyo.Constraint(m.sized_links, rule=lambda _, i: m.k[i] <= net.links[i].max_rate * m.y[i])
    if options.elastic:
        capped = [i for i, link in enumerate(net.links) if link.existing and link.capacity_limit is not None]
        m.capacity_slack = pyo.Var(capped, domain=pyo.NonNegativeReals)
        m.existing_capacity = pyo.Constraint(
            [(i, p) for i in capped for p in m.P],
            rule=lambda _, i, p: m.r[i, p] <= net.links[i].capacity_limit + m.capacity_slack[i],
        )


def add_plan(m: pyo.ConcreteModel, net: Network, options: Options) -> None:
    """SPEC 4 forced links: ``y(l) = 1``; with a mode-less or multi-stream entry, one of its links.

    Forbidden links were removed from the network. Elastic form: ``sum y + s >= 1``.
    """
    groups = list(range(len(net.forced_groups)))
    if options.elastic:
        m.force_slack = pyo.Var(groups, domain=pyo.NonNegativeReals, bounds=(0, 1))
    def rule(_: pyo.ConcreteModel, g: int) -> object:
        members = [i for i in net.forced_groups[g][1] if i in m.new_links]
        if len(members) < len(net.forced_groups[g][1]):
            return pyo.Constraint.Skip  # an existing link is built already
        slack = m.force_slack[g] if options.elastic else 0
        return sum(m.y[i] for i in members) + slack >= 1

    m.force = pyo.Constraint(groups, rule=rule)


def add_accounting(m: pyo.ConcreteModel, net: Network) -> None:
    """Money and emissions of one year (SPEC 4) as named expressions.

    ``capex = sum C(l)``; ``annualised = sum (CRF + om) C(l)``;
    ``total_cost = annualised + sum_lp f (variable + electricity x price)
    + sum_s disposal_cost w + sum_d baseline_cost u``;
    ``emissions = sum_lp f (transport + electricity x grid) + sum_s disposal_em w + sum_d baseline_em u``,
    with ``w = a - sum f`` and ``u = b - sum g f``.
    """
    c = m.coef
    supplies, demands = net.accounted_streams()
    all_supply = sum(s.price_cost * float(s.amounts.sum()) for s in supplies)
    all_demand = sum(d.price_cost * float(d.amounts.sum()) for d in demands)
    em_supply = sum(s.price_emissions * float(s.amounts.sum()) for s in supplies)
    em_demand = sum(d.price_emissions * float(d.amounts.sum()) for d in demands)
    cost_flow = c.cost_per_flow - c.disposal_cost - c.gain * c.baseline_cost
    em_flow = c.emissions_per_flow - c.disposal_emissions - c.gain * c.baseline_emissions
    flow_sum = {i: sum(m.hours[p] * m.r[i, p] for p in m.P) for i in m.L}
    m.capex = pyo.Expression(expr=sum(c.capex_fixed[i] * m.y[i] for i in m.new_links)
                             + sum(c.capex_per_rate[i] * m.k[i] for i in m.sized_links))
    m.annualised_capex = pyo.Expression(expr=sum(c.annual_fixed[i] * m.y[i] for i in m.new_links)
                                        + sum(c.annual_per_rate[i] * m.k[i] for i in m.sized_links))
    m.total_cost = pyo.Expression(expr=all_supply + all_demand + m.annualised_capex
                                  + sum(float(cost_flow[i]) * flow_sum[i] for i in m.L))
    m.emissions = pyo.Expression(expr=em_supply + em_demand + sum(float(em_flow[i]) * flow_sum[i] for i in m.L))


def add_targets(m: pyo.ConcreteModel, net: Network, options: Options) -> None:
    """SPEC 4 targets: ``sum_{l of r, p} f >= share_r sum_{s of r, p} a``; emissions cap; capex budget.

    The utilisation row is divided by the year's hours (a mean rate on both sides, for
    scaling). Elastic form: each target has a slack, penalised in the diagnosis objective.
    """
    targets = net.park.targets
    supply_total: dict[str, float] = {}
    for s in net.supplies:
        supply_total[s.resource] = supply_total.get(s.resource, 0.0) + float(s.amounts.sum())
    shares = {r: share for r, share in targets.utilization.items() if share > 0 and supply_total.get(r, 0) > 0}
    m.utilization_total = supply_total
    m.utilization_slack = pyo.Var(list(shares), domain=pyo.NonNegativeReals) if options.elastic else None

    carriers = {r: [i for i, link in enumerate(net.links) if link.resource == r] for r in shares}
    if net.accounted is not None:  # one independent part: its own resources' targets only
        shares = {r: share for r, share in shares.items() if carriers[r]}
    m.unreachable_targets = [r for r in shares if not carriers[r] and not options.elastic]

    def utilization(_: pyo.ConcreteModel, r: str) -> object:
        if r in m.unreachable_targets:
            return pyo.Constraint.Skip  # no link can carry r: infeasible, found before solving
        year = sum(m.hours)
        used = sum(m.hours[p] / year * m.r[i, p] for i in carriers[r] for p in m.P)
        slack = m.utilization_slack[r] / year if options.elastic else 0
        return used + slack >= shares[r] * supply_total[r] / year

    m.utilization = pyo.Constraint(list(shares), rule=utilization)
    if targets.max_emissions is not None:
        m.emissions_slack = pyo.Var(domain=pyo.NonNegativeReals) if options.elastic else None
        slack = m.emissions_slack if options.elastic else 0
        m.emission_cap = pyo.Constraint(expr=m.emissions - slack <= targets.max_emissions)
    if targets.max_capex is not None:
        m.capex_slack = pyo.Var(domain=pyo.NonNegativeReals) if options.elastic else None
        slack = m.capex_slack if options.elastic else 0
        m.capex_budget = pyo.Constraint(expr=m.capex - slack <= targets.max_capex)


def add_objectives(m: pyo.ConcreteModel, options: Options) -> None:
    """``cost``: total_cost + carbon_price x emissions; ``emission``: emissions.

    The cost objective is divided by `money_scale` (the solver sees money in thousands or
    millions); `circflow.solve.Solver` multiplies it back. Elastic form: minimise the
    relative size of the relaxations instead.
    """
    scale = money_scale(m)
    m.objective_scales = {"cost": scale, "cheapest": scale}
    m.cost = pyo.Objective(expr=(m.total_cost + m.coef.carbon_price * m.emissions) / scale, sense=pyo.minimize)
    m.emission = pyo.Objective(expr=m.emissions, sense=pyo.minimize)
    m.emission.deactivate()
    if options.elastic:
        m.cost.deactivate()
        m.relaxation = pyo.Objective(expr=relaxation_size(m), sense=pyo.minimize)


def money_scale(m: pyo.ConcreteModel) -> float:
    """A power of ten that brings the largest cost coefficient near 10^3 (at least 1).

    Build decisions cost up to ~10^7 a year while a unit of flow costs ~10^-1: HiGHS warns
    of excessive costs and closes the gap measurably slower without this.
    """
    c = m.coef
    hours = max(m.hours) if len(m.hours) else 1.0
    per_flow = np.abs(c.cost_per_flow - c.disposal_cost - c.gain * c.baseline_cost) * hours
    largest = max([1.0, *np.abs(c.annual_fixed), *np.abs(c.annual_per_rate), *per_flow])
    return float(10 ** max(0, math.floor(math.log10(largest)) - 3))


def relaxation_size(m: pyo.ConcreteModel) -> object:
    """Sum of relaxations, each relative to what it relaxes (so they compare)."""
    net = m.net
    targets = net.park.targets
    terms = []
    if getattr(m, "utilization_slack", None) is not None:
        terms += [m.utilization_slack[r] / m.utilization_total[r] for r in m.utilization_slack]
    if getattr(m, "emissions_slack", None) is not None:
        terms.append(m.emissions_slack / max(targets.max_emissions, 1.0))
    if getattr(m, "capex_slack", None) is not None:
        terms.append(m.capex_slack / max(targets.max_capex, 1.0))
    terms += [m.force_slack[g] for g in m.force_slack]
    terms += [m.capacity_slack[i] / max(net.links[i].capacity_limit, 1e-9) for i in m.capacity_slack]
    return sum(terms)


def prune_dominated(net: Network, objective: str) -> Network:
    """Drop candidate links that can never improve the plan, before the model is built.

    A link's flow is worth at most its *margin* per unit: the disposal and baseline it
    avoids, less its variable cost, electricity and (for ``cost``) carbon, counted as if
    its supply were otherwise disposed of and its demand met conventionally (other links
    can only lower that value). If even the best use of the link (flow at every period's
    bound, the best capacity) cannot pay its annualised capex, then removing it from any
    plan never raises the objective and never breaks a constraint, so it is safe to drop.

    Kept always: existing and forced links, links of a resource with a utilisation target
    (they count towards it), and, under an emission cap or the ``emissions`` objective,
    links that lower emissions.

    Parameters
    ----------
    net
        The candidate network.
    objective
        ``cost``, ``emissions`` or ``both`` (keep a link that either objective might use).
    """
    if not net.links:
        return net
    coef = coefficients(net)
    cost_margin = coef.disposal_cost + coef.gain * coef.baseline_cost - coef.cost_per_flow
    emission_margin = coef.disposal_emissions + coef.gain * coef.baseline_emissions - coef.emissions_per_flow
    pays_with_carbon = _best_annual_value(net, coef, cost_margin + coef.carbon_price * emission_margin) > 0
    pays_without = _best_annual_value(net, coef, cost_margin) > 0
    cleaner = emission_margin > 0
    targets = net.park.targets
    if objective == "cost":
        useful = pays_with_carbon | (cleaner if targets.max_emissions is not None else False)
    elif objective == "emissions":
        useful = cleaner | pays_without  # stage 1 least emissions, stage 2 least total_cost
    else:
        useful = cleaner | pays_without | pays_with_carbon
    protected = {r for r, share in targets.utilization.items() if share > 0}
    keep = [i for i, link in enumerate(net.links)
            if useful[i] or link.existing or link.forced or link.resource in protected]
    return net.subset(keep) if len(keep) < len(net.links) else net


def _best_annual_value(net: Network, coef: Coefficients, margin: np.ndarray) -> np.ndarray:
    """max over capacity k of margin x sum_p min(F_p, k h_p) - annualised capex, per link."""
    flows = np.array([link.max_flow for link in net.links])  # links x periods
    hours = net.hours
    best = np.zeros(len(net.links))  # k = 0: the link carries nothing
    for p in range(len(hours)):  # the best capacity is one of the periods' full rates
        rate = flows[:, p] / hours[p]
        used = np.minimum(flows, rate[:, None] * hours[None, :]).sum(axis=1)
        best = np.maximum(best, margin * used - coef.annual_per_rate * rate)
    return best - coef.annual_fixed
