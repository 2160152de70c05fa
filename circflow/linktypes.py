"""Link technologies: how a link turns what it draws into what it delivers (SPEC 3.4, 8.3).

Between ``schema`` and ``network``. Every kind of link is one entry of `TECHNOLOGIES`:
``transport`` for materials and water, and four heat technologies. An entry says when it
applies to a supply and a demand (from their temperatures), its COP, its delivery gain,
the share of the supply it may draw (sigma), the share of the demand it may cover (the
preheat band rho), the temperature difference of the water its pipe carries, and its own
money and energy per unit (beside the mode's). The network asks the registry which
technologies a (supply, demand) pair admits; the model prices links from it; exports read
`label` and `converts_with`. A new technology is one entry here plus its catalog section.

Temperatures of a heat link (SPEC 8.3), all degC:

- ``inlet`` Ti and ``outlet`` To of the source (the heat released between them is the supply);
- ``supply`` Ts and ``return_`` Tr of the demand (the heat needed between them is the demand);
- ``approach`` dT, ``technologies.heat_exchange.min_approach_k``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from circflow.i18n import N_
from circflow.schema import HeatMachine, Park

KELVIN = 273.15
WATER_MWH_PER_M3_K = 1.163e-3
"""Heat carried by 1 m3 of water per K: rho cp = 4.187 MJ/(m3 K) = 1.163e-3 MWh/(m3 K) (SPEC 8.3)."""


@dataclass(frozen=True)
class Temperatures:
    """The four temperatures of a heat link and the heat exchanger's approach (degC, K)."""

    inlet: float
    outlet: float
    supply: float
    return_: float
    approach: float

    @property
    def share(self) -> float:
        """sigma: the share of the source a heat exchanger can release into water returning at Tr.

        ``(Ti - max(To, Tr + dT)) / (Ti - To)``, 1 when Ti = To (SPEC 8.3).
        """
        if self.inlet <= self.outlet:
            return 1.0
        return max(
            0.0, min(1.0, (self.inlet - max(self.outlet, self.return_ + self.approach)) / (self.inlet - self.outlet))
        )

    @property
    def band(self) -> float:
        """rho: the share of the demand a preheating source can cover, ``(Ti - dT - Tr) / (Ts - Tr)``."""
        if self.supply <= self.return_:
            return 0.0
        return max(0.0, min(1.0, (self.inlet - self.approach - self.return_) / (self.supply - self.return_)))

    def lift(self) -> float:
        """Ts - To: how far a heat pump lifts the source's coldest water."""
        return self.supply - self.outlet


@dataclass(frozen=True)
class Costs:
    """A technology's own capex and running figures for one link, per unit of flow drawn or per
    unit/h of capacity drawn (beside the mode's)."""

    capex_fixed: float = 0.0
    capex_per_rate: float = 0.0
    lifetime_years: float = 20.0
    om_fraction: float = 0.0
    variable: float = 0.0
    """Money per unit drawn."""
    electricity: float = 0.0
    """MWh of electricity per unit drawn."""
    drive_heat: float = 0.0
    """MWh of driving heat (steam) per unit drawn."""


@dataclass(frozen=True)
class Equipment:
    """A technology's own equipment (a heat pump) as the economics table lists it."""

    lifetime_years: float
    om_fraction: float


