"""Rules added from Python: the ``extra=`` hook of every study (SPEC 10).

Between ``network`` and ``model``. A feasibility study carries rules no park file can say
("at most 12 new contracts", "no heat pump unless the steel works also sends slag"). Each is
a plain function that receives a `ModelView`, the park's model about to be solved, whose
variables are addressed by link id, process, stream and period, and adds named linear
constraints or objective terms to it, as PyPSA's ``extra_functionality`` does::

    def at_most_12_contracts(m: circflow.ModelView) -> None:
        new = [link for link in m.links(new=True)]
        m.add_constraint("new_contracts", m.sum(m.built(link) for link in new) <= 12)

    circflow.optimize(park, extra=at_most_12_contracts)

Or on the model's Pyomo form (`ModelView.pyomo`, the ``pyomo.environ.ConcreteModel`` of
``docs/model.md``): constraints added to it, and terms added to its ``cost`` objective (in
money per year), are read back into rows after the function returns, so the solve stays on
circflow's array path (HiGHS gets arrays, never a Pyomo model).

How a rule travels: `record` calls the functions once on the park's candidate network and
keeps each row over *symbols* (a link's rate in a period, its build decision, ...); every
model circflow then builds (each independent part, the pruned model, the diagnosis's
elastic copy, the fixed plan of the marginal values) gets the rows over its own columns
(`add_extra_rows`). A rule that names links of several parts makes them one part; pruning
keeps the links whose removal could break a rule; the rules' rows are named in
``results.json`` (``model.extra``) and in the diagnosis of an infeasible park.

Functions may be given by import path, ``"package.module:function"``, which is what a
sweep's Dask workers on other machines need (a function defined in a notebook travels by
value with cloudpickle, a function of an installed package by name).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import math
import pickle
import re
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from circflow.exceptions import ParkError
from circflow.linear import Linear
from circflow.naming import link_name, place_names
from circflow.network import Network

if TYPE_CHECKING:
    import pyomo.environ as pyo

    from circflow.model import ParkModel
    from circflow.results import Solution
    from circflow.schema import Park

Symbol = tuple[Any, ...]
"""A variable named by the park, not by a model's column: ``("r", link_id, period)``, ``("y", link_id)``,
``("k", link_id)``, ``("z", process)``, ``("c", process)`` or ``("expr", name)`` (total_cost, ...)."""
Rule = Callable[["ModelView"], object]
Extra = Rule | str | Sequence[Rule | str] | None
"""What ``extra=`` takes: a function, an import path ``"package.module:function"``, a Pyomo model of
``build_model(net).to_pyomo()`` with constraints added to it (`PyomoAdditions`), or a list of them."""
PARK_WIDE = ("total_cost", "emissions", "capex", "annualised_capex")
"""The park's sums a rule may use (`ModelView.total_cost`, ...); a rule on one couples every part."""
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Expression:
    """A linear expression over the park's variables: ``constant + sum coefficient x symbol``.

    Built from `ModelView`'s variables with ``+``, ``-``, ``*`` by a number and `ModelView.sum`;
    compared with ``<=``, ``>=`` or ``==`` to a number or another expression, it becomes a
    `Constraint` for `ModelView.add_constraint`.
    """

    __slots__ = ("constant", "terms")
    __array_priority__ = 100  # numpy scalars on the left defer to us

    def __init__(self, terms: Mapping[Symbol, float] | None = None, constant: float = 0.0) -> None:
        self.terms: dict[Symbol, float] = dict(terms or {})
        self.constant = float(constant)

    @staticmethod
    def of(value: Expression | float) -> Expression:
        if isinstance(value, Expression):
            return value
        if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
            return Expression(constant=float(value))
        msg = f"a rule's expression takes numbers and circflow variables, got {type(value).__name__}"
        raise TypeError(msg)

    def __add__(self, other: Expression | float) -> Expression:
        other = Expression.of(other)
        terms = dict(self.terms)
        for symbol, value in other.terms.items():
            terms[symbol] = terms.get(symbol, 0.0) + value
        return Expression(terms, self.constant + other.constant)

    __radd__ = __add__

    def __neg__(self) -> Expression:
        return self * -1.0

    def __sub__(self, other: Expression | float) -> Expression:
        return self + (-Expression.of(other))

    def __rsub__(self, other: Expression | float) -> Expression:
        return Expression.of(other) - self

    def __mul__(self, factor: float) -> Expression:
        if isinstance(factor, Expression):
            if factor.terms and self.terms:
                msg = "a product of two variables is not linear; circflow's rules are linear"
                raise TypeError(msg)
            factor, other = (factor.constant, self) if not factor.terms else (self.constant, factor)
            return other * factor
        factor = float(factor)
        return Expression({s: v * factor for s, v in self.terms.items()}, self.constant * factor)

    __rmul__ = __mul__

    def __truediv__(self, divisor: float) -> Expression:
        return self * (1.0 / float(divisor))

    def __le__(self, other: Expression | float) -> Constraint:
        return Constraint(self - Expression.of(other), "<=")

    def __ge__(self, other: Expression | float) -> Constraint:
        return Constraint(self - Expression.of(other), ">=")

    def __eq__(self, other: object) -> Constraint:  # type: ignore[override]
        return Constraint(self - Expression.of(other), "==")  # type: ignore[arg-type]

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Expression({text_of(self)})"


