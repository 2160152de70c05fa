"""The candidate network (SPEC 3.4-3.7): which links exist, how long they are, what they deliver.

Every park here defines its own resources, modes and heat technologies (names prefixed
``n_`` so nothing merges with the shipped catalog), so the numbers below depend on nothing
but the test.
"""

from __future__ import annotations

import math

import helpers
import numpy as np
import pytest
from helpers import heat_source_and_sink, heat_technologies, mode

import circflow
from circflow.network import EARTH_RADIUS_KM, build_network, heat_pump_cop, quality_gaps, stream_amounts
from circflow.schema import Demand, Supply

ECONOMICS = {**helpers.ECONOMICS, "discount_rate": 0.05, "electricity_price": 500.0}
SEASONS = [{"name": "heating", "hours": 2880.0}, {"name": "non_heating", "hours": 5880.0}]


def make_park(
    enterprises: list[dict],
    *,
    crs: str = "local_km",
    heat_pump: dict | None = None,
    min_approach_k: float = 10.0,
    economics: dict | None = None,
    **sections: object,
) -> circflow.Park:
    """A park of ``enterprises`` in ``economics`` (`ECONOMICS` when None) and ``crs``, with
    `helpers.HEAT_PUMP` updated by ``heat_pump`` (``resources``, ``modes`` and more in ``sections``)."""
    data = helpers.park_data(
        "network test",
        enterprises,
        economics=economics or ECONOMICS,
        technologies=heat_technologies(heat_pump, min_approach_k=min_approach_k),
        **sections,
    )
    data["park"]["crs"] = crs
    return circflow.park_from_dict(data)


def site(ident: str, x: float, y: float, supplies: list[dict] = (), demands: list[dict] = ()) -> dict:
    return {"id": ident, "location": {"x": x, "y": y}, "supplies": list(supplies), "demands": list(demands)}


ASH = {"n_ash": {"kind": "material", "unit": "t", "modes": ["n_truck", "n_rail"]}}
ASH_MODES = {"n_truck": mode(detour=1.3), "n_rail": mode(detour=1.0)}


def ash_park(**sections: object) -> circflow.Park:
    """Supply a at (0, 0), demand b at (3, 4): straight distance 5 km."""
    modes = sections.pop("modes", ASH_MODES)
    return make_park(
        [
            site("a", 0, 0, supplies=[{"resource": "n_ash", "amount": 1000}]),
            site("b", 3, 4, demands=[{"resource": "n_ash", "amount": 800}]),
        ],
        resources=ASH,
        modes=modes,
        **sections,
    )


def lengths(net: circflow.network.Network) -> dict[str, float]:
    return {link.mode: link.length_km for link in net.links}


# -- heat pumps and heat links (SPEC 3.4, 3.6) ------------------------------------------------


def heat_park(source_c: float, sink_c: float, **kwargs: object) -> circflow.Park:
    """Heat from s (x=0) to d (x=2) over a pipe losing 1 %/km: (1 - loss L) = 0.98."""
    return make_park(
        heat_source_and_sink("n_heat", source_c, sink_c),
        resources={"n_heat": {"kind": "heat", "unit": "MWh", "modes": ["n_hpipe"]}},
        modes={"n_hpipe": mode(loss_per_km=0.01)},
        **kwargs,
    )


def test_heat_pump_cop_is_spec_formula() -> None:
    """35 degC source, 75 degC sink, approach 5 K, eta 0.5.

    Tc = 75 + 5 + 273.15 = 353.15 K, Te = 35 - 5 + 273.15 = 303.15 K,
    COP = 0.5 x 353.15 / (353.15 - 303.15) = 3.5315.
    """
    park = heat_park(35, 75)
    assert heat_pump_cop(35.0, 75.0, park) == pytest.approx(0.5 * 353.15 / 50.0, rel=1e-12)
    assert heat_pump_cop(35.0, 75.0, park) == pytest.approx(3.5315, rel=1e-12)


def test_heat_pump_cop_uses_park_technology() -> None:
    """eta 0.45, approach 3 K: Tc = 75 + 3 + 273.15 = 351.15, Te = 35 - 3 + 273.15 = 305.15,
    COP = 0.45 x 351.15 / 46 = 3.435163...
    """
    park = heat_park(35, 75, heat_pump={"carnot_efficiency": 0.45, "approach_k": 3.0})
    assert heat_pump_cop(35.0, 75.0, park) == pytest.approx(0.45 * 351.15 / 46.0, rel=1e-12)


