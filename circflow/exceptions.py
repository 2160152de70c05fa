"""Errors circflow raises, one small tree, for every stage from reading a park to writing its results.

::

    CircflowError
     ├── ParkError     the input is wrong (park file, catalog, solver profile, CLI value,
     │                 a results folder given to read): exit 2
     ├── OutputError   a folder cannot be written where asked (not one of circflow's, not
     │                 writable): exit 2, and nothing was written
     ├── SolverError   HiGHS could not be run, or failed: exit 1
     ├── ClusterError  the Dask cluster of a sweep cannot be reached: exit 1
     └── InfeasibleError  a study of the optimum (sensitivity, alternatives) has no optimum
                          to study: the park, or the park at a varied value, has no plan: exit 3

A park without a plan is not an error for the runs that report plans: `circflow.optimize`,
`circflow.pareto`, `compare` and `sweep` return it as a status (``infeasible`` with the
diagnosis: exit 3; ``time_limit_no_solution``: exit 4). Only the studies built on an
optimum raise `InfeasibleError`, which carries the same diagnosis. `ParkError` collects every problem found in one pass (like a compiler) so the user
fixes them all at once; each `Problem` knows its file, line, column and field path.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, where it is, and how to fix it.

    Parameters
    ----------
    message
        What is wrong, what was given, and what would be right.
    path
        Field path in the park data, e.g. ``enterprises[3].supplies[0].amount``.
    file, line, column
        Where in which file (1-based), when the park came from a file.
    """

    message: str
    path: str = ""
    file: str | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
        head = " ".join(part for part in (where, self.path) if part)
        return f"{head}: {self.message}" if head else self.message


class CircflowError(Exception):
    """Base of every error circflow raises on purpose."""


class ParkError(CircflowError):
    """The input is wrong: one or more `Problem` items, reported together."""

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class OutputError(CircflowError):
    """A results folder (or another output) cannot be written where the user asked.

    The folder exists and is not one of circflow's, or the file system refuses it (no
    permission, a file in the way, a full disk). Nothing is written and an existing folder
    is left as it was.
    """


class SolverError(CircflowError):
    """The solver could not be run, or failed (a bug or a numerical breakdown, not the park)."""


class ClusterError(CircflowError):
    """The Dask cluster a sweep runs on cannot be reached, or fails as a whole."""


class InfeasibleError(CircflowError):
    """A study of the optimum (`circflow.sensitivity`, `circflow.alternatives`) found no plan.

    ``diagnosis`` lists the targets, forced links or capacities behind it, as
    `circflow.Result.diagnosis` does for `circflow.optimize`.
    """

    def __init__(self, diagnosis: list[str]) -> None:
        self.diagnosis = list(diagnosis)
        super().__init__("\n".join(["the park has no feasible plan", *(f"  - {d}" for d in self.diagnosis)]))
