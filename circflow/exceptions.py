"""Errors circflow raises, one small tree.

::

    CircflowError
     ├── ParkError        the user's input is wrong (park file, catalog, CLI value): exit 2
     ├── InfeasibleError  the park has no feasible plan; carries the diagnosis: exit 3
     └── SolverError      the solver failed or found nothing in its time limit: exit 1 or 4

`ParkError` collects every problem found in one pass (like a compiler) so the user fixes
them all at once; each `Problem` knows its file, line, column and field path.
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


class InfeasibleError(CircflowError):
    """No plan satisfies the targets, forced links and capacities together.

    ``diagnosis`` lists the relaxations that would make the park feasible, each a plain
    sentence such as ``target utilization.fly_ash = 0.95 cannot be met: at most 0.81 is
    reachable``.
    """

    def __init__(self, diagnosis: list[str]) -> None:
        self.diagnosis = diagnosis
        lines = ["the park has no feasible plan"] + [f"  - {d}" for d in diagnosis]
        super().__init__("\n".join(lines))


class SolverError(CircflowError):
    """The solver could not be run, or stopped without any feasible plan."""

    def __init__(self, message: str, *, time_limit: bool = False) -> None:
        self.time_limit = time_limit
        super().__init__(message)
