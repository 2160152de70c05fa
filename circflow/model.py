"""The mixed-integer program of SPEC 4, built from a `Network`.

Fifth stage: ``network -> model -> solve``. The model is a list of plain functions, each
adding one group of SPEC 4 variables or constraints, called in order by `build_model`.
Each group is one vectorised call into a `circflow.linear.LinearProgram` (numpy arrays, no
Python object per row), which HiGHS receives as it is; ``build_model(net).to_pyomo()``
gives the same model, with the same names, as a Pyomo ``ConcreteModel`` to read or
extend. Money and emissions per unit of flow are computed once, as numpy arrays, in
`Coefficients`; the results stage evaluates the KPIs from the same arrays, so the reported
numbers are the objective's own.

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
from typing import TYPE_CHECKING, Any

import numpy as np

from circflow.linear import Linear, LinearProgram, constant
from circflow.network import Network

if TYPE_CHECKING:
    import pyomo.environ as pyo


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


class ParkModel(LinearProgram):
    """SPEC 4 for one network, as a `LinearProgram`, with the network's indices kept.

    Column blocks ``r`` (rate of link i in period p), ``y`` (built, new links), ``k``
    (capacity, where capacity costs money) and, in the elastic form, slacks; row blocks
    named after the SPEC 4 constraint they write; expressions ``capex``,
    ``annualised_capex``, ``total_cost`` and ``emissions``; objectives ``cost`` (total_cost
    + carbon_price x emissions), ``emission``, and ``cheapest`` (total_cost).
    """

    def __init__(self, net: Network, options: Options) -> None:
        super().__init__()
        self.net = net
        self.options = options
        self.coef = coefficients(net)
        self.hours = np.asarray(net.hours, dtype=float)
        self.unreachable_targets: list[str] = []
        self.utilization_total: dict[str, float] = {}
        self.rate = np.zeros((0, len(net.periods)), dtype=np.int64)
        """Column of r(l, p), links x periods."""
        self.built = np.full(len(net.links), -1)
        """Column of y(l); -1 for existing links (always built)."""
        self.size = np.full(len(net.links), -1)
        """Column of k(l); -1 where capacity costs nothing."""
        self.rate_bound = np.zeros((len(net.links), len(net.periods)))

    def to_pyomo(self) -> pyo.ConcreteModel:
        """The model in Pyomo (see `LinearProgram.to_pyomo`), with ``net``, ``coef`` and ``hours``."""
        m = super().to_pyomo()
        m.net, m.coef, m.hours = self.net, self.coef, [float(h) for h in self.hours]
        return m


def build_model(net: Network, options: Options = Options()) -> ParkModel:
    """Build the SPEC 4 model of a network.

    Parameters
    ----------
    net
        Candidate network.
    options
        Targets on or off, elastic (diagnosis) form, formulation.

    Returns
    -------
    ParkModel
        Arrays for HiGHS (`circflow.solve.Solver`); ``.to_pyomo()`` for a Pyomo model.
    """
    m = ParkModel(net, options)
    add_variables(m, options)
    add_supply_balance(m, options)
    add_demand_balance(m, options)
    add_capacity_links(m, options)
    add_plan(m, options)
    add_accounting(m)
    if options.targets:
        add_targets(m, options)
    add_objectives(m, options)
    return m


def _link_array(net: Network, field: str, dtype: Any = float) -> np.ndarray:
    return np.array([getattr(link, field) for link in net.links], dtype=dtype)


def add_variables(m: ParkModel, options: Options) -> None:
    """Decisions per link: built ``y`` (new links), capacity ``k`` (where it costs), rates ``r``.

    ``0 <= r(l,p) <= R(l,p)``: the rate drawn from the supply in period p (unit/h), bounded
    by the link's largest useful flow ``F = `CandidateLink.max_flow``` over the period's hours;
    the flow of SPEC 4 is ``f(l,p) = h_p r(l,p)``. Existing links have no ``y`` (always built).
    """
    net = m.net
    n, periods = len(net.links), len(net.periods)
    flows = np.array([link.max_flow for link in net.links], dtype=float).reshape(n, periods)
    existing = m.coef.existing
    capped = existing & np.array([link.capacity_limit is not None for link in net.links], dtype=bool)
    if options.elastic:
        for i in np.flatnonzero(capped):
            flows[i] = _uncapped_flow(net, int(i))
    m.rate_bound = flows / m.hours if n else flows
    labels = np.indices((n, periods)).reshape(2, -1).T
    new = ~existing
    if options.formulation == "basic":
        upper = np.full((n, periods), np.inf)
        limits = np.array([link.capacity_limit if link.capacity_limit is not None else np.inf for link in net.links])
        upper[capped] = limits[capped, None]
        sized = new
        size_upper: Any = np.inf
    else:
        upper = m.rate_bound
        sized = new & m.coef.has_capacity_cost
        size_upper = _link_array(net, "max_rate")[sized]
    m.rate = m.add_columns("r", labels, lower=0.0, upper=upper.ravel()).reshape(n, periods)
    m.built[new] = m.add_columns("y", np.flatnonzero(new), lower=0.0, upper=1.0, integer=True)
    m.size[sized] = m.add_columns("k", np.flatnonzero(sized), lower=0.0, upper=size_upper)


def _basic_big_m(net: Network) -> np.ndarray:
    """M per link of the basic formulation: the mode's max_capacity, else the largest supply rate."""
    largest = max((float(np.max(s.amounts / net.hours)) for s in net.supplies), default=1.0)
    modes = net.park.modes
    return np.array([modes[link.mode].max_capacity if modes[link.mode].max_capacity is not None else largest
                     for link in net.links], dtype=float)