def test_heat_pump_cop_capped_at_cop_max() -> None:
    """74 -> 75 degC: Tc = 353.15, Te = 342.15, 0.5 x 353.15 / 11 = 16.05 > cop_max 8, so COP = 8."""
    park = heat_park(74, 75)
    assert heat_pump_cop(74.0, 75.0, park) == pytest.approx(8.0)
    (link,) = build_network(park).links
    assert link.type == "heat_pump"
    assert link.cop == pytest.approx(8.0)
    assert link.gain == pytest.approx(0.98 * 8.0 / 7.0)


@pytest.mark.parametrize(
    ("source_c", "kind", "cop"),
    [
        (90.0, "direct", None),  # 90 >= 75 + 10
        (85.0, "direct", None),  # 85 >= 75 + 10, on the boundary
        (84.9, "heat_pump", 8.0),  # just short of direct: Tc - Te = 0.1 K, COP capped at cop_max 8
        (35.0, "heat_pump", 3.5315),
        (15.0, "heat_pump", 0.5 * 353.15 / 70.0),  # lift 60 = max_lift_k: still a candidate
        (14.9, None, None),  # lift 60.1 > max_lift_k: no candidate
    ],
)
def test_heat_link_type_by_temperature(source_c: float, kind: str | None, cop: float | None) -> None:
    """Sink 75 degC, min_approach_k 10, max_lift_k 60 (SPEC 3.6).

    A link is direct when Ts >= Td + 10, a heat pump when Td - Ts <= 60, else no candidate.
    Gain: direct (1 - loss L) = 0.98; heat pump 0.98 x COP / (COP - 1).
    """
    net = build_network(heat_park(source_c, 75))
    if kind is None:
        assert net.links == []
        return
    (link,) = net.links
    assert link.type == kind
    assert link.length_km == pytest.approx(2.0)
    if cop is None:
        assert link.cop is None
        assert link.gain == pytest.approx(0.98, rel=1e-12)
    else:
        assert link.cop == pytest.approx(cop, rel=1e-12)
        assert link.gain == pytest.approx(0.98 * cop / (cop - 1), rel=1e-12)


def test_min_approach_comes_from_park() -> None:
    """min_approach_k 20: a 90 degC source no longer serves 75 degC directly (90 < 95)."""
    (link,) = build_network(heat_park(90, 75, min_approach_k=20.0)).links
    assert link.type == "heat_pump"


def test_outlet_and_return_at_zero_degrees_are_kept() -> None:
    """An outlet or return temperature of 0 degC is a temperature, not "not given" (SPEC 8.3).

    Source 12 degC cooled to To = 0 (river water) for a 50 degC demand: a heat pump with
    Tc = 50 + 5 + 273.15, Te = 0 - 5 + 273.15, COP = 0.5 x 328.15 / 60. Source 40 degC for a
    demand at 50 degC returning at Tr = 0: preheat, 0 + 10 < 40 < 50 + 10, with
    rho = (40 - 10 - 0) / (50 - 0) = 0.6.
    """
    resources = {"n_heat": {"kind": "heat", "unit": "MWh", "modes": ["n_hpipe"]}}
    river = make_park(
        [
            site("s", 0, 0, supplies=[{"resource": "n_heat", "rate": 10, "temperature": 12, "outlet_temperature": 0}]),
            site("d", 2, 0, demands=[{"resource": "n_heat", "rate": 4, "temperature": 50}]),
        ],
        resources=resources,
        modes={"n_hpipe": mode()},
    )
    (link,) = build_network(river).links
    assert link.temperatures.outlet == 0.0
    assert link.cop == pytest.approx(0.5 * 328.15 / 60.0, rel=1e-12)
    cold_return = make_park(
        [
            site("s", 0, 0, supplies=[{"resource": "n_heat", "rate": 10, "temperature": 40}]),
            site("d", 2, 0, demands=[{"resource": "n_heat", "rate": 4, "temperature": 50, "return_temperature": 0}]),
        ],
        resources=resources,
        modes={"n_hpipe": mode()},
    )
    preheat = [link for link in build_network(cold_return).links if link.type == "preheat"]
    assert [link.band for link in preheat] == [pytest.approx(0.6, rel=1e-12)]


def test_explicit_heat_link_beyond_max_lift_is_kept() -> None:
    """SPEC 3.7: an explicit link is always a candidate; lift 65 K > 60 K is only a warning.

    COP = 0.5 x 353.15 / (353.15 - 278.15) = 2.354333...
    """
    park = heat_park(10, 75, links=[{"from": "s", "to": "d", "resource": "n_heat", "mode": "n_hpipe"}])
    net = build_network(park)
    (link,) = net.links
    assert link.type == "heat_pump"
    assert link.cop == pytest.approx(0.5 * 353.15 / 75.0)
    assert any("max_lift_k" in w for w in net.warnings)


