"""The mixed-integer program of SPEC 4 and 8, built from a `Network`.

Fifth stage: ``network -> model -> solve``. The model is a list of plain functions, each
adding one group of variables or constraints, called in order by `build_model`. Each group
is one vectorised call into a `circflow.linear.LinearProgram` (numpy arrays, no Python
object per row), which HiGHS receives as it is; ``build_model(net).to_pyomo()`` gives the
same model, with the same names, as a Pyomo ``ConcreteModel`` to read or extend.

Money and emissions are defined once, in `Coefficients`: per unit of flow of each link,
per link built, per unit of capacity, per process, and the constants of streams handled
without symbiosis. The objective is built from those arrays and `Coefficients.totals`
evaluates the same arrays for the KPIs and the link table, so the reported numbers are the
objective's own (docs/model.md writes every term out).

Formulation notes (all exact reformulations of SPEC 4 and 8):

- disposal ``w(s,p)`` and baseline supply ``u(d,p)`` are the slacks of the supply and
  demand rows, so the balances are written ``sum f <= a`` and ``sum g f <= b`` and their
  cost enters as a constant minus the flows it avoids;
- the flow variable is the average rate in the period, ``r(l,p) = f(l,p) / h_p`` (unit/h),
  so capacity rows read ``r <= k`` and every coefficient stays within a few orders of
  magnitude (rates of 1-10^4 instead of period totals of up to 10^8);
- each rate has its own tight bound tied to the build decision,
  ``r(l,p) <= R(l,p) y(l)`` with ``R = min(sigma a(s,p), rho b(d,p)/g(l), capacity_limit h_p) / h_p``,
  the largest flow that can ever be useful; a capacity variable ``k(l)`` exists only where
  capacity costs money, with ``k(l) <= max_p R(l,p) y(l)`` (the smallest valid M);
- supply and demand rows with a single link are implied by its bound and left out;
- a process's input is the sum of what its links deliver, ``x(q,p) = sum g r``; its
  outputs' rows read ``sum r(out) <= yield x(q,p)`` (SPEC 8.2).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from circflow.extend import Rules, add_extra_rows, column_symbols
from circflow.linear import Linear, LinearProgram, constant
from circflow.linktypes import TECHNOLOGIES, capex_per_mw_km
from circflow.network import ON_SITE, ON_SITE_MODE, Network

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


CAPITAL_TERMS = (
    "capex_fixed",
    "capex_per_rate",
    "annual_fixed",
    "annual_per_rate",
    "capital_fixed",
    "capital_per_rate",
)
"""What a link's or process's capex costs: the capex (fixed, and per unit/h of capacity), its
annual cost (CRF + O&M fraction) and its capital charge (CRF alone), each fixed and per rate."""


def capital_terms(discount_rate: float, parts: Iterable[tuple[float, float, float, float]]) -> dict[str, float]:
    """`CAPITAL_TERMS` of an asset made of parts, each ``(capex_fixed, capex_per_rate, lifetime_years,
    om_fraction)``: a link's mode and its technology, or a process (SPEC 4).

    Examples
    --------
    >>> terms = capital_terms(0.0, [(1000.0, 10.0, 10.0, 0.02)])
    >>> round(terms["annual_fixed"], 6), round(terms["capital_fixed"], 6)
    (120.0, 100.0)
    """
    terms = dict.fromkeys(CAPITAL_TERMS, 0.0)
    for fixed, per_rate, lifetime_years, om_fraction in parts:
        recovery = crf(discount_rate, lifetime_years)
        terms["capex_fixed"] += fixed
        terms["capex_per_rate"] += per_rate
        terms["annual_fixed"] += (recovery + om_fraction) * fixed
        terms["annual_per_rate"] += (recovery + om_fraction) * per_rate
        terms["capital_fixed"] += recovery * fixed
        terms["capital_per_rate"] += recovery * per_rate
    return terms


COST_TERMS = ("variable", "electricity", "drive", "process", "disposal", "baseline", "market")
"""The parts of total_cost that scale with flows (besides annualised capex), in SPEC 4 and 8 order."""
EMISSION_TERMS = ("transport", "electricity", "drive", "process", "disposal", "baseline", "market")


@dataclass(frozen=True)
class Coefficients:
    """Money, energy and emissions of SPEC 4 and 8: the one definition every number uses.

    Per candidate link: capex ``capex_fixed * y + capex_per_rate * k`` and its annualised
    cost ``annual_fixed * y + annual_per_rate * k`` (CRF plus O&M of the mode and of the heat
    technology, each with its own lifetime); per unit of flow drawn from the supply, the
    money terms in ``cost[term]`` and the emission terms in ``emissions[term]`` (`COST_TERMS`,
    `EMISSION_TERMS`), which include the disposal and baseline the flow avoids (negative) and
    the disposal of process outputs it creates. Per process: capex and annualised capex per
    process built and per unit/h of input capacity. ``constant_cost`` and
    ``constant_emissions`` are the disposal and baseline of every accounted stream if
    nothing flowed.
    """

    capex_fixed: np.ndarray
    capex_per_rate: np.ndarray
    annual_fixed: np.ndarray
    annual_per_rate: np.ndarray
    variable: np.ndarray
    """Money per unit drawn: the mode's opex and the heat technology's."""
    electricity: np.ndarray
    """MWh of electricity per unit drawn: pumping, compressors, the receiving process."""
    drive_heat: np.ndarray
    """MWh of driving steam per unit drawn (absorption heat pumps)."""
    transport_emissions: np.ndarray
    gain: np.ndarray
    prebuilt: np.ndarray
    """No build decision and no capex: existing or on-site links."""
    cost: dict[str, np.ndarray]
    emissions: dict[str, np.ndarray]
    process_capex_fixed: np.ndarray
    process_capex_per_rate: np.ndarray
    process_annual_fixed: np.ndarray
    process_annual_per_rate: np.ndarray
    process_existing: np.ndarray
    constant_cost: dict[str, float]
    constant_emissions: dict[str, float]
    electricity_price: float
    grid_factor: float
    carbon_price: float
    drive_price: float
    drive_emission_factor: float
    capital_fixed: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """The capital charge alone (CRF, no O&M) of ``annual_fixed``: what a payback is measured against."""
    capital_per_rate: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """The capital charge alone of ``annual_per_rate``."""
    technology_capex_fixed: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """The heat technology's share of ``capex_fixed`` (a heat pump beside its pipe)."""
    technology_capex_per_rate: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """The heat technology's share of ``capex_per_rate``."""
    process_capital_fixed: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """The capital charge alone of ``process_annual_fixed``."""
    process_capital_per_rate: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """The capital charge alone of ``process_annual_per_rate``."""

    @property
    def cost_per_flow(self) -> np.ndarray:
        """Change of total_cost per unit of flow: every money term, disposal and baseline avoided included."""
        return sum((self.cost[t] for t in COST_TERMS), np.zeros(len(self.gain)))

    @property
    def emissions_per_flow(self) -> np.ndarray:
        """Change of emissions per unit of flow, every term included."""
        return sum((self.emissions[t] for t in EMISSION_TERMS), np.zeros(len(self.gain)))

    @property
    def objective_per_flow(self) -> np.ndarray:
        """The cost objective per unit of flow: total_cost + carbon_price x emissions."""
        return self.cost_per_flow + self.carbon_price * self.emissions_per_flow

    @property
    def has_capacity_cost(self) -> np.ndarray:
        return (self.capex_per_rate > 0) | (self.annual_per_rate > 0)

    @property
    def process_has_capacity_cost(self) -> np.ndarray:
        return (self.process_capex_per_rate > 0) | (self.process_annual_per_rate > 0)

    def totals(
        self,
        flow_total: np.ndarray,
        built: np.ndarray,
        capacity: np.ndarray,
        process_built: np.ndarray,
        process_capacity: np.ndarray,
    ) -> dict[str, Any]:
        """Money and emissions of one year for a plan (SPEC 4, 8): the KPIs' one formula.

        Parameters
        ----------
        flow_total
            Flow drawn over the year, per link.
        built, capacity
            Per link: built, and capacity (unit/h drawn).
        process_built, process_capacity
            Per process: built, and input capacity (unit/h).
        """
        new = built & ~self.prebuilt
        new_process = process_built & ~self.process_existing
        capex = float(
            np.where(new, self.capex_fixed + self.capex_per_rate * capacity, 0.0).sum()
            + np.where(
                new_process, self.process_capex_fixed + self.process_capex_per_rate * process_capacity, 0.0
            ).sum()
        )
        annualised = float(
            np.where(new, self.annual_fixed + self.annual_per_rate * capacity, 0.0).sum()
            + np.where(
                new_process, self.process_annual_fixed + self.process_annual_per_rate * process_capacity, 0.0
            ).sum()
        )
        money = {t: self.constant_cost.get(t, 0.0) + float(self.cost[t] @ flow_total) for t in COST_TERMS}
        tco2 = {t: self.constant_emissions.get(t, 0.0) + float(self.emissions[t] @ flow_total) for t in EMISSION_TERMS}
        total_cost = annualised + sum(money.values())
        emissions = sum(tco2.values())
        return {
            "total_cost": total_cost,
            "carbon_cost": self.carbon_price * emissions,
            "emissions": emissions,
            "capex": capex,
            "annualized_capex": annualised,
            "variable_cost": money["variable"],
            "electricity_cost": money["electricity"],
            "drive_cost": money["drive"],
            "process_cost": money["process"],
            "disposal_cost": money["disposal"],
            "baseline_cost": money["baseline"],
            "market_revenue": -money["market"],
            "electricity_mwh": float(self.electricity @ flow_total),
            "drive_mwh": float(self.drive_heat @ flow_total),
            "emission_sources": tco2,
        }


