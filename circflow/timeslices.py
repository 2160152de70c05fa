"""The periods of a park: its named periods, or representative slices of an hourly file (SPEC 3.3, 8.4).

Between ``schema`` and ``network``. Without ``time_series`` the periods are the park's own.
With it, each park period (season) is cut into slices of similar hours: tsam clusters the
hours of the columns the park uses (Ward's hierarchical clustering, tsam's default method with
hours as its periods; deterministic), the columns named in ``keep_peak`` keep their
peak hour as a slice of its own, and each slice stands for the hours assigned to it. A
slice's column value is the exact mean over its hours, so every column's total over the
year is kept. The slices of a season are named ``<season>-1``, ``<season>-2``, ... and
``<season>-peak``.

The time-series file is a CSV with one row per hour: lines starting with ``#`` are notes,
the first other line names the columns. ``hour`` and ``time`` columns are ignored;
``period`` names the park period of each hour (needed when the park has more than one).
"""

from __future__ import annotations

import functools
import hashlib
import pathlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from circflow.exceptions import ParkError
from circflow.schema import Park, Series

INDEX_COLUMNS = ("hour", "time")
MAX_SERIES = 1e9
"""Largest value of a time series (a per-unit profile, or a shape in any unit): beyond it, products
with a stream's rate leave what circflow's model can represent (`circflow.schema.MAX_AMOUNT`)."""


@dataclass(frozen=True)
class Periods:
    """The periods the model runs on: names, hours, and for slices what they stand for."""

    names: list[str]
    hours: np.ndarray
    season: list[str]
    """The park period each one belongs to (itself when there are no slices)."""
    series: dict[str, np.ndarray] = field(default_factory=dict)
    """Column -> its sum over each period's hours (the column's mean there times hours)."""
    report: dict[str, Any] | None = None
    """How the slices were made, for results.json: method, slices and each column's error."""
    file_columns: tuple[str, ...] = ()
    """Every profile column of the time-series file."""

    def season_hours(self, season: str) -> float:
        return float(sum(h for h, s in zip(self.hours, self.season, strict=True) if s == season))


def periods_of(park: Park) -> Periods:
    """The periods of ``park``: its own, or slices of its ``time_series`` (SPEC 8.4).

    Raises
    ------
    ParkError
        When the time-series file cannot be read or does not fit the park's periods.
    """
    if park.time_series is None:
        names = park.period_names()
        return Periods(names, np.array([p.hours for p in park.periods], dtype=float), names)
    spec = park.time_series
    path = pathlib.Path(spec.file)
    folder = park._base_dir or (str(pathlib.Path(park.source).parent) if park.source is not None else None)
    if not path.is_absolute() and folder is not None:
        path = pathlib.Path(folder) / path
    seasons = {p.name: p.hours for p in park.periods}
    try:
        return _slices(
            _read(park, path),
            tuple(seasons.items()),
            spec.slices,
            tuple(spec.keep_peak),
            _used_columns(park),
            str(path),
        )
    except ValueError as err:
        raise _problem(park, "keep_peak" if str(err).startswith("keep_peak") else "file", str(err)) from None


def _used_columns(park: Park) -> tuple[str, ...]:
    """The columns streams follow (``profile: {series: ...}``) and keep_peak names: what the slices must fit."""
    used: dict[str, None] = dict.fromkeys(park.time_series.keep_peak if park.time_series else [])
    streams = [s for e in park.enterprises for s in (*e.supplies, *e.demands)] + [
        b for m in park.markets for b in m.buys
    ]
    for stream in streams:
        if isinstance(stream.profile, Series):
            used[stream.profile.series] = None
    return tuple(used)


def _problem(park: Park, field: str, message: str) -> ParkError:
    return ParkError(park.problem(("time_series", field), message))


@dataclass(frozen=True, eq=False)
class _Table:
    """A parsed time-series file; equal (and hashed) by its content's digest, for caching."""

    digest: str
    columns: tuple[str, ...]
    values: np.ndarray
    """hours x columns"""
    periods: tuple[str, ...] | None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Table) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(self.digest)