class Technology:
    """One kind of link. Subclasses override what differs from plain transport."""

    name: ClassVar[str] = "transport"
    label: ClassVar[str] = N_("transport")
    """How people name it in tables and diagrams (translated where shown)."""
    short_label: ClassVar[str] = N_("transport")
    """Its name in the terminal's narrow columns."""
    colour: ClassVar[str] = "#7f7f7f"
    """Its colour in the report's chart of how heat is met."""
    converts_with: ClassVar[str | None] = None
    """What drives the conversion, for diagrams: ``electricity``, ``steam`` or None."""
    named_in_id: ClassVar[bool] = False
    """Whether link ids end in ``:name``: a technology that can stand beside another on the
    same route (preheat beside a heat pump) must, to keep ids unique."""

    def applies(self, t: Temperatures, park: Park, *, absorption_drive: bool) -> bool:
        """Whether the technology can serve this supply and demand (candidate generation)."""
        return False

    def cop(self, t: Temperatures, park: Park) -> float | None:
        return None

    def gain_factor(self, cop: float | None) -> float:
        """Units delivered per unit drawn, before the pipe's loss: COP/(COP - 1) for heat pumps."""
        return 1.0

    def share(self, t: Temperatures) -> float:
        """sigma: the share of the supply a link may draw."""
        return 1.0

    def band(self, t: Temperatures) -> float | None:
        """rho: the share of the demand it may cover where nested bands apply (preheat), else None."""
        return None

    def pipe_delta_t(self, t: Temperatures) -> float:
        """Temperature difference of the water the pipe carries (0: use the mode's design value)."""
        return t.supply - t.return_

    def pipe_heat(self, cop: float | None) -> float:
        """Heat the pipe carries per unit drawn from the source (its capacity is priced on it)."""
        return 1.0

    def costs(self, park: Park, cop: float | None, gain: float, delivered_share: float) -> Costs:
        """The technology's own figures; ``delivered_share`` = 1 - loss x length."""
        return Costs()

    def equipment(self, park: Park) -> Equipment | None:
        """Its own equipment's lifetime and O&M share, None when the mode's pipe or truck is all."""
        return None

    def max_lift_k(self, park: Park) -> float | None:
        """The largest lift Ts - To it is a candidate for (K), None where lift does not apply."""
        return None


class Transport(Technology):
    """A material or water link: what is drawn is delivered, less the mode's losses."""


class Direct(Technology):
    name = "direct"
    label = N_("direct heat exchange")
    short_label = N_("direct exchange")
    colour = "#922b21"

    def applies(self, t: Temperatures, park: Park, *, absorption_drive: bool) -> bool:
        return t.inlet >= t.supply + t.approach and t.share > 0

    def share(self, t: Temperatures) -> float:
        return t.share


class Preheat(Technology):
    name = "preheat"
    label = N_("preheating of return water")
    short_label = N_("preheat")
    colour = "#d98880"
    named_in_id = True

    def applies(self, t: Temperatures, park: Park, *, absorption_drive: bool) -> bool:
        return t.return_ + t.approach < t.inlet < t.supply + t.approach and t.share > 0 and t.band > 0

    def share(self, t: Temperatures) -> float:
        return t.share

    def band(self, t: Temperatures) -> float | None:
        return t.band

    def pipe_delta_t(self, t: Temperatures) -> float:
        """The return water is heated to Ti - dT only, rho (Ts - Tr): that is the water the pipe
        carries. (SPEC 8.3 prices it at Ts - Tr, which understates the pipe by 1/rho.)"""
        return t.inlet - t.approach - t.return_


class HeatPump(Technology):
    name = "heat_pump"
    label = N_("electric heat pump")
    short_label = N_("electric heat pump")
    colour = "#7d3c98"
    converts_with = "electricity"

    def unit(self, park: Park) -> HeatMachine:
        """The machine's catalog entry (``technologies.heat_pump``)."""
        return park.technologies.heat_pump

    def applies(self, t: Temperatures, park: Park, *, absorption_drive: bool) -> bool:
        if Direct().applies(t, park, absorption_drive=absorption_drive):
            return False
        cop = self.cop(t, park)
        return t.lift() <= self.unit(park).max_lift_k and cop is not None and cop > 1

    def cop(self, t: Temperatures, park: Park) -> float | None:
        return heat_pump_cop(t.outlet, t.supply, park)

    def gain_factor(self, cop: float | None) -> float:
        assert cop is not None
        return cop / (cop - 1)

    def pipe_delta_t(self, t: Temperatures) -> float:
        return t.inlet - t.outlet  # the pipe carries the source's water to the heat pump at the demand

    def costs(self, park: Park, cop: float | None, gain: float, delivered_share: float) -> Costs:
        assert cop is not None
        unit = self.unit(park)
        drive = delivered_share / (cop - 1)  # electricity, or driving steam, per unit drawn
        return Costs(
            capex_fixed=unit.capex_fixed,
            capex_per_rate=unit.capex_per_mw * gain,
            lifetime_years=unit.lifetime_years,
            om_fraction=unit.om_fraction,
            variable=unit.opex_per_mwh * gain,
            electricity=drive if self.converts_with == "electricity" else 0.0,
            drive_heat=drive if self.converts_with == "steam" else 0.0,
        )

    def equipment(self, park: Park) -> Equipment | None:
        unit = self.unit(park)
        return Equipment(unit.lifetime_years, unit.om_fraction)

    def max_lift_k(self, park: Park) -> float | None:
        return self.unit(park).max_lift_k