@pytest.mark.parametrize(("loss_per_km", "gain"), [(0.05, 0.5), (0.09, 0.1), (0.1, None), (0.2, None)])
def test_loss_over_the_whole_length_must_stay_below_one(loss_per_km: float, gain: float | None) -> None:
    """SPEC 3.4: 0 <= loss_per_km x L < 1. Over 10 km a loss of 0.1/km delivers nothing: no candidate."""
    park = make_park(
        [
            site("a", 0, 0, supplies=[{"resource": "n_ash", "amount": 100}]),
            site("b", 10, 0, demands=[{"resource": "n_ash", "amount": 100}]),
        ],
        resources={"n_ash": {"kind": "material", "unit": "t", "modes": ["n_truck"]}},
        modes={"n_truck": mode(loss_per_km=loss_per_km)},
    )
    links = build_network(park).links
    assert [link.gain for link in links] == ([] if gain is None else [pytest.approx(gain)])


# -- amounts per period (SPEC 3.5) ---------------------------------------------------------


HOURS = np.array([2880.0, 5880.0])
"""The hours of `SEASONS`."""


def one_supply_in_seasons(amount: float) -> circflow.Park:
    """A park of one enterprise supplying ``amount`` of ash a year, in `SEASONS`."""
    return make_park(
        [site("a", 0, 0, supplies=[{"resource": "n_ash", "amount": amount}])],
        resources=ASH,
        modes=ASH_MODES,
        periods=SEASONS,
    )


def test_stream_amounts_amount_spread_by_hours() -> None:
    """amount 8760 over heating 2880 h and non_heating 5880 h: 2880 and 5880."""
    park = one_supply_in_seasons(8760)
    amounts = stream_amounts(park.enterprises[0].supplies[0], park, HOURS)
    np.testing.assert_allclose(amounts, [2880.0, 5880.0], rtol=1e-12)
    amounts = stream_amounts(Supply(resource="n_ash", amount=1000.0), park, HOURS)
    np.testing.assert_allclose(amounts, [1000 * 2880 / 8760, 1000 * 5880 / 8760], rtol=1e-12)


def test_stream_amounts_per_period_and_rate_profile() -> None:
    """per_period is taken as given; rate 2/h with profile {heating: 1, non_heating: 0.5}
    gives 2 x 2880 = 5760 and 2 x 5880 x 0.5 = 5880; a profile that leaves out a period
    means 1 there: rate 3, {heating: 0.25} gives 3 x 2880 x 0.25 = 2160 and 3 x 5880 = 17640.
    """
    park = one_supply_in_seasons(1)
    per_period = Supply(resource="n_ash", per_period={"heating": 7.0, "non_heating": 11.0})
    np.testing.assert_allclose(stream_amounts(per_period, park, HOURS), [7.0, 11.0])
    rate = Demand(resource="n_ash", rate=2.0, profile={"heating": 1.0, "non_heating": 0.5})
    np.testing.assert_allclose(stream_amounts(rate, park, HOURS), [5760.0, 5880.0])
    partial = Supply(resource="n_ash", rate=3.0, profile={"heating": 0.25})
    np.testing.assert_allclose(stream_amounts(partial, park, HOURS), [2160.0, 17640.0])
    flat = Supply(resource="n_ash", rate=1.5)
    np.testing.assert_allclose(stream_amounts(flat, park, HOURS), [4320.0, 8820.0])


def test_max_flow_is_smallest_of_supply_demand_and_capacity() -> None:
    """Supply 1000 t/yr = 328.77 / 671.23 t per period; demand 800 t/yr; truck capacity
    0.05 t/h caps at 0.05 x 2880 = 144 and 0.05 x 5880 = 294 t. The largest useful flow is
    min(a, b / g, cap x h) = (144, 294) and the largest useful rate max(144/2880, 294/5880) = 0.05.
    """
    modes = {"n_truck": mode(max_capacity=0.05), "n_rail": mode(max_distance_km=1.0)}
    net = build_network(ash_park(modes=modes, periods=SEASONS))
    (link,) = net.links
    np.testing.assert_allclose(link.max_flow, [144.0, 294.0])
    assert link.max_rate == pytest.approx(0.05)


# -- lengths and distances (SPEC 3.6) ------------------------------------------------------