def coefficients(net: Network) -> Coefficients:
    """Compute `Coefficients` for every candidate link and process of ``net`` (SPEC 4, 8)."""
    park = net.park
    econ = park.economics
    absorption = park.technologies.absorption_heat_pump
    n = len(net.links)
    arrays = {
        name: np.zeros(n)
        for name in (
            *CAPITAL_TERMS,
            "variable",
            "electricity",
            "drive_heat",
            "transport_emissions",
            "gain",
            "technology_capex_fixed",
            "technology_capex_per_rate",
        )
    }
    prebuilt = np.zeros(n, dtype=bool)
    for i, link in enumerate(net.links):
        mode = ON_SITE_MODE if link.mode == ON_SITE else park.modes[link.mode]
        length = link.length_km
        delivered_share = 1 - mode.loss_per_km * length  # heat reaching the far end, per unit drawn
        tech = TECHNOLOGIES[link.type]
        own = tech.costs(park, link.cop, link.gain, delivered_share)
        arrays["gain"][i] = link.gain
        arrays["variable"][i] = mode.opex_per_unit + mode.opex_per_unit_km * length + own.variable
        arrays["electricity"][i] = mode.electricity_per_unit_km * length + own.electricity
        arrays["drive_heat"][i] = own.drive_heat
        arrays["transport_emissions"][i] = mode.emissions_per_unit_km * length
        prebuilt[i] = link.prebuilt
        if link.prebuilt:
            continue  # capex is sunk (existing) or nil (on site)
        per_km = mode.capex_per_capacity_km
        if mode.capex_per_flow_km > 0 and link.temperatures is not None:
            delta_t = tech.pipe_delta_t(link.temperatures)
            per_km = capex_per_mw_km(mode.capex_per_flow_km, delta_t if delta_t > 0 else mode.design_delta_t_k)
            per_km *= tech.pipe_heat(link.cop)
        fixed = mode.capex_fixed + mode.capex_per_km * length
        per_rate = mode.capex_per_capacity + per_km * length
        terms = capital_terms(
            econ.discount_rate,
            [
                (fixed, per_rate, mode.lifetime_years, mode.om_fraction),
                (own.capex_fixed, own.capex_per_rate, own.lifetime_years, own.om_fraction),
            ],
        )
        for name, value in terms.items():
            arrays[name][i] = value
        arrays["technology_capex_fixed"][i] = own.capex_fixed
        arrays["technology_capex_per_rate"][i] = own.capex_per_rate
    gain = arrays["gain"]
    supply_of = np.array([link.supply for link in net.links], dtype=np.int64)
    demand_of = np.array([link.demand for link in net.links], dtype=np.int64)

    def at(values: list[float], of: np.ndarray) -> np.ndarray:
        return np.asarray(values, dtype=float)[of] if n else np.zeros(0)

    # what one unit of input costs a process, and the disposal of its outputs it creates (SPEC 8.2)
    sink_opex, sink_electricity, sink_emissions = (
        np.zeros(len(net.demands)),
        np.zeros(len(net.demands)),
        np.zeros(len(net.demands)),
    )
    created_cost, created_emissions = np.zeros(len(net.demands)), np.zeros(len(net.demands))
    for process in net.processes:
        spec = process.spec
        sink_opex[process.input] = spec.opex_per_unit
        sink_electricity[process.input] = spec.electricity_per_unit
        sink_emissions[process.input] = spec.emissions_per_unit
        for s in process.outputs:
            output = net.supplies[s]
            created_cost[process.input] += output.output_yield * output.price_cost
            created_emissions[process.input] += output.output_yield * output.price_emissions
    arrays["electricity"] += gain * sink_electricity[demand_of] if n else 0.0
    s_cost, s_em = (
        at([s.price_cost for s in net.supplies], supply_of),
        at([s.price_emissions for s in net.supplies], supply_of),
    )
    d_cost = at([d.price_cost for d in net.demands], demand_of)  # 0 for markets and process inputs
    d_em = at([d.price_emissions for d in net.demands], demand_of)
    sale = at([d.sale_price for d in net.demands], demand_of)
    sale_em = at([d.sale_emissions for d in net.demands], demand_of)

    def margin(
        own: tuple[str, np.ndarray],
        per_electricity: float,
        per_drive: float,
        per_process_input: np.ndarray,
        created: np.ndarray,
        supply_price: np.ndarray,
        demand_price: np.ndarray,
        per_sale: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """One account (money or tCO2) per unit drawn, term by term: the link's own, its electricity
        and driving steam, the process it feeds, the disposal it avoids less what the process's
        outputs create, the conventional supply it replaces, the sale."""
        return {
            own[0]: own[1],
            "electricity": arrays["electricity"] * per_electricity,
            "drive": arrays["drive_heat"] * per_drive,
            "process": gain * per_process_input[demand_of] if n else np.zeros(0),
            "disposal": -supply_price + (gain * created[demand_of] if n else 0.0),
            "baseline": -gain * demand_price,
            "market": gain * per_sale,
        }

    cost, emissions = (
        margin(*account)
        for account in zip(  # margin's arguments, each as (money, tCO2)
            (("variable", arrays["variable"]), ("transport", arrays["transport_emissions"])),
            (econ.electricity_price, econ.grid_emission_factor),
            (absorption.drive_cost_per_mwh, absorption.drive_emissions_per_mwh),
            (sink_opex, sink_emissions),
            (created_cost, created_emissions),
            (s_cost, s_em),
            (d_cost, d_em),
            (-sale, sale_em),  # a sale earns: negative cost
            strict=True,
        )
    )
    supplies, demands = net.accounted_streams()
    fixed_supplies = [s for s in supplies if s.role == "supply"]
    fixed_demands = [d for d in demands if d.role == "demand"]
    constant_cost = {
        "disposal": sum(s.price_cost * float(s.amounts.sum()) for s in fixed_supplies),
        "baseline": sum(d.price_cost * float(d.amounts.sum()) for d in fixed_demands),
    }
    constant_emissions = {
        "disposal": sum(s.price_emissions * float(s.amounts.sum()) for s in fixed_supplies),
        "baseline": sum(d.price_emissions * float(d.amounts.sum()) for d in fixed_demands),
    }
    q = len(net.processes)
    process_arrays = {name: np.zeros(q) for name in CAPITAL_TERMS}
    for process in net.processes:
        spec = process.spec
        if spec.existing:
            continue
        terms = capital_terms(
            econ.discount_rate, [(spec.capex_fixed, spec.capex_per_capacity, spec.lifetime_years, spec.om_fraction)]
        )
        for name, value in terms.items():
            process_arrays[name][process.index] = value
    return Coefficients(
        **arrays,
        prebuilt=prebuilt,
        cost=cost,
        emissions=emissions,
        **{f"process_{name}": values for name, values in process_arrays.items()},
        process_existing=np.array([p.existing for p in net.processes], dtype=bool),
        constant_cost=constant_cost,
        constant_emissions=constant_emissions,
        electricity_price=econ.electricity_price,
        grid_factor=econ.grid_emission_factor,
        carbon_price=econ.carbon_price,
        drive_price=absorption.drive_cost_per_mwh,
        drive_emission_factor=absorption.drive_emissions_per_mwh,
    )


@dataclass(frozen=True)
class Options:
    """What to build into the model beyond SPEC 4's core."""

    targets: bool = True
    """Apply ``targets`` (off for the status quo)."""
    elastic: bool = False
    """Give every target, forced link and existing capacity a penalised slack (diagnosis)."""
    formulation: str = "tight"
    """``tight`` (circflow's) or ``basic``: the textbook form ``f <= k h``, ``k <= M y`` with M
    the link's largest useful rate, kept to measure what the tight form gains (benchmarks)."""
    fixed_plan: bool = False
    """The linear program of a plan whose build decisions are made: every link and process
    of the network is built (no ``y`` or ``z``; their fixed capex is a constant), every
    stream has its balance row, and every limit that follows from a stream's amount is a
    row of its own (``supply_share``, every preheat band) while column bounds hold only
    capacities. So no bound hides a row, and the rows' duals are the marginal values of
    SPEC 9 (`circflow.marginals`)."""


class ParkModel(LinearProgram):
    """SPEC 4 and 8 for one network, as a `LinearProgram`, with the network's indices kept.

    Column blocks ``r`` (rate of link i in period p), ``y`` (built, new links), ``k``
    (capacity, where capacity costs money), ``z`` (built, candidate processes), ``c`` (input
    capacity of a process, where it costs money) and, in the elastic form, slacks; row blocks
    named after the constraint they write; expressions ``capex``, ``annualised_capex``,
    ``total_cost`` and ``emissions``; objectives ``cost`` (total_cost + carbon_price x
    emissions), ``emission``, and ``cheapest`` (total_cost).
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
        """Column of y(l); -1 for links without a build decision (existing, on site)."""
        self.size = np.full(len(net.links), -1)
        """Column of k(l); -1 where capacity costs nothing."""
        self.rate_bound = np.zeros((len(net.links), len(net.periods)))
        self.process_built = np.full(len(net.processes), -1)
        """Column of z(q); -1 for existing processes and processes without links."""
        self.process_size = np.full(len(net.processes), -1)
        """Column of c(q); -1 where input capacity costs nothing."""
        self.into: dict[int, np.ndarray] = {}
        """Process -> the links delivering into its input."""
        self.extra_rhs: dict[str, float] = {}
        """Right-hand side of each rule row added from Python (`circflow.extend`), by name."""
        self.rule_links: frozenset[str] = frozenset()
        """Links a rule added from Python names (build decision, capacity or flow; every link for
        a rule on a park-wide sum): built as the solver says, even without flow
        (`circflow.results.Solution.from_values`)."""
        self.rule_processes: frozenset[str] = frozenset()
        """Processes whose build decision a rule names, likewise."""

    def to_pyomo(self) -> pyo.ConcreteModel:
        """The model in Pyomo (see `LinearProgram.to_pyomo`), with ``net``, ``coef`` and ``hours``."""
        import pyomo.environ as pyo  # only the Pyomo form needs it

        m = super().to_pyomo()
        m.net, m.coef, m.hours = self.net, self.coef, [float(h) for h in self.hours]
        m.link_index = {link.id: i for i, link in enumerate(self.net.links)}
        m.process_index = {process.path: process.index for process in self.net.processes}
        # what the model is made of, so that what a study adds to it can be read back (`PyomoAdditions`)
        m.circflow_symbols = column_symbols(self)
        m.circflow_rows = frozenset(c.name for c in m.component_objects(pyo.Constraint))
        m.circflow_cost = m.cost.expr
        m.circflow_bounds = [(var.lb, var.ub) for var in m.columns]
        m.circflow_objectives = frozenset(o.name for o in m.component_objects(pyo.Objective))
        return m


def build_model(net: Network, options: Options = Options(), extra: Rules | None = None) -> ParkModel:
    """Build the SPEC 4 and 8 model of a network.

    Parameters
    ----------
    net
        Candidate network.
    options
        Targets on or off, elastic (diagnosis) form, formulation.
    extra
        Rules added from Python (SPEC 10, `circflow.extend.record`): their rows (block
        ``extra``) and objective terms (in total_cost and the cost objective).

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
    add_processes(m)
    add_preheat_bands(m)
    add_plan(m, options)
    add_accounting(m)
    if options.targets:
        add_targets(m, options)
    add_extra_rows(m, extra, elastic=options.elastic)
    if "extra_cost" in m.expressions:  # the rules' objective terms are money per year of the plan
        m.expressions["total_cost"] = m.expressions["total_cost"] + m.expressions["extra_cost"]
    m.extra_rhs = {row.name: row.rhs for row in extra.rows} if extra else {}
    named = extra.symbols() if extra else set()
    # a rule on a link's build decision, capacity or flow, or on a park-wide sum, may need a
    # link built that carries nothing: reading the plan keeps those (`results.removable_links`)
    park_wide = extra is not None and extra.park_wide
    m.rule_links = (
        frozenset(link.id for link in net.links)
        if park_wide
        else frozenset(s[1] for s in named if s[0] in ("r", "y", "k"))
    )
    m.rule_processes = (
        frozenset(p.path for p in net.processes) if park_wide else frozenset(s[1] for s in named if s[0] in ("z", "c"))
    )
    add_objectives(m, options)
    return m


def _link_array(net: Network, field: str, dtype: Any = float) -> np.ndarray:
    return np.array([getattr(link, field) for link in net.links], dtype=dtype)


def add_variables(m: ParkModel, options: Options) -> None:
    """Decisions per link: built ``y`` (new links), capacity ``k`` (where it costs), rates ``r``;
    per process: built ``z`` (candidates that links can feed), input capacity ``c`` (where it costs).

    ``0 <= r(l,p) <= R(l,p)``: the rate drawn from the supply in period p (unit/h), bounded
    by the link's largest useful flow ``F = `CandidateLink.max_flow``` over the period's hours;
    the flow of SPEC 4 is ``f(l,p) = h_p r(l,p)``. Existing and on-site links have no ``y``.
    """
    net = m.net
    n, periods = len(net.links), len(net.periods)
    flows = np.array([link.max_flow for link in net.links], dtype=float).reshape(n, periods)
    prebuilt = m.coef.prebuilt
    capped = np.array([link.existing and link.capacity_limit is not None for link in net.links], dtype=bool)
    if options.elastic:
        for i in np.flatnonzero(capped):
            flows[i] = _uncapped_flow(net, int(i))
    m.rate_bound = flows / m.hours if n else flows
    labels = np.indices((n, periods)).reshape(2, -1).T
    new = ~prebuilt
    sized = new & m.coef.has_capacity_cost
    size_upper: np.ndarray | float
    if options.fixed_plan:  # capacities only: the amounts are rows (add_supply_balance, add_capacity_links)
        limits = np.array([np.inf if link.capacity_limit is None else link.capacity_limit for link in net.links])
        upper = np.repeat(limits[:, None], periods, axis=1) if n else np.zeros((0, periods))
        size_upper = limits[sized]
    elif options.formulation == "basic":
        upper = np.full((n, periods), np.inf)
        limits = np.array([link.capacity_limit if link.capacity_limit is not None else np.inf for link in net.links])
        upper[capped] = limits[capped, None]
        shares = np.array([link.share < 1 or link.band is not None for link in net.links], dtype=bool)
        upper[shares] = m.rate_bound[shares]  # a physical limit of heat exchange, not a big M
        upper[prebuilt & ~capped] = m.rate_bound[prebuilt & ~capped]
        sized = new
        size_upper = np.inf
    else:
        upper = m.rate_bound
        size_upper = _link_array(net, "max_rate")[sized]
    m.rate = m.add_columns("r", labels, lower=0.0, upper=upper.ravel()).reshape(n, periods)
    if not options.fixed_plan:
        m.built[new] = m.add_columns("y", np.flatnonzero(new), lower=0.0, upper=1.0, integer=True)
    m.size[sized] = m.add_columns("k", np.flatnonzero(sized), lower=0.0, upper=size_upper)
    demand_of = _link_array(net, "demand", dtype=np.int64)
    processes = net.active_processes()
    m.into = {p.index: np.flatnonzero(demand_of == p.input) for p in processes}
    decided = np.array([p.index for p in processes if not p.existing and len(m.into[p.index])], dtype=np.int64)
    if not options.fixed_plan:
        m.process_built[decided] = m.add_columns("z", decided, lower=0.0, upper=1.0, integer=True)
    sized_q = decided[m.coef.process_has_capacity_cost[decided]] if len(decided) else decided
    if options.fixed_plan:
        limits_q = np.array([net.processes[q].spec.capacity or np.inf for q in sized_q], dtype=float)
    else:
        limits_q = np.array([_process_limit(net, q) for q in sized_q], dtype=float)
    m.process_size[sized_q] = m.add_columns("c", sized_q, lower=0.0, upper=limits_q)


def _process_limit(net: Network, q: int) -> float:
    """Largest input capacity of process q worth having: its capacity, or what its links bring."""
    process = net.processes[q]
    rate = process.max_rate
    return rate if process.spec.capacity is None else min(rate, process.spec.capacity)


def _uncapped_flow(net: Network, i: int) -> np.ndarray:
    link = net.links[i]
    band = 1.0 if link.band is None else link.band
    with np.errstate(invalid="ignore"):
        flow = np.minimum(
            link.share * net.supplies[link.supply].amounts, band * net.demands[link.demand].amounts / link.gain
        )
    return np.nan_to_num(flow, posinf=0.0)


def _balance_rows(
    m: ParkModel,
    name: str,
    stream_of: np.ndarray,
    amounts: np.ndarray,
    weight: np.ndarray,
    options: Options,
    eligible: np.ndarray,
) -> None:
    """Rows ``sum_{l of stream} weight(l) r(l,p) <= amount(stream,p) / h_p``, one per stream and period.

    Streams with one link are implied by its bound and left out (basic and fixed plan:
    kept, its rates have no bound to imply the row); so are streams not ``eligible``
    (process streams, markets without a limit).
    """
    periods = len(m.hours)
    fewest = 0 if options.formulation == "basic" or options.fixed_plan else 1
    counts = np.bincount(stream_of, minlength=len(amounts))
    streams = np.flatnonzero((counts > fewest) & eligible)
    position = np.full(len(amounts), -1)
    position[streams] = np.arange(len(streams))
    links = np.flatnonzero(position[stream_of] >= 0) if len(stream_of) else np.zeros(0, dtype=np.int64)
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
    by the flow bound and skipped. Process outputs have rows of their own (`add_processes`).
    """
    net = m.net
    supply_of = _link_array(net, "supply", dtype=np.int64)
    plain = np.array([s.role == "supply" for s in net.supplies], dtype=bool)
    _balance_rows(
        m,
        "supply_balance",
        supply_of,
        _amounts(net.supplies, len(net.periods)),
        np.ones(len(net.links)),
        options,
        plain,
    )


def add_demand_balance(m: ParkModel, options: Options) -> None:
    """SPEC 4 demand: ``sum_l g(l) f(l,p) + u(d,p) = b(d,p)``, written ``sum_l g r <= b / h_p``.

    where u >= 0 (baseline supply) is the row's slack and g the link's delivery gain. A
    market's buy is a demand without baseline (SPEC 8.1): a row only when it has a limit.
    """
    net = m.net
    demand_of = _link_array(net, "demand", dtype=np.int64)
    amounts = _amounts(net.demands, len(net.periods))
    eligible = np.array([d.role in ("demand", "market") for d in net.demands], dtype=bool) & np.isfinite(amounts).all(
        axis=1
    )
    _balance_rows(
        m, "demand_balance", demand_of, np.where(np.isfinite(amounts), amounts, 0.0), m.coef.gain, options, eligible
    )


def _pairs(
    m: ParkModel,
    name: str,
    first: np.ndarray,
    second: np.ndarray,
    factor: np.ndarray,
    labels: np.ndarray,
    *,
    upper: Any = 0.0,
) -> None:
    """Rows ``x(first) - factor x(second) <= upper``, one per entry."""
    count = len(first)
    local = np.arange(count)
    entries = (
        np.concatenate([local, local]),
        np.concatenate([first, second]),
        np.concatenate([np.ones(count), -factor]),
    )
    m.add_rows(name, labels, entries, lower=-np.inf, upper=upper)


def add_capacity_links(m: ParkModel, options: Options) -> None:
    """SPEC 4 capacity: ``f(l,p) <= k(l) h_p``, ``k(l) <= max_capacity``, ``k = 0 unless y = 1``.

    Written tightly as ``r(l,p) <= R(l,p) y(l)`` for every new link and, where capacity
    costs money, ``r(l,p) <= k(l)`` and ``k(l) <= K(l) y(l)`` with ``K(l) = max_p R(l,p)``.
    Basic form: ``r(l,p) <= k(l)`` and ``k(l) <= K(l) y(l)`` only. Elastic form: existing
    capacities get a slack ``r(l,p) <= C(l) + s(l)``.
    """
    net = m.net
    periods = len(net.periods)
    sized = np.flatnonzero(m.size >= 0)
    if options.fixed_plan:  # every link is built: rates within capacity and within their share of the supply
        ii, pp = np.nonzero((m.size >= 0)[:, None] & np.ones((1, periods), dtype=bool))
        _pairs(m, "flow_capacity", m.rate[ii, pp], m.size[ii], np.ones(len(ii)), np.column_stack([ii, pp]))
        add_supply_share(m)
        return
    if options.formulation == "basic":
        ii = np.repeat(sized, periods)
        pp = np.tile(np.arange(periods), len(sized))
        _pairs(m, "flow_capacity", m.rate[ii, pp], m.size[ii], np.ones(len(ii)), np.column_stack([ii, pp]))
        _pairs(m, "capacity_on", m.size[sized], m.built[sized], _link_array(net, "max_rate")[sized], sized)
        return
    ii, pp = np.nonzero((m.built >= 0)[:, None] & (m.rate_bound > 0))
    _pairs(m, "flow_on", m.rate[ii, pp], m.built[ii], m.rate_bound[ii, pp], np.column_stack([ii, pp]))
    ii, pp = np.nonzero((m.size >= 0)[:, None] & (m.rate_bound > 0))
    _pairs(m, "flow_capacity", m.rate[ii, pp], m.size[ii], np.ones(len(ii)), np.column_stack([ii, pp]))
    _pairs(m, "capacity_on", m.size[sized], m.built[sized], _link_array(net, "max_rate")[sized], sized)
    if options.elastic:
        capped = np.array(
            [i for i, link in enumerate(net.links) if link.existing and link.capacity_limit is not None], dtype=np.int64
        )
        slack = np.full(len(net.links), -1)
        slack[capped] = m.add_columns("capacity_slack", capped, lower=0.0, upper=np.inf)
        ii = np.repeat(capped, periods)
        pp = np.tile(np.arange(periods), len(capped))
        limits = np.array([net.links[i].capacity_limit for i in ii], dtype=float)
        _pairs(
            m, "existing_capacity", m.rate[ii, pp], slack[ii], np.ones(len(ii)), np.column_stack([ii, pp]), upper=limits
        )


def add_supply_share(m: ParkModel) -> None:
    """SPEC 8.3 share of a heat supply a link may draw, as a row (fixed plan only):
    ``r(l,p) <= sigma(l) a(s,p) / h_p`` for links with sigma < 1.

    In the other forms it is part of the rate's bound; as a row it has a dual, which belongs
    to the supply's marginal value.
    """
    net = m.net
    periods = len(net.periods)
    shares = np.array([link.share for link in net.links], dtype=float)
    partial = np.flatnonzero(shares < 1.0)
    ii = np.repeat(partial, periods)
    pp = np.tile(np.arange(periods), len(partial))
    supply_of = _link_array(net, "supply", dtype=np.int64)
    amounts = _amounts(net.supplies, periods)
    upper = shares[ii] * amounts[supply_of[ii], pp] / m.hours[pp] if len(ii) else np.zeros(0)
    m.add_rows(
        "supply_share",
        np.column_stack([ii, pp]),
        (np.arange(len(ii)), m.rate[ii, pp], np.ones(len(ii))),
        lower=-np.inf,
        upper=upper,
    )


def add_processes(m: ParkModel) -> None:
    """SPEC 8.2: outputs follow the input; the input is within the capacity of a built process.

    With ``x(q,p) = sum_{l into q} g(l) r(l,p)`` the input rate of process q:

    - ``output_balance``: ``sum_{l from o} r(l,p) <= yield(o) x(q,p)`` for each output o
      (what its links do not take is disposed of);
    - ``process_capacity``: ``x(q,p) <= c(q)`` where capacity costs money, with
      ``c(q) <= C(q) z(q)``; otherwise ``x(q,p) <= C_p(q) z(q)`` (candidates) or
      ``x(q,p) <= capacity`` (existing), with C the least of the capacity and what the
      input's links can bring;
    - ``process_on``: ``r(l,p) <= R(l,p) z(q)`` for each link into or out of a candidate
      process (implied by the rows above, but it tightens the relaxation).
    """
    net = m.net
    periods = len(net.periods)
    supply_of = _link_array(net, "supply", dtype=np.int64)
    out_of = {s: np.flatnonzero(supply_of == s) for p in net.active_processes() for s in p.outputs}
    gain = m.coef.gain
    rows: dict[str, list[tuple[np.ndarray, np.ndarray, float, tuple[int, ...]]]] = {
        "output_balance": [],
        "process_capacity": [],
    }
    on: list[tuple[int, int, int, float]] = []
    for process in net.active_processes():
        q = process.index
        into = m.into[q]
        if not len(into):
            continue
        for p in range(periods):
            x_cols, x_vals = m.rate[into, p], gain[into]
            for s in process.outputs:
                links = out_of.get(s, np.zeros(0, dtype=np.int64))
                if len(links):
                    cols = np.concatenate([m.rate[links, p], x_cols])
                    vals = np.concatenate([np.ones(len(links)), -net.supplies[s].output_yield * x_vals])
                    rows["output_balance"].append((cols, vals, 0.0, (s, p)))
            if m.process_size[q] >= 0:
                cols, vals, upper = np.append(x_cols, m.process_size[q]), np.append(x_vals, -1.0), 0.0
            elif m.process_built[q] >= 0:
                limit = min(process.max_input[p] / m.hours[p], process.spec.capacity or math.inf)
                cols, vals, upper = np.append(x_cols, m.process_built[q]), np.append(x_vals, -limit), 0.0
            elif process.spec.capacity is not None and (len(into) > 1 or m.options.fixed_plan):
                cols, vals, upper = x_cols, x_vals, process.spec.capacity
            else:
                continue
            rows["process_capacity"].append((cols, vals, upper, (q, p)))
        if m.process_built[q] >= 0:
            for i in np.concatenate([into, *(out_of.get(s, np.zeros(0, dtype=np.int64)) for s in process.outputs)]):
                for p in range(periods):
                    if m.rate_bound[i, p] > 0:
                        on.append((int(i), p, q, float(m.rate_bound[i, p])))
    for name, items in rows.items():
        _add_sparse_rows(m, name, items)
    sized = np.flatnonzero((m.process_size >= 0) & (m.process_built >= 0))
    if len(sized):
        limits = np.array([_process_limit(net, int(q)) for q in sized])
        _pairs(m, "process_capacity_on", m.process_size[sized], m.process_built[sized], limits, sized)
    if on:
        ii, pp, qq, bound = (np.array(v) for v in zip(*on, strict=True))
        _pairs(m, "process_on", m.rate[ii, pp], m.process_built[qq], bound, np.column_stack([ii, pp, qq]))


def _add_sparse_rows(
    m: ParkModel, name: str, items: list[tuple[np.ndarray, np.ndarray, float, tuple[int, ...]]]
) -> None:
    """Add rows ``sum values x(cols) <= upper`` given one by one (few: processes and bands)."""
    rows = np.concatenate(
        [np.full(len(cols), k) for k, (cols, _, _, _) in enumerate(items)] or [np.zeros(0, dtype=np.int64)]
    )
    cols = np.concatenate([c for c, _, _, _ in items] or [np.zeros(0, dtype=np.int64)])
    values = np.concatenate([v for _, v, _, _ in items] or [np.zeros(0)])
    labels = (
        np.array([label for _, _, _, label in items], dtype=np.int64).reshape(len(items), -1)
        if items
        else np.zeros((0, 2), dtype=np.int64)
    )
    upper = np.array([u for _, _, u, _ in items], dtype=float)
    m.add_rows(name, labels, (rows.astype(np.int64), cols.astype(np.int64), values), lower=-np.inf, upper=upper)


def add_preheat_bands(m: ParkModel) -> None:
    """SPEC 8.3 nested preheat bands: for each demand d, period p and each rho* among its
    preheat links' rho, ``sum_{l preheat into d, rho(l) <= rho*} g(l) r(l,p) <= rho* b(d,p) / h_p``.

    A band with a single link is implied by that link's bound and left out (kept in the
    fixed-plan form, whose bounds hold capacities only). Rows are labelled (demand, band,
    period), the band counted from the narrowest.
    """
    net = m.net
    periods = len(net.periods)
    bands: dict[int, list[tuple[int, float]]] = {}  # demand -> (link, its band)
    for i, link in enumerate(net.links):
        if link.band is not None:
            bands.setdefault(link.demand, []).append((i, link.band))
    items: list[tuple[np.ndarray, np.ndarray, float, tuple[int, ...]]] = []
    gain = m.coef.gain
    for d, links in bands.items():
        amounts = net.demands[d].amounts
        levels = sorted({band for _, band in links})
        for k, level in enumerate(levels):
            members = np.array([i for i, band in links if band <= level + 1e-12], dtype=np.int64)
            if len(members) < 2 and not m.options.fixed_plan:
                continue
            for p in range(periods):
                items.append((m.rate[members, p], gain[members], float(level * amounts[p] / m.hours[p]), (d, k, p)))
    _add_sparse_rows(m, "preheat_band", items)


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
    row, col = (
        np.concatenate(rows or [np.zeros(0, dtype=np.int64)]),
        np.concatenate(cols or [np.zeros(0, dtype=np.int64)]),
    )
    m.add_rows("force", np.array(kept, dtype=np.int64), (row, col, np.ones(len(row))), lower=1.0, upper=np.inf)


def _per_rate(m: ParkModel, per_flow: np.ndarray) -> Linear:
    """``sum_{l,p} per_flow(l) f(l,p)`` in terms of the rates, f = h_p r."""
    return Linear(m.rate.ravel(), (per_flow[:, None] * m.hours[None, :]).ravel())


def _per_link(
    m: ParkModel, on_built: np.ndarray, on_size: np.ndarray, on_process: np.ndarray, on_process_size: np.ndarray
) -> Linear:
    """``sum_l on_built(l) y(l) + on_size(l) k(l) + sum_q on_process(q) z(q) + on_process_size(q) c(q)``."""
    new, sized = m.built >= 0, m.size >= 0
    new_q, sized_q = m.process_built >= 0, m.process_size >= 0
    return Linear(
        np.concatenate([m.built[new], m.size[sized], m.process_built[new_q], m.process_size[sized_q]]),
        np.concatenate([on_built[new], on_size[sized], on_process[new_q], on_process_size[sized_q]]),
    )


def add_accounting(m: ParkModel) -> None:
    """Money and emissions of one year (SPEC 4, 8) as named expressions, from `Coefficients`.

    ``capex = sum C(l) + sum C(q)``; ``annualised = sum (CRF + om) C``;
    ``total_cost = constant + annualised + sum_lp f cost_per_flow``;
    ``emissions = constant + sum_lp f emissions_per_flow``, where the per-flow terms hold the
    disposal and baseline avoided (``w = a - sum f``, ``u = b - sum g f``), market revenue and
    the disposal of process outputs (docs/model.md).
    """
    c = m.coef
    m.expressions["capex"] = _per_link(
        m, c.capex_fixed, c.capex_per_rate, c.process_capex_fixed, c.process_capex_per_rate
    )
    m.expressions["annualised_capex"] = _per_link(
        m, c.annual_fixed, c.annual_per_rate, c.process_annual_fixed, c.process_annual_per_rate
    )
    if m.options.fixed_plan:  # every new link and process is built: their fixed capex is spent
        new = ~c.prebuilt
        fed = [q for q, into in m.into.items() if len(into) and not c.process_existing[q]]
        m.expressions["capex"] += constant(float(c.capex_fixed[new].sum() + c.process_capex_fixed[fed].sum()))
        m.expressions["annualised_capex"] += constant(
            float(c.annual_fixed[new].sum() + c.process_annual_fixed[fed].sum())
        )
    m.expressions["total_cost"] = (
        constant(sum(c.constant_cost.values())) + m.expressions["annualised_capex"] + _per_rate(m, c.cost_per_flow)
    )
    m.expressions["emissions"] = constant(sum(c.constant_emissions.values())) + _per_rate(m, c.emissions_per_flow)


def original_supply_links(net: Network) -> np.ndarray:
    """Links drawing from an enterprise's own supplies: what utilisation counts (SPEC 8.2)."""
    return np.array([net.supplies[link.supply].role == "supply" for link in net.links], dtype=bool)