class Absorption(HeatPump):
    """Steam-driven: it stands where the steam is, at the source, so its pipe carries the
    network's water (Ts - Tr) and the heat it delivers, cop/(cop - 1) per unit drawn. (SPEC
    8.3 prices it on the source's water, as for an electric heat pump at the demand; a unit
    cannot take its driving steam kilometres away, so circflow prices the pipe it needs.)"""

    name = "absorption"
    label = N_("absorption heat pump")
    short_label = N_("absorption heat pump")
    colour = "#e67e22"
    converts_with = "steam"
    named_in_id = True

    def pipe_delta_t(self, t: Temperatures) -> float:
        return t.supply - t.return_

    def pipe_heat(self, cop: float | None) -> float:
        return self.gain_factor(cop)

    def unit(self, park: Park) -> HeatMachine:
        """The machine's catalog entry (``technologies.absorption_heat_pump``)."""
        return park.technologies.absorption_heat_pump

    def applies(self, t: Temperatures, park: Park, *, absorption_drive: bool) -> bool:
        if not absorption_drive or Direct().applies(t, park, absorption_drive=absorption_drive):
            return False
        return t.lift() <= self.unit(park).max_lift_k

    def cop(self, t: Temperatures, park: Park) -> float | None:
        return park.technologies.absorption_heat_pump.cop


TECHNOLOGIES: dict[str, Technology] = {
    tech.name: tech for tech in (Transport(), Direct(), Preheat(), HeatPump(), Absorption())
}
"""Every link technology by name; heat ones in the order an explicit link without ``type`` tries them."""
HEAT_TECHNOLOGIES = ("direct", "preheat", "heat_pump", "absorption")


def heat_pump_cop(source_c: float, sink_c: float, park: Park) -> float:
    """COP of an electric heat pump cooling a source to ``source_c`` and heating to ``sink_c`` degC.

    SPEC 3.4 and 8.3: ``Te = To - approach + 273.15``, ``Tc = Ts + approach + 273.15``,
    ``COP = min(cop_max, eta Tc / (Tc - Te))``; ``source_c`` is the source's outlet To.

    Examples
    --------
    >>> from circflow.schema import Park
    >>> pump = {"carnot_efficiency": 0.5, "approach_k": 5, "cop_max": 8}
    >>> park = Park(park={"name": "x"}, technologies={"heat_pump": pump})
    >>> round(heat_pump_cop(35.0, 75.0, park), 4)  # 0.5 * 353.15 / (353.15 - 303.15)
    3.5315
    """
    pump = park.technologies.heat_pump
    hot = sink_c + pump.approach_k + KELVIN
    cold = source_c - pump.approach_k + KELVIN
    if hot <= cold:
        return pump.cop_max
    return min(pump.cop_max, pump.carnot_efficiency * hot / (hot - cold))


def capex_per_mw_km(capex_per_flow_km: float, delta_t_k: float) -> float:
    """A heat pipe's capex per MW per km from its price per m3/h of water per km (SPEC 8.3).

    Examples
    --------
    >>> round(capex_per_mw_km(2000.0, 40.0))  # 2,000 / (1.163e-3 x 40)
    42992
    """
    return capex_per_flow_km / (WATER_MWH_PER_M3_K * delta_t_k)