def _read(park: Park, path: pathlib.Path) -> _Table:
    """Columns, values (hours x columns) and the period of each hour, from a time-series CSV."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise _problem(park, "file", f"cannot read the time-series file {path}: {err.strerror or err}") from None
    try:
        return _parse(hashlib.sha256(raw).hexdigest(), raw.decode("utf-8-sig"))
    except ValueError as err:
        raise _problem(park, "file", f"{path}: {err}") from None


@functools.lru_cache(maxsize=8)
def _parse(digest: str, text: str) -> _Table:
    """Parse a time-series file (cached by content: sweeps and studies read it once)."""
    lines = [
        (n, line)
        for n, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if len(lines) < 2:
        msg = "needs a header row naming the columns and one row per hour"
        raise ValueError(msg)
    header = [name.strip() for name in lines[0][1].split(",")]
    if len(set(header)) != len(header):
        msg = f"line {lines[0][0]}: column names repeat ({', '.join(header)})"
        raise ValueError(msg)
    kept = [i for i, name in enumerate(header) if name not in (*INDEX_COLUMNS, "period")]
    period_at = header.index("period") if "period" in header else None
    values = np.empty((len(lines) - 1, len(kept)))
    periods: list[str] = []
    for row, (number, line) in enumerate(lines[1:]):
        cells = [cell.strip() for cell in line.split(",")]
        if len(cells) != len(header):
            msg = f"line {number}: {len(cells)} values, the header has {len(header)} columns"
            raise ValueError(msg)
        try:
            values[row] = [float(cells[i]) for i in kept]
        except ValueError:
            msg = f"line {number}: a value is not a number ({line.strip()[:80]})"
            raise ValueError(msg) from None
        if period_at is not None:
            periods.append(cells[period_at])
    if not np.isfinite(values).all():
        msg = "values must be finite numbers"
        raise ValueError(msg)
    huge = np.argwhere(np.abs(values) > MAX_SERIES)
    if len(huge):
        row, column = huge[0]
        msg = (
            f"line {lines[1 + row][0]}: {header[kept[column]]} is {values[row, column]:g}, beyond what circflow's "
            f"model can represent (at most {MAX_SERIES:g})"
        )
        raise ValueError(msg)
    return _Table(digest, tuple(header[i] for i in kept), values, tuple(periods) if period_at is not None else None)


@functools.lru_cache(maxsize=8)
def _slices(
    table: _Table,
    seasons: tuple[tuple[str, float], ...],
    slices: int,
    keep_peak: tuple[str, ...],
    used: tuple[str, ...],
    where: str,
) -> Periods:
    for name in keep_peak:
        if name not in table.columns:
            msg = f"keep_peak names {name!r}, which is not a column of {where} (columns: {', '.join(table.columns)})"
            raise ValueError(msg)
    known = [c for c in used if c in table.columns]  # a missing column is reported at the stream that names it
    columns = tuple(known)
    values = table.values[:, [table.columns.index(c) for c in known]] if known else np.zeros((len(table.values), 0))
    hour_period = table.periods
    hours_total = len(values)
    negative = [c for j, c in enumerate(columns) if (values[:, j] < 0).any()]
    if negative:
        msg = f"column {negative[0]!r} of {where} has negative values; a profile is in per-unit, >= 0"
        raise ValueError(msg)
    if hour_period is None:
        if len(seasons) > 1:
            listed = ", ".join(name for name, _ in seasons)
            msg = f"{where} needs a 'period' column saying for each hour which period ({listed}) it belongs to"
            raise ValueError(msg)
        hour_period = (seasons[0][0],) * hours_total
    labels = np.array(hour_period)
    for name, hours in seasons:
        count = int((labels == name).sum())
        if count != round(hours):
            msg = f"{where} has {count} hours in period {name!r}; the park says {hours:g}"
            raise ValueError(msg)
    unknown = sorted(set(hour_period) - {name for name, _ in seasons})
    if unknown:
        msg = f"{where} names period(s) {', '.join(unknown)} that the park does not have"
        raise ValueError(msg)
    varies = [len(np.unique(values[labels == name], axis=0)) > 1 for name, _ in seasons]
    shares = _shares(slices, [hours if vary else 0.0 for (_, hours), vary in zip(seasons, varies, strict=True)])
    names: list[str] = []
    season_of: list[str] = []
    members: list[np.ndarray] = []
    for (season, _), count in zip(seasons, shares, strict=True):
        rows = np.flatnonzero(labels == season)
        peaks = sorted(
            {
                int(rows[np.argmax(values[rows, columns.index(c)])])
                for c in keep_peak
                if int(np.argmax(values[:, columns.index(c)])) in set(rows.tolist())
            }
        )
        rest = np.setdiff1d(rows, peaks)
        groups = _cluster(values[rest], count)
        for k, group in enumerate(groups, start=1):
            names.append(f"{season}-{k}")
            season_of.append(season)
            members.append(rest[group])
        for j, peak in enumerate(peaks):
            names.append(f"{season}-peak" + (f"{j + 1}" if len(peaks) > 1 else ""))
            season_of.append(season)
            members.append(np.array([peak]))
    slice_hours = np.array([len(m) for m in members], dtype=float)
    sums = {c: np.array([values[m, j].sum() for m in members]) for j, c in enumerate(columns)}
    representation = np.empty_like(values)
    for m in members:
        representation[m] = values[m].mean(axis=0)
    errors = {}
    for j, c in enumerate(columns):
        scale = float(np.abs(values[:, j]).mean()) or 1.0
        rmse = float(np.sqrt(np.mean((values[:, j] - representation[:, j]) ** 2)))
        errors[c] = {
            "rmse": rmse,
            "relative_rmse": rmse / scale,
            "peak": float(values[:, j].max()),
            "peak_kept": float(representation[:, j].max()),
        }
    report = {
        "file": where,
        "method": "Ward hierarchical clustering of hours (tsam's default method), slice means exact",
        "slices": [
            {"name": n, "period": s, "hours": float(h), "mean": {c: float(sums[c][k] / h) for c in columns}}
            for k, (n, s, h) in enumerate(zip(names, season_of, slice_hours, strict=True))
        ],
        "columns": errors,
    }
    return Periods(names, slice_hours, season_of, sums, report, table.columns)


def _shares(slices: int, hours: list[float]) -> list[int]:
    """Slices per season in proportion to its hours (largest remainder), at least one each.

    A season whose columns do not vary counts 0 hours: one slice says all there is to say
    of it, and the slices go where the profiles move.

    Examples
    --------
    >>> _shares(12, [2880.0, 5880.0]), _shares(12, [2880.0, 0.0])
    ([4, 8], [11, 1])
    """
    total = sum(hours)
    if total <= 0:
        return [1] * len(hours)
    fixed = sum(1 for h in hours if h <= 0)
    left = max(slices - fixed, sum(1 for h in hours if h > 0))
    exact = [left * h / total for h in hours]
    counts = [max(1, int(e)) for e in exact]
    order = sorted(range(len(hours)), key=lambda i: exact[i] - int(exact[i]), reverse=True)
    for i in order:
        if sum(counts) >= left + fixed:
            break
        if hours[i] > 0:
            counts[i] += 1
    return counts


def _cluster(values: np.ndarray, count: int) -> list[np.ndarray]:
    """Indices of ``values``' rows in ``count`` groups of similar hours, largest group first.

    Ward's agglomerative clustering of the hours on standardised columns (scipy), the method
    tsam uses by default ("hierarchical"), with tsam's hours-as-periods setting: on Jinan's
    heating season the two give the same partition. Deterministic: no random start.
    """
    if len(values) == 0:
        return []
    distinct = np.unique(values, axis=0)
    if count <= 1 or len(distinct) == 1:
        return [np.arange(len(values))]
    if len(distinct) <= count:  # each distinct hour is a slice
        _, inverse = np.unique(values, axis=0, return_inverse=True)
        return [np.flatnonzero(inverse.ravel() == k) for k in range(len(distinct))]
    from scipy.cluster.hierarchy import fcluster, linkage

    spread = values.std(axis=0)
    varying = spread > 0
    scaled = (values[:, varying] - values[:, varying].mean(axis=0)) / spread[varying]
    labels = fcluster(linkage(scaled, method="ward"), count, criterion="maxclust")
    groups = [np.flatnonzero(labels == k) for k in np.unique(labels)]
    return sorted(groups, key=lambda g: (-len(g), int(g[0])))