def test_length_is_detour_times_euclidean_distance() -> None:
    """a (0, 0) to b (3, 4): straight 5 km; truck detour 1.3 -> 6.5 km, rail detour 1 -> 5 km."""
    assert lengths(build_network(ash_park())) == pytest.approx({"n_truck": 6.5, "n_rail": 5.0})


@pytest.mark.parametrize(
    ("distances", "expected"),
    [
        # all modes, given in the opposite direction (symmetric): replaces both, no detour
        ([{"from": "b", "to": "a", "km": 7.5}], {"n_truck": 7.5, "n_rail": 7.5}),
        # one mode only: the other keeps detour x straight
        ([{"from": "a", "to": "b", "km": 9.0, "mode": "n_rail"}], {"n_truck": 6.5, "n_rail": 9.0}),
        # mode-specific beats all-modes for its mode, whatever the order
        (
            [{"from": "a", "to": "b", "km": 9.0, "mode": "n_rail"}, {"from": "a", "to": "b", "km": 4.0}],
            {"n_truck": 4.0, "n_rail": 9.0},
        ),
        (
            [{"from": "b", "to": "a", "km": 4.0}, {"from": "b", "to": "a", "km": 9.0, "mode": "n_truck"}],
            {"n_truck": 9.0, "n_rail": 4.0},
        ),
    ],
)
def test_measured_distance_replaces_computed_length(distances: list[dict], expected: dict) -> None:
    """SPEC 3.6: a measured route is used as given, for that mode or all modes; symmetric."""
    assert lengths(build_network(ash_park(distances=distances))) == pytest.approx(expected)


def test_max_distance_applies_to_route_length() -> None:
    """Truck reach 6 km: the straight 5 km is within reach but the route 1.3 x 5 = 6.5 km is not.

    Reach 6.5 km: exactly at the limit, a candidate. A measured route of 5.5 km brings the
    pair back within the 6 km reach; one of 6.1 km keeps it out.
    """
    rail = mode(max_distance_km=1.0)  # never a candidate here
    out = build_network(ash_park(modes={"n_truck": mode(detour=1.3, max_distance_km=6.0), "n_rail": rail}))
    assert out.links == []
    edge = build_network(ash_park(modes={"n_truck": mode(detour=1.3, max_distance_km=6.5), "n_rail": rail}))
    assert lengths(edge) == pytest.approx({"n_truck": 6.5})
    measured = build_network(
        ash_park(
            modes={"n_truck": mode(detour=1.3, max_distance_km=6.0), "n_rail": rail},
            distances=[{"from": "a", "to": "b", "km": 5.5}],
        )
    )
    assert lengths(measured) == pytest.approx({"n_truck": 5.5})
    longer = build_network(
        ash_park(
            modes={"n_truck": mode(detour=1.0, max_distance_km=6.0), "n_rail": rail},
            distances=[{"from": "a", "to": "b", "km": 6.1}],
        )
    )
    assert longer.links == []


def test_max_distance_keeps_near_and_drops_far_pairs() -> None:
    """Supply at 0; demands at x = 3, 10, 30 km; truck reach 12 km (detour 1): two candidates."""
    park = make_park(
        [
            site("a", 0, 0, supplies=[{"resource": "n_ash", "amount": 100}]),
            site("near", 3, 0, demands=[{"resource": "n_ash", "amount": 10}]),
            site("mid", 0, 10, demands=[{"resource": "n_ash", "amount": 10}]),
            site("far", 30, 0, demands=[{"resource": "n_ash", "amount": 10}]),
        ],
        resources={"n_ash": {"kind": "material", "unit": "t", "modes": ["n_truck"]}},
        modes={"n_truck": mode(max_distance_km=12.0)},
    )
    net = build_network(park)
    assert sorted((net.demands[link.demand].enterprise, link.length_km) for link in net.links) == [
        ("mid", pytest.approx(10.0)),
        ("near", pytest.approx(3.0)),
    ]


def wgs84_park(b_lat: float, b_lon: float, **truck: object) -> circflow.Park:
    return make_park(
        [
            {"id": "a", "location": {"lat": 36.0, "lon": 117.0}, "supplies": [{"resource": "n_ash", "amount": 100}]},
            {"id": "b", "location": {"lat": b_lat, "lon": b_lon}, "demands": [{"resource": "n_ash", "amount": 100}]},
        ],
        resources={"n_ash": {"kind": "material", "unit": "t", "modes": ["n_truck"]}},
        modes={"n_truck": mode(**truck)},
        crs="wgs84",
    )