def _uncapped_flow(net: Network, i: int) -> np.ndarray:
    link = net.links[i]
    return np.minimum(net.supplies[link.supply].amounts, net.demands[link.demand].amounts / link.gain)


def _balance_rows(m: ParkModel, name: str, stream_of: np.ndarray, amounts: np.ndarray, weight: np.ndarray,
                  options: Options) -> None:
    """Rows ``sum_{l of stream} weight(l) r(l,p) <= amount(stream,p) / h_p``, one per stream and period.

    Streams with one link are implied by its bound and left out (basic: kept, its rates
    have no bound to imply the row).
    """
    periods = len(m.hours)
    fewest = 0 if options.formulation == "basic" else 1
    counts = np.bincount(stream_of, minlength=len(amounts))
    streams = np.flatnonzero(counts > fewest)
    position = np.full(len(amounts), -1)
    position[streams] = np.arange(len(streams))
    links = np.flatnonzero(position[stream_of] >= 0)
    row = (position[stream_of[links]][:, None] * periods + np.arange(periods)).ravel()
    value = np.repeat(weight[links], periods)
    labels = np.column_stack([np.repeat(streams, periods), np.tile(np.arange(periods), len(streams))])
    upper = (amounts[streams] / m.hours).ravel() if len(streams) else np.zeros(0)
    m.add_rows(name, labels, (row, m.rate[links].ravel(), value), lower=-np.inf, upper=upper)


def _amounts(streams: list[Any], periods: int) -> np.ndarray:
    return np.array([s.amounts for s in streams], dtype=float).reshape(len(streams), periods)


def add_supply_balance(m: ParkModel, options: Options) -> None:
    """SPEC 4 supply: ``sum_l f(l,p) + w(s,p) = a(s,p)``, written ``sum_l r(l,p) <= a(s,p) / h_p``.

    where w >= 0 (disposal) is the row's slack. Rows of streams with one link are implied
    by the flow bound and skipped.
    """
    net = m.net
    supply_of = _link_array(net, "supply", dtype=np.int64)
    _balance_rows(m, "supply_balance", supply_of, _amounts(net.supplies, len(net.periods)), np.ones(len(net.links)), options)


