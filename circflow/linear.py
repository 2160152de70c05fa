"""A mixed-integer linear program held as numpy arrays in named blocks (the model stage's form).

`circflow.model` writes SPEC 4 into a `LinearProgram` one group of variables or rows at a
time, each group one vectorised call rather than a Python object per row; `circflow.solve`
hands the arrays to HiGHS as they are (one ``passModel``). `LinearProgram.to_pyomo` gives
the very same program as a Pyomo ``ConcreteModel``, with the same block names, for
engineers who read it or extend it with Pyomo. Building per group is what keeps the
modelling layer cheap next to HiGHS (``benchmarks/RESULTS.md``).

Examples
--------
>>> lp = LinearProgram()
>>> x = lp.add_columns("x", np.arange(2), lower=0.0, upper=4.0)
>>> lp.add_rows("total", None, (np.zeros(2, dtype=int), x, np.ones(2)), lower=-np.inf, upper=5.0)
>>> lp.add_objective("gain", Linear(x, np.array([-1.0, -2.0])))
>>> lp.shape
(1, 2)
>>> [lp.columns["x"].name_of(k) for k in range(2)], lp.rows["total"].name_of(0)
(['x_0', 'x_1'], 'total')
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    import pyomo.environ as pyo

Label = int | str | tuple[int, ...] | None


@dataclass(frozen=True)
class Linear:
    """``constant + sum_j values[j] x[columns[j]]``; a column listed twice counts twice."""

    columns: np.ndarray
    values: np.ndarray
    constant: float = 0.0

    def __add__(self, other: Linear) -> Linear:
        return Linear(
            np.concatenate([self.columns, other.columns]),
            np.concatenate([self.values, other.values]),
            self.constant + other.constant,
        )

    def __mul__(self, factor: float) -> Linear:
        return Linear(self.columns, self.values * factor, self.constant * factor)

    __rmul__ = __mul__

    def dense(self, n_cols: int) -> np.ndarray:
        """Coefficient of every column (constant left out)."""
        return np.bincount(self.columns, weights=self.values, minlength=n_cols)

    def compact(self) -> Linear:
        """The same expression with each column listed once."""
        columns, inverse = np.unique(self.columns, return_inverse=True)
        return Linear(columns, np.bincount(inverse, weights=self.values, minlength=len(columns)), self.constant)

    def value(self, x: np.ndarray) -> float:
        """The expression's value at the column values ``x``."""
        return self.constant + float(self.values @ x[self.columns]) if len(self.columns) else self.constant


def constant(value: float) -> Linear:
    return Linear(np.zeros(0, dtype=np.int64), np.zeros(0), float(value))


@dataclass(frozen=True)
class Block:
    """A named group of columns or rows: ``size`` of them from ``start``.

    ``labels`` index them: an integer array (one row of ints per item), a list of names,
    or None for a single unindexed item.
    """

    name: str
    start: int
    size: int
    labels: np.ndarray | list[str] | None

    def label(self, k: int) -> Label:
        """The index of item ``k`` as Pyomo writes it: an int, a tuple of ints, or a name."""
        if self.labels is None:
            return None
        item = self.labels[k]
        if isinstance(item, str):
            return item
        values = tuple(int(v) for v in np.atleast_1d(item))
        return values[0] if len(values) == 1 else values

    def name_of(self, k: int) -> str:
        """``r_12_0``: a name that MPS and LP readers accept."""
        label = self.label(k)
        parts = () if label is None else label if isinstance(label, tuple) else (label,)
        return "_".join([self.name, *map(str, parts)])


