"""The SPEC 4 model: capital recovery, per-link coefficients and the money/emission accounting.

Every park defines its own resources, modes and heat technologies (names prefixed ``m_`` so
nothing merges with the shipped catalog). Expected numbers are derived from SPEC 4 in each
docstring and computed here independently of ``circflow.model``.
"""

from __future__ import annotations

import math
import pathlib

import helpers
import pyomo.environ as pyo
import pytest
from helpers import HEAT_PIPE, MODES, PRICED_HEAT_PUMP, heat_source_and_sink, mode
from hypothesis import given, settings
from hypothesis import strategies as st
from places import DATA

import circflow
from circflow.model import Options, build_model, coefficients, crf, prune_dominated
from circflow.network import build_network
from circflow.solve import SolverProfile

ECONOMICS = {**helpers.ECONOMICS, "discount_rate": 0.05}


def make_park(
    enterprises: list[dict], *, economics: dict | None = None, heat_pump: dict | None = None, **sections: object
) -> circflow.Park:
    """A park of ``enterprises`` in `ECONOMICS` updated by ``economics``, with `helpers.HEAT_PUMP`
    updated by ``heat_pump`` (``resources``, ``modes`` and more in ``sections``)."""
    return circflow.park_from_dict(
        helpers.park_data(
            "model test",
            enterprises,
            economics={**ECONOMICS, **(economics or {})},
            technologies=helpers.heat_technologies(heat_pump),
            **sections,
        )
    )


def annuity(rate: float, years: float) -> float:
    """CRF written out independently: i (1+i)^n / ((1+i)^n - 1), 1/n at i = 0."""
    return 1 / years if rate == 0 else rate * (1 + rate) ** years / ((1 + rate) ** years - 1)


def flow_variable(m: pyo.ConcreteModel, i: int, p: int) -> tuple[pyo.Var, float]:
    """The model's variable for the flow f(l, p) of SPEC 4 and its scale, f = scale x variable.

    The model may hold the flow itself (``f``) or the mean rate over the period (``r``, with
    f = h_p r); the tests speak of flows either way.
    """
    if hasattr(m, "f"):
        return m.f[i, p], 1.0
    return m.r[i, p], float(m.hours[p])


def flow_upper(m: pyo.ConcreteModel, i: int, p: int) -> float:
    var, scale = flow_variable(m, i, p)
    return scale * var.ub


def set_flow(m: pyo.ConcreteModel, i: int, p: int, flow: float) -> None:
    var, scale = flow_variable(m, i, p)
    var.set_value(flow / scale)


# -- capital recovery factor --------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "years", "expected"),
    [
        (0.06, 20, 0.0871845569),  # 0.06 x 3.2071355 / 2.2071355
        (0.05, 10, 0.1295045750),  # 0.05 x 1.6288946 / 0.6288946
        (0.0, 20, 0.05),  # 1 / n
        (0.0, 8, 0.125),
        (0.1, 1, 1.1),  # one year: pay back capital plus interest
    ],
)
def test_crf_values(rate: float, years: float, expected: float) -> None:
    assert crf(rate, years) == pytest.approx(expected, rel=1e-9)


@settings(max_examples=15, deadline=None)
@given(rate=st.one_of(st.just(0.0), st.floats(1e-6, 0.3)), years=st.integers(1, 60))
def test_crf_repays_the_capital(rate: float, years: int) -> None:
    """n payments of CRF(i, n), discounted at i, are worth exactly 1 today."""
    present = sum(crf(rate, years) / (1 + rate) ** t for t in range(1, years + 1))
    assert present == pytest.approx(1.0, rel=1e-8)


@pytest.mark.parametrize("rate", [1e-20, 1e-17, 5e-324])
def test_crf_of_a_tiny_rate_tends_to_one_over_n(rate: float) -> None:
    """discount_rate only needs to be >= 0; as i -> 0, CRF(i, n) -> 1/n (SPEC 4's value at 0).

    A tiny positive rate leaves (1 + i)^n == 1 in floating point: it must not divide by zero.
    """
    assert crf(rate, 20) == pytest.approx(0.05, rel=1e-6)