def test_haversine_one_degree_of_latitude() -> None:
    """1 degree of latitude on a sphere of R = 6371.0088 km: R pi / 180 = 111.19508 km."""
    (link,) = build_network(wgs84_park(37.0, 117.0)).links
    assert EARTH_RADIUS_KM == 6371.0088
    assert link.length_km == pytest.approx(6371.0088 * math.pi / 180, rel=1e-9)
    assert link.length_km == pytest.approx(111.19508, rel=1e-6)


def test_haversine_with_detour_on_a_diagonal() -> None:
    """(36, 117) to (36.3, 117.4), detour 1.2: 1.2 x haversine, computed here independently:

    hav = sin^2(dphi/2) + cos phi1 cos phi2 sin^2(dlambda/2); d = 2 R asin(sqrt(hav)).
    """
    p1, p2 = math.radians(36.0), math.radians(36.3)
    hav = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(0.4) / 2) ** 2
    straight = 2 * 6371.0088 * math.asin(math.sqrt(hav))
    (link,) = build_network(wgs84_park(36.3, 117.4, detour=1.2)).links
    assert link.length_km == pytest.approx(1.2 * straight, rel=1e-9)


@pytest.mark.parametrize(("reach_km", "candidate"), [(111.2, True), (111.19, False), (150.0, True), (100.0, False)])
def test_max_distance_on_wgs84(reach_km: float, candidate: bool) -> None:
    """Two points 111.195 km apart (1 degree of latitude): a candidate exactly when reach >= 111.195."""
    net = build_network(wgs84_park(37.0, 117.0, max_distance_km=reach_km))
    assert bool(net.links) is candidate


# -- quality (SPEC 3.6) ------------------------------------------------------------------------

QUALITY = {"grade": "II", "loss_on_ignition": 6.5, "class": 2}


@pytest.mark.parametrize(
    ("requires", "mismatch", "missing"),
    [
        ({}, False, False),
        ({"grade": ["I", "II"]}, False, False),
        ({"grade": ["I"]}, True, False),
        ({"class": [2, 3]}, False, False),
        ({"loss_on_ignition": {"min": 0, "max": 8}}, False, False),
        ({"loss_on_ignition": {"max": 6.5}}, False, False),  # inclusive
        ({"loss_on_ignition": {"min": 6.5}}, False, False),  # inclusive
        ({"loss_on_ignition": {"max": 5}}, True, False),
        ({"loss_on_ignition": {"min": 7}}, True, False),
        ({"grade": {"min": 1}}, True, False),  # a range never admits text
        ({"fineness": ["fine"]}, False, True),
        ({"grade": ["II"], "fineness": {"max": 12}}, False, True),
    ],
)
def test_quality_gaps(requires: dict, mismatch: bool, missing: bool) -> None:
    """A supply meets requires when it has every attribute and each value is allowed (SPEC 3.6)."""
    supply = Supply(resource="n_ash", amount=1, quality=QUALITY)
    demand = Demand(resource="n_ash", amount=1, requires=requires)
    mismatches, lacking = quality_gaps(supply, demand)
    assert bool(mismatches) is mismatch
    assert bool(lacking) is missing


@pytest.mark.parametrize(
    ("requires", "candidate"),
    [
        ({"grade": ["I", "II"]}, True),
        ({"grade": ["I"]}, False),
        ({"loss_on_ignition": {"min": 5, "max": 8}}, True),
        ({"loss_on_ignition": {"max": 5}}, False),
        ({"fineness": ["fine"]}, False),
    ],
)
def test_quality_decides_candidates(requires: dict, candidate: bool) -> None:
    """Only quality-matching pairs become candidates; a missing attribute is warned about."""
    park = make_park(
        [
            site("a", 0, 0, supplies=[{"resource": "n_ash", "amount": 10, "quality": QUALITY}]),
            site("b", 1, 0, demands=[{"resource": "n_ash", "amount": 10, "requires": requires}]),
        ],
        resources={"n_ash": {"kind": "material", "unit": "t", "modes": ["n_truck"]}},
        modes={"n_truck": mode()},
    )
    net = build_network(park)
    assert bool(net.links) is candidate
    if "fineness" in requires:
        assert any("fineness" in warning for warning in net.warnings)


# -- which pairs are candidates at all -----------------------------------------------------


