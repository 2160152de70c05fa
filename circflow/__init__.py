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
"""

from circflow._version import __version__
from circflow.exceptions import CircflowError, ClusterError, OutputError, ParkError, Problem, SolverError
from circflow.exports.outputs import read_results, write_outputs
from circflow.exports.sankey import sankey_figure
from circflow.front import pareto
from circflow.load import load_park, park_from_dict
from circflow.optimizer import optimize
from circflow.results import Result
from circflow.schema import Demand, Enterprise, Link, Mode, Park, Resource, Supply
from circflow.solve import SolverProfile, Status
from circflow.sweeps import sweep

__all__ = [
    "CircflowError",
    "ClusterError",
    "Demand",
    "Enterprise",
    "Link",
    "Mode",
    "OutputError",
    "Park",
    "ParkError",
    "Problem",
    "Resource",
    "Result",
    "SolverError",
    "SolverProfile",
    "Status",
    "Supply",
    "__version__",
    "load_park",
    "optimize",
    "park_from_dict",
    "pareto",
    "read_results",
    "sankey_figure",
    "sweep",
    "write_outputs",
]