# -- coefficients per link -----------------------------------------------------------------

HEAT = {"m_heat": {"kind": "heat", "unit": "MWh", "modes": ["m_hpipe"]}}
HPIPE = {**HEAT_PIPE, "opex_per_unit_km": 0.5, "emissions_per_unit_km": 0.0002}
"""`helpers.HEAT_PIPE` with 0.5 per MWh km and 0.0002 tCO2 per MWh km besides."""


def heat_pump_park(**sections: object) -> circflow.Park:
    return make_park(
        heat_source_and_sink("m_heat", 35, 75),
        resources=HEAT,
        modes={"m_hpipe": HPIPE},
        heat_pump=PRICED_HEAT_PUMP,
        **sections,
    )


def test_coefficients_of_a_heat_pump_link() -> None:
    """35 -> 75 degC over 2 km of pipe losing 1 %/km (SPEC 3.4 and 4).

    COP = 0.5 x 353.15 / 50 = 3.5315; g = 0.98 x COP / (COP - 1) = 1.367141...
    capex:        y (100000 + 50000 x 2 + 2e6)        = 2.2e6 y
                  + k (1000 + 500 x 2 + 1.5e6 g)       (heat pump per MW of output g k)
    annualised:   (CRF(5 %, 25) + 0.01) x 200000 + (CRF(5 %, 20) + 0.02) x 2e6 per y,
                  (CRF(5 %, 25) + 0.01) x 2000 + (CRF(5 %, 20) + 0.02) x 1.5e6 g per unit of k
    variable:     1 + 0.5 x 2 + 3 g per unit drawn (heat pump opex per MWh delivered)
    electricity:  0.001 x 2 + 0.98 / (COP - 1) MWh per unit drawn
    emissions:    0.0002 x 2 tCO2 per unit drawn
    """
    net = build_network(heat_pump_park())
    (link,) = net.links
    coef = coefficients(net)
    cop = 3.5315
    gain = 0.98 * cop / (cop - 1)
    pipe_factor = annuity(0.05, 25) + 0.01
    pump_factor = annuity(0.05, 20) + 0.02
    assert link.cop == pytest.approx(cop, rel=1e-12)
    expected = {
        "gain": gain,
        "capex_fixed": 2.2e6,
        "capex_per_rate": 2000 + 1.5e6 * gain,
        "annual_fixed": pipe_factor * 200_000 + pump_factor * 2e6,
        "annual_per_rate": pipe_factor * 2000 + pump_factor * 1.5e6 * gain,
        "variable": 2.0 + 3.0 * gain,
        "electricity": 0.002 + 0.98 / (cop - 1),
        "transport_emissions": 0.0004,
    }
    for name, value in expected.items():
        assert getattr(coef, name)[0] == pytest.approx(value, rel=1e-9), name
    assert coef.electricity_price == 400.0
    assert coef.grid_factor == 0.6


def test_compressor_electricity_is_delivered_heat_over_cop() -> None:
    """Heat pump electricity per unit drawn, (1 - loss L) / (COP - 1), times g = delivered heat / COP."""
    net = build_network(heat_pump_park())
    coef = coefficients(net)
    cop = net.links[0].cop
    compressor = coef.electricity[0] - 0.002
    assert compressor == pytest.approx(coef.gain[0] / cop, rel=1e-12)


def test_existing_link_has_no_capex() -> None:
    """An existing link's capex is sunk (SPEC 3.7): every capex coefficient 0; variable costs stay."""
    park = heat_pump_park(
        links=[{"from": "s", "to": "d", "resource": "m_heat", "mode": "m_hpipe", "existing": True, "capacity": 2}]
    )
    net = build_network(park)
    coef = coefficients(net)
    for name in ("capex_fixed", "capex_per_rate", "annual_fixed", "annual_per_rate"):
        assert getattr(coef, name)[0] == 0.0, name
    assert coef.variable[0] == pytest.approx(2.0 + 3.0 * net.links[0].gain)
    assert coef.prebuilt[0]
    m = build_model(net).to_pyomo()
    assert len(m.y) == 0  # always built
    assert len(m.k) == 0  # no capacity to pay for
    assert flow_upper(m, 0, 0) == pytest.approx(2 * 8760)  # f <= capacity x hours (below demand / g = 25630)