def test_candidates_need_same_resource_other_enterprise_and_carrying_mode() -> None:
    """a supplies ash and gypsum; b demands ash and gypsum, a demands ash itself.

    ash (truck): a -> b only (a -> a is the same enterprise); gypsum's only mode is rail,
    which cannot carry ash, so a -> b gypsum goes by rail only. Two candidates.
    """
    park = make_park(
        [
            site(
                "a",
                0,
                0,
                supplies=[{"resource": "n_ash", "amount": 10}, {"resource": "n_gyp", "amount": 10}],
                demands=[{"resource": "n_ash", "amount": 5}],
            ),
            site("b", 1, 0, demands=[{"resource": "n_ash", "amount": 10}, {"resource": "n_gyp", "amount": 10}]),
        ],
        resources={
            "n_ash": {"kind": "material", "unit": "t", "modes": ["n_truck"]},
            "n_gyp": {"kind": "material", "unit": "t", "modes": ["n_rail"]},
        },
        modes={"n_truck": mode(), "n_rail": mode()},
    )
    net = build_network(park)
    found = sorted(
        (net.supplies[link.supply].enterprise, net.demands[link.demand].enterprise, link.resource, link.mode)
        for link in net.links
    )
    assert found == [("a", "b", "n_ash", "n_truck"), ("a", "b", "n_gyp", "n_rail")]


def test_several_streams_of_one_resource_are_told_apart() -> None:
    """a has two ash streams, grade I (position 0) and grade III (position 1); b requires
    grade I. Only stream 0 is a candidate, named ``a#0``. An explicit link with ``supply: 1``
    adds stream 1 (quality is only warned about for explicit links).
    """
    streams = [
        {"resource": "n_ash", "amount": 10, "quality": {"grade": "I"}},
        {"resource": "n_ash", "amount": 20, "quality": {"grade": "III"}},
    ]
    demand = {"resource": "n_ash", "amount": 10, "requires": {"grade": ["I"]}}
    resources = {"n_ash": {"kind": "material", "unit": "t", "modes": ["n_truck"]}}
    park = make_park(
        [site("a", 0, 0, supplies=streams), site("b", 1, 0, demands=[demand])],
        resources=resources,
        modes={"n_truck": mode()},
    )
    net = build_network(park)
    assert [(net.supplies[link.supply].position, link.id) for link in net.links] == [(0, "a#0>b:n_ash:n_truck")]
    park = make_park(
        [site("a", 0, 0, supplies=streams), site("b", 1, 0, demands=[demand])],
        resources=resources,
        modes={"n_truck": mode()},
        links=[{"from": "a", "to": "b", "resource": "n_ash", "mode": "n_truck", "supply": 1}],
    )
    net = build_network(park)
    assert sorted(net.supplies[link.supply].position for link in net.links) == [0, 1]
    np.testing.assert_allclose(sorted(net.supplies[link.supply].amounts[0] for link in net.links), [10, 20])


def test_explicit_link_is_a_candidate_beyond_reach_and_quality() -> None:
    """SPEC 3.7: an explicit link is a candidate even 6.5 km away with a 3 km reach and a
    quality mismatch; its given distance_km (8) is its length. Both rules are warned about.
    """
    park = make_park(
        [
            site("a", 0, 0, supplies=[{"resource": "n_ash", "amount": 10, "quality": {"grade": "III"}}]),
            site("b", 3, 4, demands=[{"resource": "n_ash", "amount": 10, "requires": {"grade": ["I"]}}]),
        ],
        resources={"n_ash": {"kind": "material", "unit": "t", "modes": ["n_truck"]}},
        modes={"n_truck": mode(max_distance_km=3.0)},
        links=[{"from": "a", "to": "b", "resource": "n_ash", "mode": "n_truck", "distance_km": 8.0}],
    )
    net = build_network(park)
    (link,) = net.links
    assert link.length_km == pytest.approx(8.0)
    assert link.explicit
    assert any("quality" in w for w in net.warnings)
    assert any("reach" in w for w in net.warnings)


def test_existing_link_capacity_limits_flow_and_survives_forbid() -> None:
    """An existing link with capacity 0.05 t/h caps each period's flow at 0.05 x h (144, 294 t),
    below supply (1000 x h / 8760 = 328.8, 671.2 t) and demand (800 x h / 8760 = 263.0, 537.0 t);
    plan.forbid cannot remove what is already built.
    """
    park = ash_park(
        modes={"n_truck": mode(), "n_rail": mode(max_distance_km=1.0)},
        periods=SEASONS,
        links=[{"from": "a", "to": "b", "resource": "n_ash", "mode": "n_truck", "existing": True, "capacity": 0.05}],
        plan={"forbid": [{"from": "a", "to": "b", "resource": "n_ash"}]},
    )
    net = build_network(park)
    (link,) = net.links
    assert link.existing
    np.testing.assert_allclose(link.max_flow, [144.0, 294.0])
    assert any("exists already" in w for w in net.warnings)