def add_demand_balance(m: ParkModel, options: Options) -> None:
    """SPEC 4 demand: ``sum_l g(l) f(l,p) + u(d,p) = b(d,p)``, written ``sum_l g r <= b / h_p``.

    where u >= 0 (baseline supply) is the row's slack and g the link's delivery gain.
    """
    net = m.net
    demand_of = _link_array(net, "demand", dtype=np.int64)
    _balance_rows(m, "demand_balance", demand_of, _amounts(net.demands, len(net.periods)), m.coef.gain, options)


def _pairs(m: ParkModel, name: str, first: np.ndarray, second: np.ndarray, factor: np.ndarray, labels: np.ndarray,
           *, upper: Any = 0.0) -> None:
    """Rows ``x(first) - factor x(second) <= upper``, one per entry."""
    count = len(first)
    local = np.arange(count)
    entries = (np.concatenate([local, local]), np.concatenate([first, second]), np.concatenate([np.ones(count), -factor]))
    m.add_rows(name, labels, entries, lower=-np.inf, upper=upper)


def add_capacity_links(m: ParkModel, options: Options) -> None:
    """SPEC 4 capacity: ``f(l,p) <= k(l) h_p``, ``k(l) <= max_capacity``, ``k = 0 unless y = 1``.

    Written tightly as ``r(l,p) <= R(l,p) y(l)`` for every new link and, where capacity
    costs money, ``r(l,p) <= k(l)`` and ``k(l) <= K(l) y(l)`` with ``K(l) = max_p R(l,p)``.
    Elastic form: existing capacities get a slack ``r(l,p) <= C(l) + s(l)``.
    """
    net = m.net
    periods = len(net.periods)
    sized = np.flatnonzero(m.size >= 0)
    if options.formulation == "basic":
        ii = np.repeat(sized, periods)
        pp = np.tile(np.arange(periods), len(sized))
        _pairs(m, "flow_capacity", m.rate[ii, pp], m.size[ii], np.ones(len(ii)), np.column_stack([ii, pp]))
        _pairs(m, "capacity_on", m.size[sized], m.built[sized], _basic_big_m(net)[sized], sized)
        return
    ii, pp = np.nonzero((m.built >= 0)[:, None] & (m.rate_bound > 0))
    _pairs(m, "flow_on", m.rate[ii, pp], m.built[ii], m.rate_bound[ii, pp], np.column_stack([ii, pp]))
    ii, pp = np.nonzero((m.size >= 0)[:, None] & (m.rate_bound > 0))
    _pairs(m, "flow_capacity", m.rate[ii, pp], m.size[ii], np.ones(len(ii)), np.column_stack([ii, pp]))
    _pairs(m, "capacity_on", m.size[sized], m.built[sized], _link_array(net, "max_rate")[sized], sized)
    if options.elastic:
        capped = np.array([i for i, link in enumerate(net.links) if link.existing and link.capacity_limit is not None], dtype=np.int64)
        slack = np.full(len(net.links), -1)
        slack[capped] = m.add_columns("capacity_slack", capped, lower=0.0, upper=np.inf)
        ii = np.repeat(capped, periods)
        pp = np.tile(np.arange(periods), len(capped))
        limits = np.array([net.links[i].capacity_limit for i in ii], dtype=float)
        _pairs(m, "existing_capacity", m.rate[ii, pp], slack[ii], np.ones(len(ii)), np.column_stack([ii, pp]), upper=limits)


def add_plan(m: ParkModel, options: Options) -> None:
    """SPEC 4 forced links: ``y(l) = 1``; with a mode-less or multi-stream entry, one of its links.

    Forbidden links were removed from the network. Elastic form: ``sum y + s >= 1``.
    """
    groups = m.net.forced_groups
    slack = m.add_columns("force_slack", np.arange(len(groups)), lower=0.0, upper=1.0) if options.elastic else None
    kept = [g for g, (_, members) in enumerate(groups) if all(m.built[i] >= 0 for i in members)]  # else built already
    rows = [np.full(len(groups[g][1]), k) for k, g in enumerate(kept)]
    cols = [m.built[groups[g][1]] for g in kept]
    if slack is not None:
        rows.append(np.arange(len(kept)))
        cols.append(slack[kept])
    row, col = np.concatenate(rows or [np.zeros(0, dtype=np.int64)]), np.concatenate(cols or [np.zeros(0, dtype=np.int64)])
    m.add_rows("force", np.array(kept, dtype=np.int64), (row, col, np.ones(len(row))), lower=1.0, upper=np.inf)