# -- the accounting expressions ----------------------------------------------------------------

TWO_PERIODS = [{"name": "winter", "hours": 2000.0}, {"name": "summer", "hours": 6760.0}]
ASH_TRUCK = MODES["ash_truck"]
ASH_ECONOMICS = {"discount_rate": 0.07, "electricity_price": 600.0, "grid_emission_factor": 0.55, "carbon_price": 80.0}
SUPPLY = {"winter": 600.0, "summer": 900.0}
DEMANDS = {
    "b": ((3.0, 4.0), 40.0, 0.03, {"winter": 300.0, "summer": 700.0}),
    "c": ((0.0, 10.0), 35.0, 0.01, {"winter": 200.0, "summer": 676.0}),
}


def ash_park() -> circflow.Park:
    """Supply a at (0, 0); demands b at 5 km and c at 10 km; two periods."""
    enterprises = [
        {
            "id": "a",
            "location": {"x": 0, "y": 0},
            "supplies": [{"resource": "m_ash", "per_period": SUPPLY, "disposal": {"cost": 25, "emissions": 0.02}}],
        }
    ]
    for name, ((x, y), cost, emissions, amounts) in DEMANDS.items():
        enterprises.append(
            {
                "id": name,
                "location": {"x": x, "y": y},
                "demands": [
                    {"resource": "m_ash", "per_period": amounts, "baseline": {"cost": cost, "emissions": emissions}}
                ],
            }
        )
    return make_park(
        enterprises,
        resources={"m_ash": {"kind": "material", "unit": "t", "modes": ["m_truck"]}},
        modes={"m_truck": ASH_TRUCK},
        economics=ASH_ECONOMICS,
        periods=TWO_PERIODS,
    )


def test_flow_bounds_and_variables() -> None:
    """Each link's flow is bounded by min(a(s,p), b(d,p) / g) (SPEC 4 balances); capacity
    costs money here, so every link has a capacity variable k and a build decision y.

    b: g = 1 - 0.001 x 5 = 0.995: min(600, 300/0.995) = 301.508, min(900, 700/0.995) = 703.518
    c: g = 0.99: min(600, 200/0.99) = 202.020, min(900, 676/0.99) = 682.828
    """
    net = build_network(ash_park())
    m = build_model(net).to_pyomo()
    bounds = {
        net.demands[link.demand].enterprise: [flow_upper(m, i, p) for p in (0, 1)] for i, link in enumerate(net.links)
    }
    assert bounds["b"] == pytest.approx([300 / 0.995, 700 / 0.995])
    assert bounds["c"] == pytest.approx([200 / 0.99, 676 / 0.99])
    assert len(m.y) == 2
    assert len(m.k) == 2