def test_forbid_and_force_by_mode() -> None:
    """Forbid rail a -> b: only the truck candidate is left. Force truck: it is marked forced
    and forms one forced group.
    """
    park = ash_park(
        plan={
            "forbid": [{"from": "a", "to": "b", "resource": "n_ash", "mode": "n_rail"}],
            "force": [{"from": "a", "to": "b", "resource": "n_ash", "mode": "n_truck"}],
        }
    )
    net = build_network(park)
    (link,) = net.links
    assert (link.mode, link.forced) == ("n_truck", True)
    assert [members for _, members in net.forced_groups] == [[0]]


def test_forcing_a_non_candidate_is_an_error() -> None:
    """plan.force of a pair beyond reach names the reason (SPEC 7)."""
    modes = {"n_truck": mode(max_distance_km=1.0), "n_rail": mode(max_distance_km=1.0)}
    with pytest.raises(circflow.ParkError, match=r"plan\.force\[0\]"):
        build_network(ash_park(modes=modes, plan={"force": [{"from": "a", "to": "b", "resource": "n_ash"}]}))


def test_baseline_network_holds_existing_links_only() -> None:
    """existing_only (the status quo of SPEC 4) keeps the existing link and drops new candidates."""
    park = ash_park(links=[{"from": "a", "to": "b", "resource": "n_ash", "mode": "n_rail", "existing": True}])
    assert sorted(lengths(build_network(park))) == ["n_rail", "n_truck"]
    status_quo = build_network(park, existing_only=True)
    assert [(link.mode, link.existing) for link in status_quo.links] == [("n_rail", True)]


# -- process outputs, duplicate technologies, loops, preheat pipes (SPEC 8) -------------------

TRUCK_ONLY = {"n_ash": {"kind": "material", "unit": "t", "modes": ["n_truck"]}}


def classifier_park(**sections: object) -> circflow.Park:
    """A classifier at c makes n_ash twice (fine and coarse); d takes the fine, e the coarse."""
    classifier = {
        "id": "sort",
        "input": {"resource": "n_ash"},
        "outputs": [
            {"resource": "n_ash", "yield": 0.6, "quality": {"grade": "fine"}},
            {"resource": "n_ash", "yield": 0.4, "quality": {"grade": "coarse"}},
        ],
    }
    enterprises = [
        site("a", 0, 0, supplies=[{"resource": "n_ash", "amount": 1000, "quality": {"grade": "raw"}}]),
        {**site("c", 1, 0), "processes": [classifier]},
        site("d", 2, 0, demands=[{"resource": "n_ash", "amount": 500, "requires": {"grade": ["fine"]}}]),
        site("e", 3, 0, demands=[{"resource": "n_ash", "amount": 500, "requires": {"grade": ["coarse"]}}]),
    ]
    return make_park(enterprises, resources=TRUCK_ONLY, modes={"n_truck": mode()}, **sections)


def test_a_process_making_one_resource_twice_names_each_output() -> None:
    """The classifier's two outputs are ``sort.outputs[0]`` and ``sort.outputs[1]``: link ids
    stay unique (they were both ``c#sort>...``) and a link's ``supply:`` can pick one."""
    net = build_network(classifier_park())
    ids = [link.id for link in net.links]
    assert len(ids) == len(set(ids))
    assert "c#sort.outputs[0]>d:n_ash:n_truck" in ids
    assert "c#sort.outputs[1]>e:n_ash:n_truck" in ids
    link = {"from": "c", "to": "d", "resource": "n_ash", "supply": "sort.outputs[1]", "existing": True}
    explicit = build_network(classifier_park(links=[link]))
    (existing,) = [x for x in explicit.links if x.existing]
    assert existing.id == "c#sort.outputs[1]>d:n_ash:n_truck"
    assert explicit.supplies[existing.supply].output_index == 1


def test_an_explicit_direct_link_beside_a_heat_pump_gets_its_own_id() -> None:
    """40 degC to 60 degC is a heat-pump lift; an explicit ``type: direct`` link on the same
    pair is kept too (explicit links are always candidates) under ``...:direct``."""
    heat = {"n_heat": {"kind": "heat", "unit": "MWh", "modes": ["n_pipe"]}}
    park = make_park(
        [
            site("s", 0, 0, supplies=[{"resource": "n_heat", "rate": 5, "temperature": 40}]),
            site("d", 1, 0, demands=[{"resource": "n_heat", "rate": 5, "temperature": 60}]),
        ],
        resources=heat,
        modes={"n_pipe": mode()},
        links=[{"from": "s", "to": "d", "resource": "n_heat", "type": "direct"}],
    )
    ids = sorted(link.id for link in build_network(park).links)
    assert ids == ["s>d:n_heat:n_pipe", "s>d:n_heat:n_pipe:direct"]