def add_targets(m: ParkModel, options: Options) -> None:
    """SPEC 4 targets: ``sum_{l of r, p} f >= share_r sum_{s of r, p} a``; emissions cap; capex budget.

    Utilisation counts flows out of the enterprises' own supplies, to any demand, market or
    process (a process output is not new supply, SPEC 8.2). The row is divided by the year's
    hours (a mean rate on both sides, for scaling). Elastic form: each target has a slack,
    penalised in the diagnosis objective.
    """
    net = m.net
    targets = net.park.targets
    supply_total: dict[str, float] = {}
    for s in net.supplies:
        if s.role == "supply":
            supply_total[s.resource] = supply_total.get(s.resource, 0.0) + float(s.amounts.sum())
    shares = {r: share for r, share in targets.utilization.items() if share > 0 and supply_total.get(r, 0) > 0}
    m.utilization_total = supply_total
    resource_of = np.array([link.resource for link in net.links], dtype=object)
    original = original_supply_links(net)
    carriers = {r: np.flatnonzero((resource_of == r) & original) for r in shares}
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
    m.add_rows(
        "utilization",
        list(reachable),
        (entries[0].astype(np.int64), entries[1].astype(np.int64), entries[2]),
        lower=np.array([shares[r] * supply_total[r] / year for r in reachable]),
        upper=np.inf,
    )
    caps = (
        ("emission_cap", "emissions", "emissions_slack", targets.max_emissions),
        ("capex_budget", "capex", "capex_slack", targets.max_capex),
    )
    for name, expression, slack_name, cap in caps:
        if cap is None:
            continue
        body = m.expressions[expression]
        if options.elastic:
            column = m.add_columns(slack_name, None, lower=0.0, upper=np.inf)
            body = body + Linear(column, np.array([-1.0]))
        m.add_rows(
            name,
            None,
            (np.zeros(len(body.columns), dtype=np.int64), body.columns, body.values),
            lower=-np.inf,
            upper=cap - body.constant,
        )


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
    per_flow = np.abs(c.cost_per_flow) * hours
    arrays = (
        np.abs(c.annual_fixed),
        np.abs(c.annual_per_rate),
        per_flow,
        np.abs(c.process_annual_fixed),
        np.abs(c.process_annual_per_rate),
    )
    largest = max(1.0, *(float(np.max(a, initial=0.0)) for a in arrays))
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
        "capacity_slack": lambda i: 1.0 / max(net.links[i].capacity_limit or 0.0, 1e-9),  # capped links only
        "extra_slack_down": lambda name: 1.0 / max(abs(m.extra_rhs.get(name, 0.0)), 1.0),
        "extra_slack_up": lambda name: 1.0 / max(abs(m.extra_rhs.get(name, 0.0)), 1.0),
    }
    for name, weight in weights.items():
        block = m.columns.get(name)
        if block is not None:
            values = np.array([weight(block.label(k)) for k in range(block.size)])
            terms = terms + Linear(np.arange(block.start, block.start + block.size), values)
    return terms