@dataclass(frozen=True)
class Constraint:
    """``body <sense> 0``: a rule's row, made by comparing `Expression` objects."""

    body: Expression
    sense: str
    """``<=``, ``>=`` or ``==``."""

    def __bool__(self) -> bool:
        msg = "a constraint has no truth value: give it to ModelView.add_constraint"
        raise TypeError(msg)


@dataclass(frozen=True)
class Row:
    """A named rule row as recorded: ``body sense rhs`` with ``body`` over symbols."""

    name: str
    body: Expression
    """Without its constant: the constant moved to ``rhs``."""
    sense: str
    rhs: float
    text: str


@dataclass(frozen=True)
class Term:
    """A named objective term, money per year, added to the cost objective and to total_cost."""

    name: str
    body: Expression
    text: str


@dataclass
class Rules:
    """What `record` found: the rows and objective terms, over the park's symbols."""

    rows: list[Row] = field(default_factory=list)
    terms: list[Term] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.rows or self.terms)

    def symbols(self) -> set[Symbol]:
        bodies = [row.body for row in self.rows] + [term.body for term in self.terms]
        return {s for body in bodies for s in body.terms}

    @property
    def park_wide(self) -> bool:
        """A rule uses a park-wide sum (total_cost, ...): the park cannot be split into parts."""
        return any(s[0] == "expr" for s in self.symbols())

    def groups(self) -> list[tuple[list[str], list[str]]]:
        """Per row: the links and processes it names (they must be solved as one part)."""
        out = []
        for row in self.rows:
            links = sorted({s[1] for s in row.body.terms if s[0] in ("r", "y", "k")})
            processes = sorted({s[1] for s in row.body.terms if s[0] in ("z", "c")})
            out.append((links, processes))
        return out

    def protected_links(self) -> set[str]:
        """Links that pruning must keep: taking them out of a plan could break a row
        (a coefficient of the wrong sign) or lose a negative objective term (a subsidy)."""
        if self.park_wide:
            return {s[1] for s in self.symbols() if s[0] in ("r", "y", "k")} | {"*"}
        keep: set[str] = set()
        for row in self.rows:
            for symbol, value in row.body.terms.items():
                if symbol[0] not in ("r", "y", "k"):
                    continue
                harmful = row.sense == "==" or (row.sense == "<=" and value < 0) or (row.sense == ">=" and value > 0)
                if harmful:
                    keep.add(symbol[1])
        for term in self.terms:
            keep |= {s[1] for s, value in term.body.terms.items() if s[0] in ("r", "y", "k") and value < 0}
        return keep

    @property
    def constant(self) -> float:
        """The objective terms' constants (money per year, counted once for the park)."""
        return sum(term.body.constant for term in self.terms)

    def report(
        self, solution: Solution | None, net: Network, figures: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """``model.extra`` of results.json: each row and term with its value in the plan."""
        out = []
        for row in self.rows:
            value = None if solution is None else evaluate(row.body, solution, net, figures)
            out.append(
                {
                    "name": row.name,
                    "kind": "constraint",
                    "text": row.text,
                    "sense": row.sense,
                    "rhs": row.rhs,
                    "value": value,
                    "binding": None if value is None else _binding(value, row),
                }
            )
        for term in self.terms:
            value = None if solution is None else evaluate(term.body, solution, net, figures) + term.body.constant
            out.append({"name": term.name, "kind": "objective", "text": term.text, "value": value})
        return out

    def costs(self, solution: Solution, net: Network, figures: Mapping[str, Any] | None = None) -> dict[str, float]:
        """Each objective term's money per year in a plan."""
        return {t.name: evaluate(t.body, solution, net, figures) + t.body.constant for t in self.terms}


def _binding(value: float, row: Row) -> bool:
    return abs(value - row.rhs) <= 1e-6 * max(1.0, abs(row.rhs))


def resolve(extra: Extra) -> list[Rule]:
    """The rule functions of ``extra=``: import paths imported, a single one made a list.

    Raises
    ------
    ParkError
        When an import path does not name a function.
    """
    rules: list[Rule] = []
    for item in _items(extra):
        if _is_pyomo(item):
            rules.append(PyomoAdditions.of(item))
        elif isinstance(item, str):
            module_name, _, attribute = item.partition(":")
            try:
                found = getattr(importlib.import_module(module_name), attribute) if attribute else None
            except (ImportError, AttributeError) as error:
                msg = f"extra={item!r}: cannot import it ({error}); give 'package.module:function'"
                raise ParkError(msg) from None
            if not callable(found):
                msg = f"extra={item!r}: give 'package.module:function', a function that takes the model"
                raise ParkError(msg)
            rules.append(found)
        elif callable(item):
            rules.append(item)
        else:
            msg = (
                "extra= takes functions, 'package.module:function' paths or a Pyomo model from "
                f"build_model(net).to_pyomo(), got {type(item).__name__}"
            )
            raise ParkError(msg)
    return rules


def _items(extra: Extra) -> list[Any]:
    if extra is None:
        return []
    if callable(extra) or isinstance(extra, str) or _is_pyomo(extra):
        return [extra]
    return list(extra)


def _is_pyomo(item: object) -> bool:
    """A Pyomo model of `ParkModel.to_pyomo` (it carries the map of its variables to the park's)."""
    return hasattr(item, "circflow_symbols") and hasattr(item, "component_objects")


def portable(extra: Extra) -> Extra:
    """``extra=`` ready to travel to a sweep's workers: Pyomo models read into `PyomoAdditions`."""
    if extra is None:
        return None
    items = [PyomoAdditions.of(item) if _is_pyomo(item) else item for item in _items(extra)]
    return items[0] if len(items) == 1 else items


def describe(extra: Extra) -> Any:
    """A stable name of ``extra=`` for a sweep's run keys: per rule, ``module:function`` and a
    digest of what the function does (its code, defaults, closure and the plain values it reads
    from its module), so that a rule edited between two sweeps, or two closures of one factory
    (``at_most(10)``, ``at_most(12)``), never share a key and a resumed sweep never reuses
    rows of another rule."""
    if extra is None:
        return None
    out = []
    for item in _items(extra):
        if isinstance(item, str):
            out.append(item)
            continue
        item = PyomoAdditions.of(item) if _is_pyomo(item) else item
        name = f"{getattr(item, '__module__', '?')}:{getattr(item, '__qualname__', type(item).__qualname__)}"
        what = item.key() if isinstance(item, PyomoAdditions) else _fingerprint(item, depth=3)
        digest = hashlib.sha256(repr(what).encode()).hexdigest()[:12]
        out.append(f"{name}@{digest}")
    return out


def _fingerprint(value: Any, depth: int) -> Any:
    """What a rule is, as plain data: code objects by their bytecode, constants and names;
    functions by their code, defaults, closure and the globals they read; other objects by
    their attributes. Stable across processes (no ids, no hash order)."""
    if isinstance(value, (int, float, str, bytes, bool, type(None))):
        return value
    if depth < 0:
        return type(value).__qualname__
    if isinstance(value, types.CodeType):
        return (
            value.co_code,
            tuple(_fingerprint(c, depth) for c in value.co_consts),
            value.co_names,
            value.co_varnames,
        )
    if isinstance(value, (list, tuple)):
        return tuple(_fingerprint(v, depth - 1) for v in value)
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(repr(_fingerprint(v, depth - 1)) for v in value))
    if isinstance(value, Mapping):
        return tuple(sorted((repr(k), repr(_fingerprint(v, depth - 1))) for k, v in value.items()))
    if isinstance(value, types.ModuleType):
        return value.__name__
    if isinstance(value, functools.partial):
        return (
            "partial",
            _fingerprint(value.func, depth),
            _fingerprint(value.args, depth),
            _fingerprint(value.keywords, depth),
        )
    if isinstance(value, types.MethodType):  # a bound method: its object is part of what it does
        return ("method", _fingerprint(value.__func__, depth), _fingerprint(value.__self__, depth - 1))
    function = value
    if isinstance(function, types.FunctionType):
        code = function.__code__
        cells = tuple(
            _fingerprint(cell.cell_contents, depth - 1) for cell in function.__closure__ or () if _filled(cell)
        )
        read = {n: function.__globals__[n] for n in _global_names(code) if n in function.__globals__}
        return (
            function.__qualname__,
            _fingerprint(code, depth),
            _fingerprint(function.__defaults__, depth - 1),
            _fingerprint(function.__kwdefaults__, depth - 1),
            cells,
            _fingerprint(read, depth - 1),
        )
    if isinstance(value, type):
        return value.__qualname__
    state = getattr(value, "__dict__", None)
    if state is None and hasattr(value, "__slots__"):
        state = {n: getattr(value, n) for n in value.__slots__ if hasattr(value, n)}
    if callable(value) and state is not None:  # a rule object: its class's call and its fields
        return (type(value).__qualname__, _fingerprint(type(value).__call__, depth - 1), _fingerprint(state, depth - 1))
    if isinstance(value, (Expression, Row, Term)):
        return (type(value).__qualname__, _fingerprint(state or vars(value), depth - 1))
    try:  # data a rule reads (a frame, an array): by its bytes
        data = pickle.dumps(value, protocol=4)
    except Exception:  # an object of a local class: by its fields; else by its text
        if state is not None:
            return (type(value).__qualname__, _fingerprint(state, depth - 1))
        data = repr(value).encode()
    return (type(value).__qualname__, hashlib.sha256(data).hexdigest())


