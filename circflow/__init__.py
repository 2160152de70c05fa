"""circflow: optimise the circular economy of an industrial park.

A park file (YAML) describes enterprises and the by-products, waste heat and water they
supply and demand; circflow finds which symbiosis links to build and how much flows over
them, minimising annualised cost and CO2 against the status quo (SPEC.md).

>>> import circflow
>>> park = circflow.load_park("parks/tiny.yaml")            # doctest: +SKIP
>>> result = circflow.optimize(park, objective="cost")       # doctest: +SKIP
>>> result.status, result.kpis["total_cost"]                 # doctest: +SKIP
>>> result.save("tiny-results")                              # doctest: +SKIP
>>> circflow.sankey_figure(circflow.read_results("tiny-results")).show()  # doctest: +SKIP
>>> table = circflow.sweep("parks/tiny.yaml", vary={"economics.carbon_price": "0:400:9"})  # doctest: +SKIP
>>> found = circflow.alternatives(park, slack=0.05)            # doctest: +SKIP
>>> found.table[["link", "class", "best_without", "best_with"]]  # doctest: +SKIP
>>> moved = circflow.sensitivity(park, {"economics.electricity_price": "-20%:+20%"})  # doctest: +SKIP
>>> result.marginals[["kind", "name", "value", "value_unit"]]  # doctest: +SKIP
"""

import typing as _typing

from circflow._version import __version__
from circflow.exceptions import (
    CircflowError,
    ClusterError,
    InfeasibleError,
    OutputError,
    ParkError,
    Problem,
    SolverError,
)

if _typing.TYPE_CHECKING:
    from circflow.breakeven import Sensitivity, sensitivity
    from circflow.checks import Validation, validate
    from circflow.comparison import compare
    from circflow.exports.netmap import network_map_figure
    from circflow.exports.outputs import read_results, write_outputs
    from circflow.exports.sankey import sankey_figure
    from circflow.extend import Expression, ModelView, pyomo_model
    from circflow.front import pareto
    from circflow.howsure import how_sure
    from circflow.load import load_park, park_from_dict
    from circflow.nearoptimal import Alternatives, alternatives
    from circflow.optimizer import optimize
    from circflow.results import Result
    from circflow.schema import Demand, Enterprise, Link, Mode, Park, Resource, Supply
    from circflow.solve import SolverProfile, Status
    from circflow.studies import StudyOptions
    from circflow.sweeps import sweep

_LAZY = {
    "circflow.breakeven": ("Sensitivity", "sensitivity"),
    "circflow.checks": ("Validation", "validate"),
    "circflow.comparison": ("compare",),
    "circflow.exports.netmap": ("network_map_figure",),
    "circflow.exports.outputs": ("read_results", "write_outputs"),
    "circflow.exports.sankey": ("sankey_figure",),
    "circflow.extend": ("Expression", "ModelView", "pyomo_model"),
    "circflow.front": ("pareto",),
    "circflow.howsure": ("how_sure",),
    "circflow.load": ("load_park", "park_from_dict"),
    "circflow.nearoptimal": ("Alternatives", "alternatives"),
    "circflow.optimizer": ("optimize",),
    "circflow.results": ("Result",),
    "circflow.schema": ("Demand", "Enterprise", "Link", "Mode", "Park", "Resource", "Supply"),
    "circflow.solve": ("SolverProfile", "Status"),
    "circflow.studies": ("StudyOptions",),
    "circflow.sweeps": ("sweep",),
}
"""Where each public name lives. They load on first use (PEP 562), so ``import circflow``
and ``circflow --help`` do not wait for plotly, openpyxl, pandas or the solver."""
_HOME = {name: module for module, names in _LAZY.items() for name in names}


def __getattr__(name: str) -> object:
    if name not in _HOME:
        msg = f"module 'circflow' has no attribute {name!r}"
        raise AttributeError(msg)
    import importlib

    value = getattr(importlib.import_module(_HOME[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOME))


__all__ = [
    "Alternatives",
    "CircflowError",
    "ClusterError",
    "Demand",
    "Enterprise",
    "Expression",
    "InfeasibleError",
    "Link",
    "Mode",
    "ModelView",
    "OutputError",
    "Park",
    "ParkError",
    "Problem",
    "Resource",
    "Result",
    "Sensitivity",
    "SolverError",
    "SolverProfile",
    "Status",
    "StudyOptions",
    "Supply",
    "Validation",
    "__version__",
    "alternatives",
    "compare",
    "how_sure",
    "load_park",
    "network_map_figure",
    "optimize",
    "pareto",
    "park_from_dict",
    "pyomo_model",
    "read_results",
    "sankey_figure",
    "sensitivity",
    "sweep",
    "validate",
    "write_outputs",
]