def prune_dominated(net: Network, objective: str, protect: Collection[str] = ()) -> Network:
    """Drop candidate links that can never improve the plan, before the model is built.

    A link's flow is worth at most its *margin* per unit: the disposal and baseline it
    avoids and the market revenue it earns, less its variable cost, electricity, driving
    steam and (for ``cost``) carbon, counted as if its supply were otherwise disposed of and
    its demand met conventionally (other links can only lower that value). If even the best
    use of the link (flow at every period's bound, the best capacity) cannot pay its
    annualised capex, then removing it from any plan never raises the objective and never
    breaks a constraint, so it is safe to drop.

    Kept always: existing, on-site and forced links, links into or out of a process (their
    value depends on what the process makes of them), links of a resource with a
    utilisation target (they count towards it), and, under an emission cap or the
    ``emissions`` objective, links that lower emissions.

    Parameters
    ----------
    net
        The candidate network.
    objective
        ``cost`` or ``emissions``.
    protect
        Link ids kept whatever they pay: those a rule added from Python needs
        (`circflow.extend.Rules.protected_links`); ``"*"`` keeps every link.
    """
    if not net.links or "*" in protect:
        return net
    coef = coefficients(net)
    cost_margin = -coef.cost_per_flow
    emission_margin = -coef.emissions_per_flow
    pays_with_carbon = _best_annual_value(net, coef, cost_margin + coef.carbon_price * emission_margin) > 0
    pays_without = _best_annual_value(net, coef, cost_margin) > 0
    cleaner = emission_margin > 0
    targets = net.park.targets
    if objective == "cost":
        useful = pays_with_carbon | (cleaner if targets.max_emissions is not None else False)
    else:
        useful = cleaner | pays_without  # stage 1 least emissions, stage 2 least total_cost
    protected = {r for r, share in targets.utilization.items() if share > 0}
    keep = [
        i
        for i, link in enumerate(net.links)
        if useful[i]
        or link.prebuilt
        or link.forced
        or link.resource in protected
        or link.id in protect
        or net.supplies[link.supply].process is not None
        or net.demands[link.demand].process is not None
    ]
    return (
        net.subset(keep, net.accounted, net.process_subset) if len(keep) < len(net.links) else net
    )  # a part stays one


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