def _filled(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018 (an empty cell raises)
    except ValueError:
        return False
    return True


def _global_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def record(extra: Extra, net: Network, objective: str = "cost") -> Rules:
    """Call the rule functions on the park's candidate network; keep their rows and terms.

    Raises
    ------
    ParkError
        When a rule names a link, process, stream or period the park does not have, reuses
        a name, or writes something that is not a linear row.
    """
    rules = resolve(extra)
    if not rules:
        return Rules()
    view = ModelView(net, objective)
    for rule in rules:
        view._rule = getattr(rule, "__name__", "rule")
        rule(view)
    view._read_pyomo()
    return view._rules


def add_extra_rows(m: ParkModel, rules: Rules | None, *, elastic: bool = False) -> None:
    """The rules' rows over this model's columns (block ``extra``, labelled by name), and their
    objective terms in the named sum ``extra_cost`` (added to total_cost by the objectives).

    A row joins the model when its links or processes are in it (every row, for a model of the
    whole park); a link the model does not have (pruned, or not built in a fixed plan) counts
    as 0. Elastic form: each row gets a penalised slack (``extra_slack``), so the diagnosis
    can name it.
    """
    if not rules:
        return
    mapping = _Columns(m)
    whole = m.net.accounted is None
    kept = [row for row in rules.rows if whole or mapping.touches(row.body)]
    if kept:
        rows, cols, values, lower, upper = [], [], [], [], []
        for k, row in enumerate(kept):
            linear = mapping.linear(row.body)
            rows.append(np.full(len(linear.columns), k))
            cols.append(linear.columns)
            values.append(linear.values)
            rhs = row.rhs - linear.constant
            lower.append(rhs if row.sense in (">=", "==") else -np.inf)
            upper.append(rhs if row.sense in ("<=", "==") else np.inf)
        if elastic:
            down = m.add_columns("extra_slack_down", [r.name for r in kept], lower=0.0, upper=np.inf)
            up = m.add_columns("extra_slack_up", [r.name for r in kept], lower=0.0, upper=np.inf)
            for k in range(len(kept)):  # body - down + up within the bounds: both ways relaxed
                rows.append(np.array([k, k]))
                cols.append(np.array([down[k], up[k]]))
                values.append(np.array([-1.0, 1.0]))
        m.add_rows(
            "extra",
            [r.name for r in kept],
            (np.concatenate(rows).astype(np.int64), np.concatenate(cols).astype(np.int64), np.concatenate(values)),
            lower=np.array(lower),
            upper=np.array(upper),
        )
    terms = [mapping.linear(t.body, keep_constant=False) for t in rules.terms if whole or mapping.touches(t.body)]
    if terms:
        total = terms[0]
        for linear in terms[1:]:
            total = total + linear
        m.expressions["extra_cost"] = total


def evaluate(body: Expression, solution: Solution, net: Network, figures: Mapping[str, Any] | None = None) -> float:
    """The value of an expression (without its constant) in a plan of ``net``."""
    index = {link.id: i for i, link in enumerate(net.links)}
    process = {p.path: p.index for p in net.processes}
    total = 0.0
    for symbol, value in body.terms.items():
        kind = symbol[0]
        if kind == "expr":
            total += value * float((figures or {}).get(symbol[1], math.nan))
            continue
        if kind in ("z", "c"):
            q = process.get(symbol[1])
            built, size = solution.for_processes(len(net.processes))
            total += value * (0.0 if q is None else float(built[q] if kind == "z" else size[q]))
            continue
        i = index.get(symbol[1])
        if i is None:
            continue
        if kind == "r":
            total += value * float(solution.flow[i, symbol[2]] / net.hours[symbol[2]])
        elif kind == "y":
            total += value * float(solution.built[i])
        elif kind == "k":
            total += value * float(solution.capacity[i])
    return total


class _Columns:
    """Symbols to the columns of one model (or to constants where the model has no column)."""

    def __init__(self, m: ParkModel) -> None:
        self.m = m
        self.links = {link.id: i for i, link in enumerate(m.net.links)}
        self.processes = {p.path: p.index for p in m.net.active_processes()}

    def touches(self, body: Expression) -> bool:
        return any(
            (s[0] in ("r", "y", "k") and s[1] in self.links)
            or (s[0] in ("z", "c") and s[1] in self.processes)
            or s[0] == "expr"
            for s in body.terms
        )

    def linear(self, body: Expression, *, keep_constant: bool = True) -> Linear:
        m = self.m
        columns, values = [], []
        constant_part = body.constant if keep_constant else 0.0
        for symbol, value in body.terms.items():
            kind = symbol[0]
            if kind == "expr":
                expression = m.expressions[symbol[1]]
                columns.append(expression.columns)
                values.append(expression.values * value)
                constant_part += value * expression.constant
                continue
            if kind in ("r", "y", "k"):
                i = self.links.get(symbol[1])
                if i is None:
                    continue  # not in this model: not built, nothing flows
                column = int(m.rate[i, symbol[2]] if kind == "r" else m.built[i] if kind == "y" else m.size[i])
                if column < 0:  # existing or on site (or every link of a fixed plan): built; no capacity variable
                    if kind == "y":
                        constant_part += value
                    else:
                        msg = f"{symbol[1]}: its capacity is not a decision here (it costs nothing); use its flow"
                        raise ParkError(msg)
                    continue
            else:
                q = self.processes.get(symbol[1])
                if q is None:
                    continue
                column = m.process_built[q] if kind == "z" else m.process_size[q]
                if column < 0:
                    if kind == "z":
                        constant_part += value * float(m.coef.process_existing[q] or m.options.fixed_plan)
                        continue
                    msg = f"{symbol[1]}: its input capacity is not a decision here (it costs nothing); use its input"
                    raise ParkError(msg)
            columns.append(np.array([column], dtype=np.int64))
            values.append(np.array([value]))
        if not columns:
            return Linear(np.zeros(0, dtype=np.int64), np.zeros(0), constant_part)
        return Linear(np.concatenate(columns).astype(np.int64), np.concatenate(values), constant_part)


class ModelView:
    """The park's model about to be solved, as a rule function sees it (SPEC 10).

    Variables are addressed by the park's names: link ids (``steel#1>district_heat:heat:heat_pipeline``,
    see docs/model.md), processes (``enterprise#process``), streams (``enterprise.supplies[0]``)
    and periods (by name). Each returns an `Expression`; compare expressions to make a
    `Constraint` and give it to `add_constraint`, or give an expression in money per year to
    `add_objective`. `pyomo` is the same model in Pyomo, for rules written there.

    Attributes
    ----------
    net
        The candidate network (`circflow.network.Network`): streams, candidate links, processes.
    park
        The park (`circflow.Park`).
    periods, hours
        Period names and their hours.
    objective
        ``cost`` or ``emissions``: what the run minimises.
    """

    def __init__(self, net: Network, objective: str = "cost") -> None:
        self.net = net
        self.park = net.park
        self.periods = list(net.periods)
        self.hours = [float(h) for h in net.hours]
        self.objective = objective
        self._rules = Rules()
        self._rule = "rule"
        self._index = {link.id: i for i, link in enumerate(net.links)}
        self._processes = {p.path: p for p in net.processes}
        self._pyomo: Any = None
        self._pyomo_vars: dict[int, Symbol] | None = None
        self._names = place_names(net)

    # -- what the park has -------------------------------------------------------------
    def links(
        self,
        *,
        from_: str | None = None,
        to: str | None = None,
        resource: str | None = None,
        mode: str | None = None,
        type: str | None = None,
        new: bool | None = None,
    ) -> list[str]:
        """Ids of the candidate links that match every filter given.

        ``from_`` and ``to`` are enterprise (or market) ids, ``type`` the technology
        (``transport``, ``direct``, ``preheat``, ``heat_pump``, ``absorption``); ``new=True``
        leaves out existing and on-site links, ``new=False`` keeps only those.
        """
        out = []
        for link in self.net.links:
            if from_ is not None and self.net.supplies[link.supply].enterprise != from_:
                continue
            if to is not None and self.net.demands[link.demand].enterprise != to:
                continue
            if resource is not None and link.resource != resource:
                continue
            if mode is not None and link.mode != mode:
                continue
            if type is not None and link.type != type:
                continue
            if new is not None and new == link.prebuilt:
                continue
            out.append(link.id)
        return out

    @property
    def link_table(self) -> pd.DataFrame:
        """Every candidate link: id, name, from, to, streams, resource, mode, type, existing, length_km, cop."""
        rows = [
            {
                "id": link.id,
                "name": link_name(self.net, link, self._names),
                "from": self.net.supplies[link.supply].enterprise,
                "to": self.net.demands[link.demand].enterprise,
                "from_stream": self.net.supplies[link.supply].path,
                "to_stream": self.net.demands[link.demand].path,
                "resource": link.resource,
                "mode": link.mode,
                "type": link.type,
                "existing": link.existing,
                "on_site": link.on_site,
                "length_km": link.length_km,
                "cop": link.cop,
            }
            for link in self.net.links
        ]
        return pd.DataFrame(
            rows,
            columns=[
                "id",
                "name",
                "from",
                "to",
                "from_stream",
                "to_stream",
                "resource",
                "mode",
                "type",
                "existing",
                "on_site",
                "length_km",
                "cop",
            ],
        )

    def processes(self, enterprise: str | None = None) -> list[str]:
        """Process paths (``enterprise#process``), of one enterprise or all."""
        return [p.path for p in self.net.processes if enterprise is None or p.enterprise == enterprise]

    # -- variables -----------------------------------------------------------------------
    def built(self, link: str) -> Expression:
        """1 when the link is built (a new link's decision ``y``; existing and on-site links: 1)."""
        self._link(link)
        return Expression({("y", link): 1.0})

    def flow(self, link: str, period: str | None = None) -> Expression:
        """Flow drawn from the supply over a period (or the year), in the resource's unit."""
        self._link(link)
        return Expression({("r", link, p): self.hours[p] for p in self._periods(period)})

    def delivered(self, link: str, period: str | None = None) -> Expression:
        """Flow delivered to the demand (drawn x the link's gain: losses, heat-pump electricity)."""
        gain = self.net.links[self._link(link)].gain
        return self.flow(link, period) * gain

    def capacity(self, link: str) -> Expression:
        """Capacity of a new link whose capacity costs money, unit/h drawn from the supply."""
        i = self._link(link)
        if self.net.links[i].prebuilt:
            msg = f"{self._rule}: {link} exists already; its capacity is not a decision"
            raise ParkError(msg)
        return Expression({("k", link): 1.0})

    def process_built(self, process: str) -> Expression:
        """1 when a candidate process is built (existing processes: 1)."""
        self._process(process)
        return Expression({("z", process): 1.0})

    def process_capacity(self, process: str) -> Expression:
        """Input capacity of a candidate process whose capacity costs money, unit/h."""
        self._process(process)
        return Expression({("c", process): 1.0})

    def process_input(self, process: str, period: str | None = None) -> Expression:
        """What a process receives over a period (or the year)."""
        node = self._process(process)
        return self.received(self.net.demands[node.input].path, period)

    def sent(self, stream: str, period: str | None = None) -> Expression:
        """What the links take from a supply stream (``enterprise.supplies[0]``, ``enterprise#process.outputs[0]``)."""
        return self._stream_flow(stream, period, supply=True)

    def received(self, stream: str, period: str | None = None) -> Expression:
        """What the links deliver to a demand stream (``enterprise.demands[0]``, a market's ``buys[0]``, a process input)."""
        return self._stream_flow(stream, period, supply=False)

    @property
    def total_cost(self) -> Expression:
        """The park's total cost per year (SPEC 4). A rule on it keeps the park in one part."""
        return Expression({("expr", "total_cost"): 1.0})

    @property
    def emissions(self) -> Expression:
        """The park's emissions, tCO2 per year. A rule on it keeps the park in one part."""
        return Expression({("expr", "emissions"): 1.0})

    @property
    def capex(self) -> Expression:
        """Capex of new links and processes (not annualised). A rule on it keeps the park in one part."""
        return Expression({("expr", "capex"): 1.0})

    @staticmethod
    def sum(items: Iterable[Expression | float]) -> Expression:
        """The sum of expressions (an empty sum is 0)."""
        total = Expression()
        for item in items:
            total = total + item
        return total

    # -- rules ---------------------------------------------------------------------------
    def add_constraint(self, name: str, constraint: Constraint | Any) -> None:
        """Add a named linear row, e.g. ``m.add_constraint("contracts", m.sum(...) <= 12)``.

        ``constraint`` is a comparison of circflow expressions, or a Pyomo relational
        expression over `pyomo`'s variables.
        """
        self._check_name(name)
        if not isinstance(constraint, Constraint):
            constraint = self._from_pyomo(constraint, name)
        body = constraint.body
        rhs = -body.constant
        row_body = Expression(body.terms)
        self._rules.rows.append(
            Row(
                name,
                row_body,
                constraint.sense,
                rhs,
                f"{text_of(row_body, self._names_of)} {constraint.sense} {rhs:.10g}",
            )
        )

    def add_objective(self, name: str, expression: Expression | float | Any) -> None:
        """Add a named objective term in money per year (a penalty, a subsidy: negative).

        It enters the cost objective and the reported ``total_cost`` (``kpis["extra"]``
        names each term); under the ``emissions`` objective it is part of the second
        stage, total_cost.
        """
        self._check_name(name)
        if not isinstance(expression, (Expression, int, float)):
            expression = self._pyomo_expression(expression, name)
        body = Expression.of(expression)
        self._rules.terms.append(Term(name, body, text_of(body, self._names_of)))

    # -- the Pyomo form ------------------------------------------------------------------
    @property
    def pyomo(self) -> pyo.ConcreteModel:
        """The park's model as a Pyomo ``ConcreteModel`` (`circflow.model.ParkModel.to_pyomo`).

        Blocks ``r[i, p]`` (rate of link i in period p, unit/h), ``y[i]``, ``k[i]``, ``z[q]``,
        ``c[q]``; ``link_index`` maps link ids to i and ``process_index`` processes to q;
        objectives in money per year. Constraints added to it and terms added to its ``cost``
        objective become rows and terms of the run when the rule returns.
        """
        if self._pyomo is None:
            from circflow.model import build_model  # the model stage comes after

            self._pyomo = build_model(self.net).to_pyomo()
        return self._pyomo

    def _read_pyomo(self) -> None:
        """Constraints and objective terms the rules added to the Pyomo form, as rows and terms."""
        if self._pyomo is None:
            return
        added = PyomoAdditions.of(self._pyomo, where="pyomo")
        for name, constraint in added.constraints:
            self._rule = f"pyomo {name}"
            self.add_constraint(name, constraint)
        if added.cost is not None:
            self.add_objective("pyomo_cost", added.cost)

    def _from_pyomo(self, relation: Any, name: str) -> Constraint:
        return _pyomo_relation(relation, self._symbols(), f"{self._rule}: {name}")

    def _pyomo_expression(self, expression: Any, name: str) -> Expression:
        return _pyomo_linear(expression, self._symbols(), f"{self._rule}: {name}")

    def _symbols(self) -> dict[int, Symbol]:
        """The Pyomo form's variables by id, made once for all the rules' Pyomo expressions."""
        if self._pyomo_vars is None:
            self._pyomo_vars = _pyomo_symbols(self.pyomo)
        return self._pyomo_vars

    # -- helpers -------------------------------------------------------------------------
    def _link(self, link: str) -> int:
        i = self._index.get(link)
        if i is None:
            import difflib

            close = difflib.get_close_matches(str(link), list(self._index), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            msg = (
                f"{self._rule}: no candidate link {link!r}{hint} (m.links() lists them; a link left out by "
                "plan.forbid, or that can never carry anything, is not a candidate)"
            )
            raise ParkError(msg)
        return i

    def _process(self, process: str) -> Any:
        node = self._processes.get(process)
        if node is None:
            known = ", ".join(self._processes) or "none"
            msg = f"{self._rule}: no process {process!r} (processes: {known})"
            raise ParkError(msg)
        return node

    def _periods(self, period: str | None) -> list[int]:
        if period is None:
            return list(range(len(self.periods)))
        if period not in self.periods:
            msg = f"{self._rule}: no period {period!r} (periods: {', '.join(self.periods)})"
            raise ParkError(msg)
        return [self.periods.index(period)]

    def _stream_flow(self, stream: str, period: str | None, *, supply: bool) -> Expression:
        streams = self.net.supplies if supply else self.net.demands
        found = next((s for s in streams if s.path == stream), None)
        if found is None:
            known = ", ".join(s.path for s in streams[:12]) + (", ..." if len(streams) > 12 else "")
            role = "supply" if supply else "demand"
            msg = f"{self._rule}: no {role} stream {stream!r} (streams are named like: {known})"
            raise ParkError(msg)
        total = Expression()
        for link in self.net.links:
            if (link.supply if supply else link.demand) == found.index:
                total = total + (self.flow(link.id, period) if supply else self.delivered(link.id, period))
        return total

    def _check_name(self, name: str) -> None:
        taken = {r.name for r in self._rules.rows} | {t.name for t in self._rules.terms}
        if not isinstance(name, str) or not _NAME.match(name):
            msg = f"{self._rule}: name a rule with letters, digits and _ (it names a row of the model), got {name!r}"
            raise ParkError(msg)
        if name in taken:
            msg = f"{self._rule}: a rule named {name!r} exists already; each row and term needs its own name"
            raise ParkError(msg)

    def _names_of(self, symbol: Symbol) -> str:
        kind = symbol[0]
        if kind == "r":
            return f"rate[{symbol[1]}, {self.periods[symbol[2]]}]"
        return {"y": "built", "k": "capacity", "z": "built", "c": "capacity", "expr": ""}[kind] + (
            f"[{symbol[1]}]" if kind != "expr" else str(symbol[1])
        )


@dataclass(frozen=True)
class PyomoAdditions:
    """What was added to a Pyomo model of `circflow.model.ParkModel.to_pyomo` after it was
    made: its new constraints and the terms added to its ``cost`` objective, read into rows
    over the park's symbols (link ids, processes, periods).

    Given as ``extra=`` (``circflow.optimize(park, extra=pyomo_model)``, a model from
    ``build_model(net).to_pyomo()`` with the study's own constraints), they join every model
    the run builds as a rule's rows do, so the solve keeps pruning, independent parts and
    circflow's array path: HiGHS never gets the Pyomo model. Read once, when the study starts;
    the object is plain data, so it travels to a sweep's workers.
    """

    constraints: tuple[tuple[str, Constraint], ...]
    cost: Expression | None

    __name__ = "pyomo model"

    @classmethod
    def of(cls, model: Any, where: str = "extra= (a Pyomo model)") -> PyomoAdditions:
        """Read a Pyomo model's additions.

        Raises
        ------
        ParkError
            When an addition is not linear, or uses a variable circflow does not solve for.
        """
        import pyomo.environ as pyo

        _refuse_other_edits(model, where)
        symbols = _pyomo_symbols(model)
        constraints = []
        for component in model.component_objects(pyo.Constraint, active=True):
            if component.name in model.circflow_rows:
                continue
            for index, data in component.items():
                name = component.name if index is None else f"{component.name}_{_label(index)}"
                constraints.append((name, _pyomo_relation(data.expr, symbols, f"{where}: {name}")))
        cost = None
        if model.cost.expr is not model.circflow_cost:
            added = _pyomo_linear(model.cost.expr - model.circflow_cost, symbols, f"{where}: cost")
            cost = added if added.terms or abs(added.constant) > 0 else None
        return cls(tuple(constraints), cost)

    def key(self) -> tuple[Any, ...]:
        """Every row and the cost term as plain data (a sweep's run key, `describe`)."""

        def text(body: Expression) -> tuple[Any, ...]:
            return (body.constant, tuple(sorted((repr(symbol), value) for symbol, value in body.terms.items())))

        rows = tuple((name, c.sense, text(c.body)) for name, c in self.constraints)
        return (rows, None if self.cost is None else text(self.cost))

    def __call__(self, m: ModelView) -> None:
        for name, constraint in self.constraints:
            m.add_constraint(name, constraint)
        if self.cost is not None:
            m.add_objective("pyomo_cost", self.cost)


def pyomo_model(park: Park) -> pyo.ConcreteModel:
    """The park's model in Pyomo, to add a study's own constraints to and give back as ``extra=``.

    The model is built on the park's whole candidate network (SPEC 3-4 and 8), before pruning
    and before it is split into independent parts: variables ``r[i, p]``, ``y[i]``, ``k[i]``,
    ``z[q]``, ``c[q]`` (``link_index`` maps link ids to i, ``process_index`` processes to q),
    objectives in money per year (``cost``) and tCO2 per year (``emission``). Constraints added
    to it, and terms added to its ``cost`` objective, are read back into rows when a study is
    given it as ``extra=`` (`PyomoAdditions`), so the study keeps pruning, independent parts
    and circflow's array path::

        p = circflow.pyomo_model(park)
        p.contracts = pyo.Constraint(expr=sum(p.y.values()) <= 12)  # y: new links only
        circflow.optimize(park, extra=p)

    Solving the Pyomo model itself with a Pyomo solver works too (it is the same program),
    without circflow's status quo, diagnosis or results.

    Raises
    ------
    ParkError
        When the park's ids do not resolve.
    """
    from circflow.model import build_model  # the model stage comes after
    from circflow.network import build_network
    from circflow.schema import reference_problems

    problems = reference_problems(park)
    if problems:
        raise ParkError([park.problem(path, message) for path, message in problems])
    return build_model(build_network(park)).to_pyomo()


def _refuse_other_edits(model: Any, where: str) -> None:
    """Only added constraints and terms added to ``cost`` are read: a fixed variable, a changed
    bound, a circflow row deactivated or an objective added would be dropped without a word."""
    import pyomo.environ as pyo

    def refuse(what: str) -> None:
        msg = f"{where}: {what}; circflow reads only constraints added to the model and terms added to its cost"
        raise ParkError(msg)

    for var, (lower, upper) in zip(model.columns, model.circflow_bounds, strict=True):
        if var.fixed:
            refuse(f"{var.name} is fixed (write it as a constraint, {var.name} == value)")
        if var.lb != lower or var.ub != upper:
            refuse(f"the bounds of {var.name} were changed (write them as constraints)")
    for name in model.circflow_rows:
        component = model.component(name)
        if component is None or not component.active or any(not row.active for row in component.values()):
            refuse(f"circflow's constraint {name} was deleted or deactivated")
    objectives = {o.name for o in model.component_objects(pyo.Objective)}
    if objectives != model.circflow_objectives:
        refuse(f"objectives were added or removed ({', '.join(sorted(objectives ^ model.circflow_objectives))})")


def column_symbols(model: ParkModel) -> list[Symbol | None]:
    """Per column of a park's model, the symbol it solves for (None for auxiliary columns)."""
    symbols: list[Symbol | None] = [None] * model.shape[1]
    net = model.net
    for i, link in enumerate(net.links):
        for p in range(len(net.periods)):
            symbols[model.rate[i, p]] = ("r", link.id, p)
        if model.built[i] >= 0:
            symbols[model.built[i]] = ("y", link.id)
        if model.size[i] >= 0:
            symbols[model.size[i]] = ("k", link.id)
    for process in net.processes:
        if model.process_built[process.index] >= 0:
            symbols[model.process_built[process.index]] = ("z", process.path)
        if model.process_size[process.index] >= 0:
            symbols[model.process_size[process.index]] = ("c", process.path)
    return symbols


def _pyomo_symbols(pyomo: Any) -> dict[int, Symbol]:
    return {id(var): symbol for var, symbol in zip(pyomo.columns, pyomo.circflow_symbols, strict=True) if symbol}


def _pyomo_relation(relation: Any, symbols: Mapping[int, Symbol], where: str) -> Constraint:
    from pyomo.core.expr.relational_expr import EqualityExpression, InequalityExpression

    if isinstance(relation, EqualityExpression):
        left, right = relation.args
        return Constraint(_pyomo_linear(left, symbols, where) - _pyomo_linear(right, symbols, where), "==")
    if isinstance(relation, InequalityExpression) and len(relation.args) == 2:
        left, right = relation.args
        return Constraint(_pyomo_linear(left, symbols, where) - _pyomo_linear(right, symbols, where), "<=")
    msg = f"{where}: give a linear relation (a <= b, a >= b or a == b); a ranged one is two constraints"
    raise ParkError(msg)


def _pyomo_linear(expression: Any, symbols: Mapping[int, Symbol], where: str) -> Expression:
    from pyomo.repn import generate_standard_repn

    repn = generate_standard_repn(expression, compute_values=True, quadratic=False)
    if not repn.is_linear():
        msg = f"{where} is not linear; circflow's rules are linear rows"
        raise ParkError(msg)
    terms: dict[Symbol, float] = {}
    for var, coefficient in zip(repn.linear_vars, repn.linear_coefs, strict=True):
        symbol = symbols.get(id(var))
        if symbol is None:
            msg = f"{where} uses {var.name}, which is not a variable circflow solves for"
            raise ParkError(msg)
        terms[symbol] = terms.get(symbol, 0.0) + float(coefficient)
    return Expression(terms, float(repn.constant))


def text_of(body: Expression, name: Callable[[Symbol], str] | None = None) -> str:
    """An expression as people read it: ``built[a>b:slag:truck] + 2 rate[...] + 3``."""
    name = name or (lambda s: f"{s[0]}[{', '.join(map(str, s[1:]))}]")
    parts = []
    # flows over every period of one link read as one flow: h_1 rate[l, p1] + h_2 rate[l, p2] + ...
    for symbol, value in body.terms.items():
        if value == 0:
            continue
        coefficient = "" if value == 1 else "-" if value == -1 else f"{value:.6g} "
        parts.append(f"{coefficient}{name(symbol)}")
    if body.constant:
        parts.append(f"{body.constant:.6g}")
    return " + ".join(parts).replace("+ -", "- ") or "0"


def _label(index: Any) -> str:
    return "_".join(map(str, index)) if isinstance(index, tuple) else str(index)