def _per_rate(m: ParkModel, per_flow: np.ndarray) -> Linear:
    """``sum_{l,p} per_flow(l) f(l,p)`` in terms of the rates, f = h_p r."""
    return Linear(m.rate.ravel(), (per_flow[:, None] * m.hours[None, :]).ravel())


def _per_link(m: ParkModel, on_built: np.ndarray, on_size: np.ndarray) -> Linear:
    """``sum_l on_built(l) y(l) + on_size(l) k(l)`` over the links that have them."""
    new, sized = m.built >= 0, m.size >= 0
    return Linear(np.concatenate([m.built[new], m.size[sized]]), np.concatenate([on_built[new], on_size[sized]]))


def add_accounting(m: ParkModel) -> None:
    """Money and emissions of one year (SPEC 4) as named expressions.

    ``capex = sum C(l)``; ``annualised = sum (CRF + om) C(l)``;
    ``total_cost = annualised + sum_lp f (variable + electricity x price)
    + sum_s disposal_cost w + sum_d baseline_cost u``;
    ``emissions = sum_lp f (transport + electricity x grid) + sum_s disposal_em w + sum_d baseline_em u``,
    with ``w = a - sum f`` and ``u = b - sum g f``.
    """
    c = m.coef
    supplies, demands = m.net.accounted_streams()
    all_cost = sum(s.price_cost * float(s.amounts.sum()) for s in supplies) + sum(d.price_cost * float(d.amounts.sum()) for d in demands)
    all_emissions = (sum(s.price_emissions * float(s.amounts.sum()) for s in supplies)
                     + sum(d.price_emissions * float(d.amounts.sum()) for d in demands))
    cost_flow = c.cost_per_flow - c.disposal_cost - c.gain * c.baseline_cost
    em_flow = c.emissions_per_flow - c.disposal_emissions - c.gain * c.baseline_emissions
    m.expressions["capex"] = _per_link(m, c.capex_fixed, c.capex_per_rate)
    m.expressions["annualised_capex"] = _per_link(m, c.annual_fixed, c.annual_per_rate)
    m.expressions["total_cost"] = constant(all_cost) + m.expressions["annualised_capex"] + _per_rate(m, cost_flow)
    m.expressions["emissions"] = constant(all_emissions) + _per_rate(m, em_flow)


