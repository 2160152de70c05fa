"""Park text written into CSV files as text, never as a spreadsheet formula (CSV injection).

An export helper, ``results -> exports``: every CSV circflow writes (links.csv, flows.csv,
balances.csv, kpis.csv, processes.csv, markets.csv, compare.csv, pareto.csv, sweep.csv)
goes through `write_csv`. Excel, LibreOffice and Google Sheets read a CSV cell that starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a formula, so a park or
enterprise name such as ``=HYPERLINK("http://example.invalid/","click")`` would become a
live link, or worse, in the user's spreadsheet. As OWASP recommends (CSV Injection), such a
text cell is written with a leading single quote: spreadsheets show the text as it was
given, and a program reading the CSV finds the quote (drop one leading ``'`` before those
characters to get the text back). Numbers stay numbers; results.json keeps every text as
given.
"""

from __future__ import annotations

import pathlib
from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a CSV cell as a formula (OWASP)."""


def as_text(value: Any) -> Any:
    """A text cell that a spreadsheet would take for a formula, with a leading ``'``; any other value as it is.

    Examples
    --------
    >>> as_text('=HYPERLINK("http://example.invalid/","click")')
    '\\'=HYPERLINK("http://example.invalid/","click")'
    >>> as_text("-plant_2"), as_text("fly_ash"), as_text(-5.0)
    ("'-plant_2", 'fly_ash', -5.0)
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(frame: pd.DataFrame, path: str | pathlib.Path) -> None:
    """Write ``frame`` as CSV (no index) with every text cell and header made safe by `as_text`."""
    safe = frame.rename(columns=as_text)
    for position, dtype in enumerate(safe.dtypes):
        if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            safe.isetitem(position, safe.iloc[:, position].map(as_text))
    safe.to_csv(path, index=False)