def test_processes_feeding_each_other_in_a_loop_are_refused() -> None:
    """p at b turns n_ash into n_ash that q at c takes, and q's output goes back into p: a
    recycling loop, whose bounds never settle. Refused with a message, exit 2 in the CLI."""
    loop = [
        {
            **site("b", 1, 0),
            "processes": [
                {"id": "p", "input": {"resource": "n_ash"}, "outputs": [{"resource": "n_ash", "yield": 0.9}]}
            ],
        },
        {
            **site("c", 2, 0),
            "processes": [
                {"id": "q", "input": {"resource": "n_ash"}, "outputs": [{"resource": "n_ash", "yield": 0.9}]}
            ],
        },
    ]
    park = make_park(
        [site("a", 0, 0, supplies=[{"resource": "n_ash", "amount": 100}]), *loop],
        resources=TRUCK_ONLY,
        modes={"n_truck": mode()},
    )
    with pytest.raises(circflow.ParkError, match="loop"):
        build_network(park)


def test_a_preheat_pipe_is_priced_on_the_water_it_carries() -> None:
    """Return 50, supply 80 degC; a 70 degC source preheats to 70 - 10 = 60 degC, so its pipe
    carries water warmed by 10 K, not 30 K: capex per MW per km = 2,000 / (1.163e-3 x 10)."""
    from circflow.model import coefficients

    heat = {"n_heat": {"kind": "heat", "unit": "MWh", "modes": ["n_pipe"]}}
    park = make_park(
        [
            site("s", 0, 0, supplies=[{"resource": "n_heat", "rate": 5, "temperature": 70}]),
            site("d", 1, 0, demands=[{"resource": "n_heat", "rate": 5, "temperature": 80, "return_temperature": 50}]),
        ],
        resources=heat,
        modes={"n_pipe": mode(capex_per_flow_km=2000.0)},
        heat_pump={"max_lift_k": 0.0},
    )
    net = build_network(park)
    (link,) = net.links
    assert link.type == "preheat"
    assert coefficients(net).capex_per_rate[0] == pytest.approx(2000.0 / (1.163e-3 * 10) * 1.0)


def expandable_park(*, expandable: bool) -> circflow.Park:
    """a supplies 1,000 t/yr, b needs 1,000 t/yr (baseline 100 CNY/t); today's contract
    carries 500 t/yr (capacity 500/8760 t/h)."""
    link = {
        "from": "a",
        "to": "b",
        "resource": "n_ash",
        "mode": "n_truck",
        "existing": True,
        "capacity": 500 / 8760,
        "expandable": expandable,
    }
    return make_park(
        [
            site("a", 0, 0, supplies=[{"resource": "n_ash", "amount": 1000}]),
            site("b", 1, 0, demands=[{"resource": "n_ash", "amount": 1000, "baseline": {"cost": 100}}]),
        ],
        resources=TRUCK_ONLY,
        modes={"n_truck": mode(capex_fixed=1000, opex_per_unit=1, lifetime_years=10)},
        economics={**ECONOMICS, "discount_rate": 0.0},
        links=[link],
    )


def test_an_expandable_contract_grows_through_a_new_link_beside_it() -> None:
    """Without ``expandable`` the 500 t the contract cannot carry are bought conventionally:
    500 x 1 + 500 x 100 = 50,500 CNY/yr. With it, a new link beside it carries them:
    capex 1,000 / 10 years = 100 + 500 x 1 opex, so 500 + 100 + 500 = 1,100 CNY/yr."""
    net = build_network(expandable_park(expandable=True))
    assert sorted(link.id for link in net.links) == ["a>b:n_ash:n_truck", "a>b:n_ash:n_truck:expansion"]
    assert circflow.optimize(expandable_park(expandable=True)).kpis["total_cost"] == pytest.approx(1100.0)
    assert circflow.optimize(expandable_park(expandable=False)).kpis["total_cost"] == pytest.approx(50500.0)
    assert [link.id for link in build_network(expandable_park(expandable=True), existing_only=True).links] == [
        "a>b:n_ash:n_truck"
    ]
