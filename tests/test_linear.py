"""The model's form (`circflow.linear`): linear expressions and a program held as numpy blocks.

Each program here is small enough to write out by hand; its arrays are asserted entry by
entry, and its Pyomo form must be the same program (names, bounds, optimum).
"""

from __future__ import annotations

import numpy as np
import pytest

from circflow.linear import Linear, LinearProgram, constant


def test_a_linear_expression_adds_scales_and_evaluates() -> None:
    """(1 + 2 x0 + 3 x2) + (4 x2 - x1) = 1 + 2 x0 - x1 + 7 x2; at x = (1, 2, 3): 1 + 2 - 2 + 21."""
    left = Linear(np.array([0, 2]), np.array([2.0, 3.0]), 1.0)
    right = Linear(np.array([2, 1]), np.array([4.0, -1.0]))
    total = left + right
    x = np.array([1.0, 2.0, 3.0])
    assert total.value(x) == pytest.approx(22.0)
    assert list(total.dense(3)) == [2.0, -1.0, 7.0]
    compact = total.compact()
    assert list(compact.columns) == [0, 1, 2]
    assert list(compact.values) == [2.0, -1.0, 7.0]
    assert (2 * total).value(x) == pytest.approx(44.0)
    assert constant(5.0).value(x) == 5.0


def small_program() -> LinearProgram:
    """Columns x_0, x_1 in [0, 4] (x_1 integer), rows total: x_0 + x_1 <= 5 and gap_k: x_k >= 1."""
    lp = LinearProgram()
    x = lp.add_columns("x", np.arange(2), lower=0.0, upper=4.0)
    lp.add_columns("y", None, lower=0.0, upper=1.0, integer=True)
    lp.add_rows("total", None, (np.zeros(2, dtype=np.int64), x, np.ones(2)), lower=-np.inf, upper=5.0)
    lp.add_rows("floor", np.arange(2), (np.arange(2), x, np.ones(2)), lower=1.0, upper=np.inf)
    lp.add_objective("gain", Linear(x, np.array([-1.0, -2.0])), scale=10.0)
    return lp


def test_blocks_make_the_arrays_highs_receives() -> None:
    lp = small_program()
    assert lp.shape == (3, 3)
    assert list(lp.col_lower) == [0.0, 0.0, 0.0]
    assert list(lp.col_upper) == [4.0, 4.0, 1.0]
    assert list(lp.integer) == [False, False, True]
    assert list(lp.row_lower) == [-np.inf, 1.0, 1.0]
    assert list(lp.row_upper) == [5.0, np.inf, np.inf]
    assert lp.matrix.toarray().tolist() == [[1.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    assert lp.column_names() == ["x_0", "x_1", "y"]
    assert lp.row_names() == ["total", "floor_0", "floor_1"]
    assert lp.values_of("x", np.array([1.5, 2.5, 0.0])) == {0: 1.5, 1: 2.5}
    assert lp.values_of("no such block", np.zeros(3)) == {}


def test_a_block_is_added_once_and_before_the_arrays_are_read() -> None:
    lp = small_program()
    with pytest.raises(ValueError, match="exists already"):
        lp.add_columns("x", np.arange(1), lower=0.0, upper=1.0)
    assert lp.shape == (3, 3)
    _ = lp.matrix
    with pytest.raises(RuntimeError, match="already assembled"):
        lp.add_columns("late", np.arange(1), lower=0.0, upper=1.0)


def test_the_pyomo_form_is_the_same_program() -> None:
    """min (-x0 - 2 x1) / 10 with x0 + x1 <= 5, x >= 1: x1 = 4, x0 = 1, objective -0.9 in the
    solver's units (-9 in the program's)."""
    import pyomo.environ as pyo
    from pyomo.contrib.solver.solvers.highs import Highs

    m = small_program().to_pyomo()
    assert [v.name for v in m.component_data_objects(pyo.Var)] == ["x[0]", "x[1]", "y"]
    assert m.x[1].ub == 4.0
    Highs().solve(m, load_solutions=True)
    assert (pyo.value(m.x[0]), pyo.value(m.x[1])) == (pytest.approx(1.0), pytest.approx(4.0))
    assert pyo.value(m.gain) == pytest.approx(-9.0)  # in the program's own units, not scaled for HiGHS