class LinearProgram:
    """Columns (bounds, integrality), rows (a sparse matrix and bounds), objectives, named sums.

    Filled by `add_columns`, `add_rows` and `add_objective`; the arrays (`matrix`,
    `col_lower`, ...) are assembled on first use, once the program is complete.
    """

    def __init__(self) -> None:
        self.columns: dict[str, Block] = {}
        self.rows: dict[str, Block] = {}
        self.objectives: dict[str, tuple[Linear, float]] = {}
        """name -> (expression, scale); the solver minimises expression / scale."""
        self.expressions: dict[str, Linear] = {}
        """Named sums (SPEC 4's total_cost, emissions, capex, ...)."""
        self._cols: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._rows: list[tuple[np.ndarray, np.ndarray]] = []
        self._entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._n_cols = 0
        self._n_rows = 0

    @property
    def shape(self) -> tuple[int, int]:
        return self._n_rows, self._n_cols

    def add_columns(
        self, name: str, labels: np.ndarray | list[str] | None, *, lower: Any, upper: Any, integer: bool = False
    ) -> np.ndarray:
        """Add a block of columns; returns their indices.

        ``lower`` and ``upper`` are numbers or arrays (``np.inf`` for none).
        """
        self._check_open(name)
        size = 1 if labels is None else len(labels)
        self.columns[name] = Block(name, self._n_cols, size, labels)
        self._cols.append(
            (
                np.broadcast_to(np.asarray(lower, dtype=float), (size,)),
                np.broadcast_to(np.asarray(upper, dtype=float), (size,)),
                np.full(size, integer),
            )
        )
        self._n_cols += size
        return np.arange(self._n_cols - size, self._n_cols)

    def add_rows(
        self,
        name: str,
        labels: np.ndarray | list[str] | None,
        entries: tuple[np.ndarray, np.ndarray, np.ndarray],
        *,
        lower: Any,
        upper: Any,
    ) -> None:
        """Add a block of rows ``lower <= A x <= upper``.

        ``entries`` are the block's nonzeros as (row within the block, column, value);
        a (row, column) pair given twice adds up.
        """
        self._check_open(name)
        size = 1 if labels is None else len(labels)
        row, col, value = entries
        self.rows[name] = Block(name, self._n_rows, size, labels)
        self._entries.append((np.asarray(row) + self._n_rows, np.asarray(col), np.asarray(value, dtype=float)))
        self._rows.append(
            (
                np.broadcast_to(np.asarray(lower, dtype=float), (size,)),
                np.broadcast_to(np.asarray(upper, dtype=float), (size,)),
            )
        )
        self._n_rows += size

    def _check_open(self, name: str) -> None:
        assembled = {"col_lower", "col_upper", "integer", "row_lower", "row_upper", "matrix"} & set(vars(self))
        if assembled:
            msg = f"cannot add {name!r}: the program's arrays were already assembled (add every block first)"
            raise RuntimeError(msg)
        if name in self.columns or name in self.rows:
            msg = f"a block named {name!r} exists already"
            raise ValueError(msg)

    def add_objective(self, name: str, expression: Linear, scale: float = 1.0) -> None:
        """An objective to minimise, divided by ``scale`` for the solver (see `circflow.solve`)."""
        self.objectives[name] = (expression, scale)

    @functools.cached_property
    def col_lower(self) -> np.ndarray:
        return _joined([lower for lower, _, _ in self._cols])

    @functools.cached_property
    def col_upper(self) -> np.ndarray:
        return _joined([upper for _, upper, _ in self._cols])

    @functools.cached_property
    def integer(self) -> np.ndarray:
        return _joined([integer for _, _, integer in self._cols], dtype=bool)

    @functools.cached_property
    def row_lower(self) -> np.ndarray:
        return _joined([lower for lower, _ in self._rows])

    @functools.cached_property
    def row_upper(self) -> np.ndarray:
        return _joined([upper for _, upper in self._rows])

    @functools.cached_property
    def matrix(self) -> sp.csr_array:
        """The constraint matrix, rows x columns."""
        rows = _joined([r for r, _, _ in self._entries], dtype=np.int64)
        cols = _joined([c for _, c, _ in self._entries], dtype=np.int64)
        values = _joined([v for _, _, v in self._entries])
        return sp.csr_array((values, (rows, cols)), shape=self.shape)

    def values_of(self, block: str, x: np.ndarray) -> dict[Label, float]:
        """Values of one block of columns at ``x``, by label (empty if no such block)."""
        found = self.columns.get(block)
        if found is None:
            return {}
        return {found.label(k): float(x[found.start + k]) for k in range(found.size)}

    def column_names(self) -> list[str]:
        return [block.name_of(k) for block in self.columns.values() for k in range(block.size)]

    def row_names(self) -> list[str]:
        return [block.name_of(k) for block in self.rows.values() for k in range(block.size)]

    def to_pyomo(self) -> pyo.ConcreteModel:
        """The same program as a Pyomo model: a ``Var`` per column block, a ``Constraint`` per
        row block, an ``Expression`` per named sum and an ``Objective`` per objective (the
        first one active), under the blocks' names.

        Objectives are in the park's units (money per year, tCO2 per year), not divided by
        the scale HiGHS gets them in (``model.objective_scales``, for reference).
        ``model.columns`` lists the Pyomo variables in column order. (Pyomo is imported
        here, on first use: the solving path does not need it.)
        """
        import pyomo.environ as pyo

        m = pyo.ConcreteModel(name="circflow")
        columns: list[Any] = [None] * self._n_cols
        lower, upper, integer = self.col_lower, self.col_upper, self.integer
        for block in self.columns.values():
            span = range(block.start, block.start + block.size)
            domain = (
                pyo.Binary
                if block.size and integer[block.start] and upper[block.start] <= 1
                else (pyo.Integers if block.size and integer[block.start] else pyo.Reals)
            )
            if block.labels is None:
                var = pyo.Var(domain=domain, bounds=_bounds(lower[block.start], upper[block.start]))
                setattr(m, block.name, var)
                columns[block.start] = var
                continue
            labels = [block.label(k) for k in range(block.size)]
            bounds = {label: _bounds(lower[j], upper[j]) for label, j in zip(labels, span, strict=True)}
            var = pyo.Var(labels, domain=domain, bounds=lambda _, *index, b=bounds: b[_key(index)])
            setattr(m, block.name, var)
            for label, j in zip(labels, span, strict=True):
                columns[j] = var[label]
        m.columns = columns
        csr = self.matrix
        for block in self.rows.values():

            def row(k: int, block: Block = block) -> object:
                i = block.start + k
                cells = slice(csr.indptr[i], csr.indptr[i + 1])
                body = sum(float(v) * columns[j] for j, v in zip(csr.indices[cells], csr.data[cells], strict=True))
                return _relation(body, self.row_lower[i], self.row_upper[i])

            if block.labels is None:
                setattr(m, block.name, pyo.Constraint(expr=row(0)))
                continue
            position = {block.label(k): k for k in range(block.size)}
            setattr(
                m,
                block.name,
                pyo.Constraint(list(position), rule=lambda _, *index, p=position, r=row: r(p[_key(index)])),
            )
        for name, expression in self.expressions.items():
            setattr(m, name, pyo.Expression(expr=_pyomo_sum(expression, columns)))
        for k, (name, (expression, _)) in enumerate(self.objectives.items()):
            objective = pyo.Objective(expr=_pyomo_sum(expression, columns), sense=pyo.minimize)
            setattr(m, name, objective)
            if k:
                objective.deactivate()
        m.objective_scales = {name: scale for name, (_, scale) in self.objectives.items()}
        return m


def _joined(parts: list[np.ndarray], dtype: Any = float) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)


def _key(index: tuple[Any, ...]) -> Label:
    return index[0] if len(index) == 1 else tuple(index)


def _bounds(lower: float, upper: float) -> tuple[float | None, float | None]:
    return (float(lower) if math.isfinite(lower) else None, float(upper) if math.isfinite(upper) else None)


def _relation(body: Any, lower: float, upper: float) -> Any:
    """A Pyomo relation (Pyomo ships no types, hence Any) ``lower <= body <= upper``."""
    import pyomo.environ as pyo

    if math.isfinite(lower) and math.isfinite(upper):
        return body == upper if lower == upper else pyo.inequality(lower, body, upper)
    return body <= upper if math.isfinite(upper) else body >= lower


def _pyomo_sum(expression: Linear, columns: list[Any]) -> Any:
    """``expression`` as a Pyomo expression over ``columns`` (Any: Pyomo ships no types)."""
    return expression.constant + sum(
        float(v) * columns[j] for j, v in zip(expression.columns, expression.values, strict=True)
    )
