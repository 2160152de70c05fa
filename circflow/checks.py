"""`validate`: what is wrong with a park, and what deserves a look, without optimising (SPEC 5, 7).

After ``network``: the schema and the whole-park rules give the errors (each a `Problem`
with its field path, placed in the park file when the park came from one); the candidate
network gives the warnings (streams no link can serve, explicit links that break a rule
they are allowed to break, targets nobody can meet). ``circflow validate`` prints the same.
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from circflow.exceptions import ParkError, Problem
from circflow.load import load_park
from circflow.network import build_network
from circflow.schema import Park, reference_problems


@dataclass(frozen=True)
class Validation:
    """The findings of `validate`: errors that stop a run, warnings that do not."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    candidate_links: int = 0
    """Candidate links of the park (0 when it has errors)."""

    @property
    def ok(self) -> bool:
        """No errors: the park can be optimised."""
        return not self.errors

    def __bool__(self) -> bool:
        return self.ok

    def raise_errors(self) -> None:
        """Raise the errors as one `circflow.ParkError` (nothing when there are none)."""
        if self.errors:
            raise ParkError(self.errors)


def validate(park: Park | str | os.PathLike[str], scenarios: Iterable[str] = ()) -> Validation:
    """Check a park without optimising: its errors and its warnings.

    Parameters
    ----------
    park
        A `Park` (as edited in code) or a park file.
    scenarios
        With a park file: scenarios to apply first.

    Returns
    -------
    Validation
        ``errors`` (`Problem` items: field path, message, and file, line and column for a
        park file) and ``warnings`` (sentences), never raised.

    Examples
    --------
    >>> found = validate("parks/tiny.yaml")  # doctest: +SKIP
    >>> found.ok, found.warnings[:3]  # doctest: +SKIP
    """
    if not isinstance(park, Park):
        try:
            park = load_park(pathlib.Path(park), scenarios=scenarios)
        except ParkError as error:
            return Validation(errors=list(error.problems))
    problems = reference_problems(park)
    if problems:
        return Validation(errors=[park.problem(path, message) for path, message in problems])
    try:
        net = build_network(park)
    except ParkError as error:
        return Validation(errors=list(error.problems))
    return Validation(warnings=list(net.warnings), candidate_links=len(net.links))