@settings(max_examples=15, deadline=None)
@given(
    shares=st.lists(st.floats(0.0, 0.5), min_size=4, max_size=4),
    built=st.lists(st.booleans(), min_size=2, max_size=2),
    spare=st.floats(1.0, 2.0),
)
def test_accounting_matches_spec(shares: list[float], built: list[bool], spare: float) -> None:
    """At any point (y, k, f) the model's total_cost, emissions and capex are SPEC 4's:

    C(l) = y (5000 + 100 L) + k (2000 + 50 L); annualised (CRF(7 %, 12) + 0.03) C(l)
    total_cost = sum annualised + sum_p f (2 + 0.3 L) + 600 sum_p f 0.0005 L
                 + 25 w + sum_d baseline_cost_d u_d,   w = a - sum f,  u = b - g f
    emissions  = sum_p f 0.0001 L + 0.55 sum_p f 0.0005 L + 0.02 w + sum_d baseline_em_d u_d
    cost objective = total_cost + 80 emissions.
    """
    net = build_network(ash_park())
    m = build_model(net).to_pyomo()
    hours = [2000.0, 6760.0]
    factor = annuity(0.07, 12) + 0.03
    capex = annualised = variable = electricity = transport = 0.0
    used = {"winter": 0.0, "summer": 0.0}
    rest = {}
    for i, link in enumerate(net.links):
        name = net.demands[link.demand].enterprise
        (x, y), _, _, amounts = DEMANDS[name]
        length = math.hypot(x, y)
        gain = 1 - 0.001 * length
        flows = [shares[2 * i + p] * SUPPLY[period] if built[i] else 0.0 for p, period in enumerate(SUPPLY)]
        capacity = spare * max(f / h for f, h in zip(flows, hours, strict=True)) if built[i] else 0.0
        m.y[i].set_value(int(built[i]))
        m.k[i].set_value(capacity)
        for p, f in enumerate(flows):
            set_flow(m, i, p, f)
        if built[i]:
            cost = 5000 + 100 * length + capacity * (2000 + 50 * length)
            capex += cost
            annualised += factor * cost
        variable += sum(flows) * (2 + 0.3 * length)
        electricity += sum(flows) * 0.0005 * length
        transport += sum(flows) * 0.0001 * length
        for p, period in enumerate(SUPPLY):
            used[period] += flows[p]
        rest[name] = sum(amounts.values()) - gain * sum(flows)
    disposed = sum(SUPPLY.values()) - sum(used.values())
    total_cost = annualised + variable + 600 * electricity + 25 * disposed + 40 * rest["b"] + 35 * rest["c"]
    emissions = transport + 0.55 * electricity + 0.02 * disposed + 0.03 * rest["b"] + 0.01 * rest["c"]
    assert pyo.value(m.capex) == pytest.approx(capex, rel=1e-9, abs=1e-6)
    assert pyo.value(m.annualised_capex) == pytest.approx(annualised, rel=1e-9, abs=1e-6)
    assert pyo.value(m.total_cost) == pytest.approx(total_cost, rel=1e-9)
    assert pyo.value(m.emissions) == pytest.approx(emissions, rel=1e-9)
    # in money, as the park states it (HiGHS alone sees it divided by money_scale)
    assert pyo.value(m.cost) == pytest.approx(total_cost + 80 * emissions, rel=1e-9)
    assert pyo.value(m.emission) == pytest.approx(emissions, rel=1e-9)


def test_targets_are_left_out_of_the_status_quo_model() -> None:
    """SPEC 4: the baseline applies no targets; the plan's model does."""
    park = make_park(
        [
            {"id": "a", "location": {"x": 0, "y": 0}, "supplies": [{"resource": "m_ash", "amount": 100}]},
            {"id": "b", "location": {"x": 1, "y": 0}, "demands": [{"resource": "m_ash", "amount": 100}]},
        ],
        resources={"m_ash": {"kind": "material", "unit": "t", "modes": ["m_truck"]}},
        modes={"m_truck": mode()},
        targets={"utilization": {"m_ash": 0.5}, "max_emissions": 10.0, "max_capex": 1e6},
    )
    net = build_network(park)
    with_targets = build_model(net).to_pyomo()
    assert len(with_targets.utilization) == 1
    assert with_targets.emission_cap.upper == pytest.approx(10.0)
    assert with_targets.capex_budget.upper == pytest.approx(1e6)
    without = build_model(net, Options(targets=False)).to_pyomo()
    for name in ("utilization", "emission_cap", "capex_budget"):
        assert not hasattr(without, name), name