def add_targets(m: ParkModel, options: Options) -> None:
    """SPEC 4 targets: ``sum_{l of r, p} f >= share_r sum_{s of r, p} a``; emissions cap; capex budget.

    The utilisation row is divided by the year's hours (a mean rate on both sides, for
    scaling). Elastic form: each target has a slack, penalised in the diagnosis objective.
    """
    net = m.net
    targets = net.park.targets
    supply_total: dict[str, float] = {}
    for s in net.supplies:
        supply_total[s.resource] = supply_total.get(s.resource, 0.0) + float(s.amounts.sum())
    shares = {r: share for r, share in targets.utilization.items() if share > 0 and supply_total.get(r, 0) > 0}
    m.utilization_total = supply_total
    resource_of = np.array([link.resource for link in net.links], dtype=object)
    carriers = {r: np.flatnonzero(resource_of == r) for r in shares}
    if net.accounted is not None:  # one independent part: its own resources' targets only
        shares = {r: share for r, share in shares.items() if len(carriers[r])}
    m.unreachable_targets = [r for r in shares if not len(carriers[r]) and not options.elastic]
    reachable = [r for r in shares if r not in m.unreachable_targets]  # the others: infeasible before solving
    year = float(m.hours.sum())
    slack = m.add_columns("utilization_slack", list(shares), lower=0.0, upper=np.inf) if options.elastic else None
    rows, cols, values = [], [], []
    for k, r in enumerate(reachable):
        links = carriers[r]
        rows.append(np.full(links.size * len(m.hours), k))
        cols.append(m.rate[links].ravel())
        values.append(np.tile(m.hours / year, links.size))
        if slack is not None:
            rows.append(np.array([k]))
            cols.append(slack[[list(shares).index(r)]])
            values.append(np.array([1.0 / year]))
    entries = tuple(np.concatenate(part) if part else np.zeros(0) for part in (rows, cols, values))
    m.add_rows("utilization", list(reachable), (entries[0].astype(np.int64), entries[1].astype(np.int64), entries[2]),
               lower=np.array([shares[r] * supply_total[r] / year for r in reachable]), upper=np.inf)
    caps = (("emission_cap", "emissions", "emissions_slack", targets.max_emissions),
            ("capex_budget", "capex", "capex_slack", targets.max_capex))
    for name, expression, slack_name, cap in caps:
        if cap is None:
            continue
        body = m.expressions[expression]
        if options.elastic:
            column = m.add_columns(slack_name, None, lower=0.0, upper=np.inf)
            body = body + Linear(column, np.array([-1.0]))
        m.add_rows(name, None, (np.zeros(len(body.columns), dtype=np.int64), body.columns, body.values),
                   lower=-np.inf, upper=cap - body.constant)


def add_objectives(m: ParkModel, options: Options) -> None:
    """``cost``: total_cost + carbon_price x emissions; ``emission``: emissions; ``cheapest``:
    total_cost (the second stage of the ``emissions`` objective).

    Money objectives are divided by `money_scale` (the solver sees money in thousands or
    millions); `circflow.solve.Solver` multiplies it back. Elastic form: ``relaxation``,
    the relative size of the relaxations, comes first.
    """
    scale = money_scale(m)
    if options.elastic:
        m.add_objective("relaxation", relaxation_size(m))
    m.add_objective("cost", m.expressions["total_cost"] + m.coef.carbon_price * m.expressions["emissions"], scale)
    m.add_objective("emission", m.expressions["emissions"])
    m.add_objective("cheapest", m.expressions["total_cost"], scale)


def money_scale(m: ParkModel) -> float:
    """A power of ten that brings the largest cost coefficient near 10^3 (at least 1).

    Build decisions cost up to ~10^7 a year while a unit of flow costs ~10^-1: HiGHS warns
    of excessive costs and closes the gap measurably slower without this.
    """
    c = m.coef
    hours = float(m.hours.max()) if len(m.hours) else 1.0
    per_flow = np.abs(c.cost_per_flow - c.disposal_cost - c.gain * c.baseline_cost) * hours
    largest = max(1.0, *(float(np.max(a, initial=0.0)) for a in (np.abs(c.annual_fixed), np.abs(c.annual_per_rate), per_flow)))
    return float(10 ** max(0, math.floor(math.log10(largest)) - 3))


def relaxation_size(m: ParkModel) -> Linear:
    """Sum of relaxations, each relative to what it relaxes (so they compare)."""
    net = m.net
    targets = net.park.targets
    terms = constant(0.0)
    weights = {
        "utilization_slack": lambda r: 1.0 / m.utilization_total[r],
        "emissions_slack": lambda _: 1.0 / max(targets.max_emissions or 0.0, 1.0),
        "capex_slack": lambda _: 1.0 / max(targets.max_capex or 0.0, 1.0),
        "force_slack": lambda _: 1.0,
        "capacity_slack": lambda i: 1.0 / max(net.links[i].capacity_limit, 1e-9),
    }
    for name, weight in weights.items():
        block = m.columns.get(name)
        if block is not None:
            values = np.array([weight(block.label(k)) for k in range(block.size)])
            terms = terms + Linear(np.arange(block.start, block.start + block.size), values)
    return terms


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
