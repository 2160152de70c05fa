"""How a decision-support study solves: the keyword arguments its functions share (SPEC 9).

`circflow.sensitivity`, `circflow.alternatives` and `circflow.how_sure` solve the park many
times. They take the same keyword arguments for how each solve runs, defined once here as
`StudyOptions` and read with `study_profile` and `stage_of` once `check_options` has refused any other keyword.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import TypedDict

from circflow.extend import Extra
from circflow.solve import SolverProfile, run_profile


class StudyOptions(TypedDict, total=False):
    """Keyword arguments of `circflow.sensitivity`, `circflow.alternatives` and `circflow.how_sure`.

    Every key may be left out: its default is the one named.
    """

    solver: str | SolverProfile
    """A solver profile, or its name in ``solvers/`` (default ``"highs"``), as for `circflow.optimize`."""
    time_limit: float | None
    """Seconds each solve may take (default: the profile's)."""
    gap: float | None
    """Relative MIP gap of each solve (default: the profile's)."""
    carbon_price: float | None
    """Money per tCO2, over the park's own (default: the park's); give the one a result was solved with."""
    workers: int | None
    """Run the study's tasks on a local Dask cluster of this many worker processes (default:
    threads of this process)."""
    scheduler: str | None
    """Or on the running Dask cluster at this address, e.g. ``tcp://10.0.0.5:8786``."""
    on_stage: Callable[[str], None] | None
    """Called with the name of each stage."""
    extra: Extra
    """Rules added from Python (SPEC 10), as for `circflow.optimize`: every solve keeps them."""


def check_options(function: str, options: Mapping[str, object]) -> None:
    """Refuse a keyword argument that is not a `StudyOptions` key, as Python refuses one a
    signature does not name (``**options`` would otherwise take a misspelt ``time_limt``).

    Raises
    ------
    TypeError
        Naming the argument and, where one is close, the key meant.
    """
    for name in options:
        if name not in StudyOptions.__annotations__:
            close = difflib.get_close_matches(name, list(StudyOptions.__annotations__), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            msg = f"{function}() got an unexpected keyword argument {name!r}{hint}"
            raise TypeError(msg)


def study_profile(options: StudyOptions) -> SolverProfile:
    """The solver profile of ``options``, with their time limit and gap over its own."""
    return run_profile(options.get("solver", "highs"), time_limit=options.get("time_limit"), gap=options.get("gap"))


def stage_of(options: StudyOptions) -> Callable[[str], None]:
    """The ``on_stage`` callback of ``options``, or one that does nothing."""
    return options.get("on_stage") or (lambda _: None)