def test_nothing_built_costs_the_status_quo() -> None:
    """With y = k = f = 0 every unit is disposed of or met the conventional way:
    total_cost = 25 x 1500 + 40 x 1000 + 35 x 876 = 108160; emissions = 0.02 x 1500
    + 0.03 x 1000 + 0.01 x 876 = 68.76. Only the cost objective is active.
    """
    m = build_model(build_network(ash_park())).to_pyomo()
    for var in m.component_data_objects(pyo.Var):
        var.set_value(0)
    assert pyo.value(m.total_cost) == pytest.approx(108_160, rel=1e-12)
    assert pyo.value(m.emissions) == pytest.approx(68.76, rel=1e-12)
    assert pyo.value(m.capex) == 0
    active = [o.name for o in m.component_data_objects(pyo.Objective, active=True)]
    assert active == ["cost"]


# -- the arrays HiGHS gets and the Pyomo form are one model ------------------------------------


@pytest.mark.parametrize("name", ["tiny", "jinan_eco_park"])
def test_pyomo_form_solves_to_the_same_optimum(name: str) -> None:
    """The model solved from its arrays (circflow's path) and its Pyomo form solved through
    Pyomo's own HiGHS interface reach the same cost optimum and the same plan value."""
    from pyomo.contrib.solver.solvers.highs import Highs

    from circflow.catalog import data_dir
    from circflow.results import Solution
    from circflow.solve import Solver, SolverProfile

    park = circflow.load_park(data_dir("parks") / f"{name}.yaml")
    model = build_model(build_network(park))
    solver = Solver(model, SolverProfile(gap=1e-9))
    direct = solver.solve("cost")
    m = model.to_pyomo()
    results = Highs().solve(m, rel_gap=1e-9, load_solutions=True)
    via_pyomo = pyo.value(m.cost)  # in money (issue 15: it once came back divided by the solver's scale)
    assert str(results.termination_condition).endswith("convergenceCriteriaSatisfied")
    assert via_pyomo == pytest.approx(direct.objective, rel=1e-7)
    plan = Solution.from_pyomo(model, m)
    assert model.objectives["cost"][0].value(solver.values) == pytest.approx(direct.objective, rel=1e-9)
    assert plan.built.sum() == Solution.from_values(model, solver.values).built.sum()


def test_every_row_and_column_has_a_name_of_its_own() -> None:
    """MPS and LP files need unique names: nested preheat bands of one demand (labelled by
    band) and a link between two processes (labelled by process) once shared a name, and
    HiGHS refused to write the model. A generated district has both."""
    import collections
    import sys

    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
    from benchmarks.generate import generate_park

    model = build_model(build_network(circflow.park_from_dict(generate_park(50, 1))))
    for names in (model.row_names(), model.column_names()):
        assert [name for name, count in collections.Counter(names).items() if count > 1] == []
    assert model.rows["preheat_band"].size > 0
    assert model.rows["process_on"].size > 0


# -- pruning never changes the optimum ------------------------------------------------------------


@pytest.mark.parametrize("objective", ["cost", "emissions"])
@pytest.mark.parametrize("name", ["gen-n6-s100", "gen-n20-s104", "emissions-n15-s150", "plan-n14-s160"])
def test_pruning_keeps_the_optimum(name: str, objective: str) -> None:
    """`prune_dominated` drops only links no optimal plan needs: the optimum with and without
    pruning is the same (to the exact gap), on generated parks with carbon prices, heat pumps,
    forced links and both objectives."""
    park = circflow.load_park(DATA / f"{name}.yaml")
    exact = SolverProfile(gap=1e-9)
    pruned = circflow.optimize(park, objective=objective, solver=exact)
    whole = circflow.optimize(park, objective=objective, solver=exact, prune=False)
    assert pruned.status.is_ok
    assert whole.status.is_ok
    assert pruned.objective == pytest.approx(whole.objective, rel=1e-7, abs=1e-6)
    assert whole.model_facts["pruned_links"] == 0


@pytest.mark.parametrize("name", ["gen-n20-s104", "plan-n14-s160"])
def test_pruning_drops_links_on_generated_parks(name: str) -> None:
    """Guard for the test above: pruning does remove candidates there, so it is not vacuous."""
    net = build_network(circflow.load_park(DATA / f"{name}.yaml"))
    assert len(prune_dominated(net, "cost").links) < len(net.links)
