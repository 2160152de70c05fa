"""What the exports draw from: the content of ``results.json``, given as it is or as a `circflow.Result`.

Every export reads the plain mapping ``results.json`` holds, so that a folder can be
redrawn without solving; in code the same functions take the `circflow.Result` a run
returned (``circflow.sankey_figure(result)``). This module stays below ``results`` in the
pipeline: it asks only for a ``to_dict`` method, never imports `circflow.Result`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class HasContent(Protocol):
    """Anything that gives the content of ``results.json``: a `circflow.Result`."""

    def to_dict(self) -> dict[str, Any]: ...


Results = Mapping[str, Any] | HasContent
"""A `circflow.Result`, or the content of its ``results.json`` (`circflow.read_results`)."""


def content_of(results: Results) -> dict[str, Any]:
    """The ``results.json`` content of a `circflow.Result`, or the mapping itself."""
    if isinstance(results, HasContent) and not isinstance(results, Mapping):
        return results.to_dict()
    return results  # type: ignore[return-value]
