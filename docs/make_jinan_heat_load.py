#!/usr/bin/env python3
"""Synthetic hourly space-heating load profile for Jinan (Shandong, China).

Writes ``parks/jinan_heat_load.csv`` for circflow: 8,760 hourly
rows of a non-leap year (2025-01-01T00:00 ... 2025-12-31T23:00) with columns

    hour, time, period, outdoor_temp_c, city_heat

preceded by '# ' comment lines that document the method, the sources and the
resulting statistics.  No weather file is downloaded: the outdoor temperature
is synthesised from published climate facts and the load follows from a
degree-hour method.  Runs with Python 3.11 + numpy only, no network access,
and is fully deterministic (fixed seed).

Method
------
1. Seasonal cycle.  The 12 monthly mean temperatures (climate normals) are
   placed at mid-month and joined by a periodic cubic spline evaluated every
   hour.  The spline knots are iterated (fixed-point correction) until the
   mean of every calendar month of the hourly curve equals the monthly normal
   to < 1e-6 K, i.e. the interpolation is mean-preserving.
2. Diurnal cycle.  T_diurnal = DTR(t)/2 * f(hour) where DTR(t) is the typical
   diurnal temperature range (periodic spline through monthly values) and f is
   an asymmetric cosine: minimum (-1) at 06:00, rising half-cosine to the
   maximum (+1) at 15:00, falling half-cosine back to 06:00 next day; f is
   shifted so that its 24-hour mean is exactly 0.
3. Day-to-day weather.  A unit-variance AR(1) series a_d = phi*a_{d-1} +
   sqrt(1-phi^2)*e_d (e_d ~ N(0,1), numpy default_rng, fixed SEED, 60 days of
   burn-in), multiplied by a seasonal envelope (1.0 in mid-January, 0.6 in
   mid-July: winter weather is more variable), linearly interpolated between
   day centres (12:00) to hours, and with each calendar month's mean removed
   (so monthly means stay equal to the normals).  The resulting anomaly A(t)
   is scaled by a single factor k.
4. Calibration of k (the GB 50736 definition).  GB 50736-2012 clause 4.1.2:
   the heating outdoor design temperature is "the daily mean temperature not
   guaranteed on 5 days per year on average" (历年平均不保证5天的日平均温度).
   k is found by bisection so that, in the synthetic year, the design
   temperature T_design = -5.3 C lies midway between the 5th and 6th coldest
   *daily mean* temperatures (daily means computed from the hourly values as
   written), i.e. exactly 5 days of the year have a daily mean below T_design.
5. Load (degree-hour method).  During the heating season
       city_heat = max(0, (T_in - T_load) / (T_in - T_design)),
   T_in = 18 C, T_design = -5.3 C, and 0 outside the heating season, so
   city_heat = 1.0 at the design condition and may exceed 1 on colder hours.
   T_load is the trailing 24-hour moving average of outdoor_temp_c (the
   synthetic year is treated as periodic, so the window at 1 January wraps to
   31 December).  Reasons, decided before looking at the peak/mean result:
   (a) T_design is defined by GB 50736 as a *daily mean* temperature, so the
   load that equals 1.0 "at the design temperature" is the load of a day whose
   mean is -5.3 C; (b) building thermal mass time-shifts and flattens heat-flow
   fluctuations (Verbeke & Audenaert 2018, review of thermal inertia), and the
   heavy masonry/concrete stock of north China plus the district-heating
   network (transport delay and attenuation, Zheng et al. 2017 [S8]) do not follow
   hourly air-temperature swings.  The statistics for the raw hourly
   temperature and 6/12/48-h windows are reported in the header as a
   sensitivity, not used to tune anything.
6. Heating season.  "heating" for 15 Nov 00:00 <= t or t < 15 Mar 00:00
   (Jinan urban central-heating regulation, 120 days = 2,880 h); the script
   asserts 2,880 heating and 5,880 non-heating hours.

Sources (found with the search tool; quotes in jinan_heat_load.md)
-------------------------------------------------------------------
[S1] GB 50736-2012 "Design code for heating ventilation and air conditioning
     of civil buildings" (民用建筑供暖通风与空气调节设计规范), clause 4.1.2
     (definition of the heating outdoor design temperature) and 4.1.1 (main
     cities' values are in Appendix A).  Clause text found on jianbiaoku.com:
     http://www.jianbiaoku.com/webarbs/book/16582/1663589.shtml
     Appendix A value for Jinan, T_design = -5.3 C: given in the task brief,
     NOT found by search (Appendix A table not in the searchable corpus).
     Appendix A heating-period mean temperature for Jinan (days with daily mean
     <= +5 C): NOT found by search; recalled as 1.4 C over 99 days
     (22 Nov - 1 Mar) and used only as an unconfirmed consistency check.
[S2] Jinan climate normals (CMA station 54823).  Confirmed by search:
     January mean -0.4 C, July mean 27.5 C, annual mean 14.70 C
     (Wikipedia-derived text, https://nomadpub.com/jinan-weather).
     The other ten monthly means are the CMA 1981-2010 normals as recalled
     (Wikipedia "Jinan" climate table) - NOT confirmed by search; they are
     cross-checked against the National Bureau of Statistics China Statistical
     Yearbook tables "Monthly Average Temperature of Major Cities" for 2008 and
     2009 (http://www.stats.gov.cn/tjsj/ndsj/2009/html/L1113e.htm,
     http://www.stats.gov.cn/tjsj/ndsj/2010/html/L1213e.htm), see CHECK_NBS.
[S3] Diurnal range: Jinan January mean max 3.4 C / min -5.4 C (DTR 8.8 K) and
     July 32.1 C / 23.2 C (DTR 8.9 K), 1961-1990 station normals
     (https://ch.wetter.com/reise/klima/klimatabelle/china-jinan-CN0SD0003.html).
     Other months' DTR are assumed (larger in dry spring, smaller in the rainy
     late summer).
[S4] Heating season 15 Nov - 15 Mar, 120 days: Jinan "Regulations on the
     Management of Urban Central Heating" (济南市城市集中供热管理条例);
     http://11jn.com/50/26210.html ("Jinan will officially start the city's
     central heating at 0:00 on November 15, 2023"), and
     https://zfhf.jjcmw.cn/zxwd/202507/428444.html (11月15日开始, 持续至次年
     3月15日, 供暖周期 共计120天).
[S5] Indoor design temperature 18 C: GB 50736-2012 clause 3.0.1 (heating
     indoor design temperature 18-24 C in severe-cold/cold zones) - NOT found
     by search (brief); supporting: Qingdao/Rizhao (Shandong) heating rules
     "indoor temperature not lower than 18 C" (pages found by search).
[S6] Degree-hour method, morning maximum of heating intensity: Liu Y.-L. &
     Ren G.-Y., "Analysis of Heating Intensity in Harbin Based on Degree-hours
     Method", J. Natural Resources 33(1):139-148, 2018,
     doi:10.11849/zrzyxb.20161270.
[S7] Thermal inertia: Verbeke S. & Audenaert A., "Thermal inertia in
     buildings: a review of impacts across climate and building use", Renew.
     Sust. Energy Rev. 82(3):2300-2318, 2018 ("A building with a great amount
     of thermal mass is able to time-shift and flatten out heat flow
     fluctuations").
[S8] Zheng J., Zhou Z., Zhao J., Wang J., "Function method for dynamic
     temperature simulation of district heating network", Appl. Therm. Eng.
     123:682-688, 2017 (delay time and relative attenuation in DH networks).
Assumptions not confirmed by search: AR(1) lag-1 autocorrelation PHI=0.75 and
the seasonal variance envelope; DTR in months other than Jan/Jul; monthly
means other than Jan/Jul; the Appendix A numbers for Jinan.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

# ----------------------------------------------------------------------------
# Inputs
# ----------------------------------------------------------------------------
YEAR = 2025  # non-leap
SEED = 20250115
T_IN = 18.0  # indoor design temperature, C  [S5]
T_DESIGN = -5.3  # heating outdoor design temperature, Jinan, C  [S1 App. A]
N_DESIGN_DAYS = 5  # "not guaranteed on 5 days per year"  [S1 4.1.2]
LOAD_WINDOW_H = 24  # trailing moving-average window for the load
PHI = 0.75  # AR(1) lag-1 autocorrelation of daily anomalies (assumed)
ENV_SUMMER = 0.6  # seasonal envelope of anomaly std, July relative to January

# Monthly mean temperature, C. Jan, Jul (and the annual mean 14.7) confirmed
# by search [S2]; the others are recalled CMA 1981-2010 normals (unconfirmed).
T_MONTH = np.array([-0.4, 2.5, 8.5, 15.5, 21.1, 25.9, 27.5, 26.3, 22.2, 16.3, 8.7, 1.7])
# Diurnal temperature range, K. Jan 8.8 and Jul 8.9 from [S3]; others assumed.
DTR_MONTH = np.array([8.8, 9.2, 10.2, 10.8, 10.8, 10.2, 8.9, 8.0, 8.6, 9.2, 9.0, 8.6])
# Cross-check only (not used in the model): NBS yearbook monthly means [S2].
CHECK_NBS = {
    2008: [-2.0, 1.0, 10.3, 16.3, 22.3, 25.0, 26.0, 25.6, 21.6, 17.2, 9.1, 2.4],
    2009: [-0.2, 5.1, 9.0, 16.7, 21.9, 28.1, 26.5, 25.1, 21.1, 18.8, 4.8, 0.8],
}
HEAT_START = (11, 15)  # 15 Nov 00:00 (inclusive)  [S4]
HEAT_END = (3, 15)  # 15 Mar 00:00 (exclusive)  [S4]

OUT_CSV = Path(__file__).resolve().parent.parent / "parks" / "jinan_heat_load.csv"


# ----------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------
def periodic_cubic_spline(xk: np.ndarray, yk: np.ndarray, period: float, x: np.ndarray) -> np.ndarray:
    """Natural periodic cubic spline through (xk, yk), evaluated at x."""
    n = len(xk)
    h = np.diff(np.append(xk, xk[0] + period))  # h[i] = x[i+1]-x[i] (cyclic)
    A = np.zeros((n, n))
    r = np.zeros(n)
    for i in range(n):
        im, ip = (i - 1) % n, (i + 1) % n
        A[i, im] += h[im]
        A[i, i] += 2.0 * (h[im] + h[i])
        A[i, ip] += h[i]
        r[i] = 6.0 * ((yk[ip] - yk[i]) / h[i] - (yk[i] - yk[im]) / h[im])
    m = np.linalg.solve(A, r)  # second derivatives at the knots
    xs = np.mod(x - xk[0], period) + xk[0]
    idx = np.searchsorted(xk, xs, side="right") - 1
    idx = np.clip(idx, 0, n - 1)
    i1 = (idx + 1) % n
    hi = h[idx]
    a = xs - xk[idx]
    b = hi - a
    return (
        (m[idx] * b**3 + m[i1] * a**3) / (6.0 * hi)
        + (yk[idx] / hi - m[idx] * hi / 6.0) * b
        + (yk[i1] / hi - m[i1] * hi / 6.0) * a
    )


def monthly_means(values: np.ndarray, month_of_hour: np.ndarray) -> np.ndarray:
    return np.array([values[month_of_hour == mo].mean() for mo in range(12)])


def diurnal_shape(hour_of_day: np.ndarray) -> np.ndarray:
    """Asymmetric diurnal shape: -1 at 06:00, +1 at 15:00, daily mean 0."""
    hh = hour_of_day.astype(float)
    rising = (hh >= 6) & (hh <= 15)
    f = np.where(rising, -np.cos(np.pi * (hh - 6.0) / 9.0), np.cos(np.pi * (np.mod(hh - 15.0, 24.0)) / 15.0))
    # remove the (small) discrete-sampling mean over the 24 hourly samples
    f24 = np.where(
        (np.arange(24) >= 6) & (np.arange(24) <= 15),
        -np.cos(np.pi * (np.arange(24) - 6.0) / 9.0),
        np.cos(np.pi * np.mod(np.arange(24) - 15.0, 24.0) / 15.0),
    )
    return f - f24.mean()


def trailing_moving_average(x: np.ndarray, window: int) -> np.ndarray:
    """Trailing mean of the last `window` values, circular (periodic year)."""
    if window <= 1:
        return x.copy()
    xp = np.concatenate([x[-(window - 1) :], x])
    c = np.cumsum(np.insert(xp, 0, 0.0))
    return (c[window:] - c[:-window]) / window


# ----------------------------------------------------------------------------
# Build the synthetic year
# ----------------------------------------------------------------------------
def build() -> dict:
    t0 = dt.datetime(YEAR, 1, 1)
    n_h = 8760
    times = [t0 + dt.timedelta(hours=i) for i in range(n_h)]
    assert times[-1] == dt.datetime(YEAR, 12, 31, 23), "not a non-leap year"
    month = np.array([t.month - 1 for t in times])
    hod = np.array([t.hour for t in times])
    t_days = np.arange(n_h) / 24.0  # time in days since 1 Jan 00:00

    # Heating period flags
    heat = np.array([(t.month, t.day) >= HEAT_START or (t.month, t.day) < HEAT_END for t in times])
    assert heat.sum() == 2880, heat.sum()
    assert (~heat).sum() == 5880, heat.sum()

    # --- 1. seasonal cycle: mean-preserving periodic spline ----------------
    mdays = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], float)
    mstart = np.concatenate([[0.0], np.cumsum(mdays)[:-1]])
    xk = mstart + mdays / 2.0
    yk = T_MONTH.copy()
    for _ in range(200):
        seas = periodic_cubic_spline(xk, yk, 365.0, t_days + 0.5 / 24.0)
        err = T_MONTH - monthly_means(seas, month)
        if np.max(np.abs(err)) < 1e-9:
            break
        yk = yk + err
    dtr = periodic_cubic_spline(xk, DTR_MONTH, 365.0, t_days)

    # --- 2. diurnal cycle ---------------------------------------------------
    diurnal = 0.5 * dtr * diurnal_shape(hod)
    base = seas + diurnal

    # --- 3. AR(1) day-to-day anomaly (unit variance before envelope) -------
    rng = np.random.default_rng(SEED)
    burn = 60
    e = rng.standard_normal(365 + burn)
    a = np.zeros(365 + burn)
    for i in range(1, 365 + burn):
        a[i] = PHI * a[i - 1] + np.sqrt(1.0 - PHI**2) * e[i]
    a = a[burn:]
    day_c = np.arange(365) + 0.5
    env = ENV_SUMMER + (1.0 - ENV_SUMMER) * 0.5 * (1.0 + np.cos(2 * np.pi * (day_c - 15.5) / 365.0))
    a_env = a * env
    # linear interpolation between day centres (12:00), periodic
    xp = np.concatenate([[day_c[-1] - 365.0], day_c, [day_c[0] + 365.0]])
    fp = np.concatenate([[a_env[-1]], a_env, [a_env[0]]])
    anom = np.interp(t_days, xp, fp)
    anom = anom - monthly_means(anom, month)[month]  # keep monthly means

    # --- 4. calibrate k with the GB 50736 "5 days not guaranteed" rule -----
    def daily_mean(x: np.ndarray) -> np.ndarray:
        return x.reshape(365, 24).mean(axis=1)

    base_d, anom_d = daily_mean(base), daily_mean(anom)

    def g(k: float) -> float:
        s = np.sort(base_d + k * anom_d)
        return 0.5 * (s[N_DESIGN_DAYS - 1] + s[N_DESIGN_DAYS]) - T_DESIGN

    lo, hi = 0.0, 20.0
    assert g(lo) > 0 > g(hi)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if g(mid) > 0:
            lo = mid
        else:
            hi = mid
    k = 0.5 * (lo + hi)

    t_out = np.round(base + k * anom, 2)
    t_out_d = daily_mean(t_out)
    n_days_below = int((t_out_d < T_DESIGN).sum())
    assert n_days_below == N_DESIGN_DAYS, n_days_below

    # --- 5. load -------------------------------------------------------------
    def load(window: int) -> np.ndarray:
        t_load = trailing_moving_average(t_out, window)
        q = np.clip((T_IN - t_load) / (T_IN - T_DESIGN), 0.0, None)
        return np.round(np.where(heat, q, 0.0), 4)

    city_heat = load(LOAD_WINDOW_H)
    sens = {w: load(w) for w in (1, 6, 12, 24, 48)}

    return dict(
        times=times,
        month=month,
        heat=heat,
        t_out=t_out,
        t_out_d=t_out_d,
        city_heat=city_heat,
        sens=sens,
        k=k,
        seas=seas,
        anom=anom,
        env=env,
        anom_d=anom_d * k,
        n_days_below=n_days_below,
        dtr=dtr,
    )


def stats_lines(r: dict) -> list[str]:
    heat, t, q = r["heat"], r["t_out"], r["city_heat"]
    times = r["times"]
    L: list[str] = []
    ipk = int(np.argmax(q))
    mean_h = q[heat].mean()
    L.append(f"annual hours: {len(q)}; heating hours: {int(heat.sum())}; non_heating hours: {int((~heat).sum())}")
    L.append(
        f"outdoor_temp_c: mean heating season {t[heat].mean():.2f} C; mean year "
        f"{t.mean():.2f} C; min {t.min():.2f} C at {times[int(np.argmin(t))]:%Y-%m-%dT%H:%M}; "
        f"max {t.max():.2f} C; coldest daily mean {r['t_out_d'].min():.2f} C"
    )
    L.append(
        f"city_heat: mean heating season {mean_h:.4f}; mean year {q.mean():.4f}; "
        f"peak {q.max():.4f} at {times[ipk]:%Y-%m-%dT%H:%M}; "
        f"peak/mean(heating season) {q.max() / mean_h:.3f}"
    )
    L.append(f"annual full-load hours sum(city_heat) = {q.sum():.1f} h (= {q.sum() / 2880:.3f} x 2880 h)")
    L.append(
        f"hours with city_heat > 1.0: {int((q > 1.0).sum())}; "
        f"heating-season degree-hours (18 C base, hourly T) "
        f"{np.clip(T_IN - t[heat], 0, None).sum():.0f} K*h "
        f"= {np.clip(T_IN - t[heat], 0, None).sum() / 24:.0f} K*d"
    )
    L.append(
        f"calibration: days with daily mean < {T_DESIGN} C = {r['n_days_below']} "
        f"(target {N_DESIGN_DAYS}); anomaly scale factor k = {r['k']:.3f}; "
        f"std of daily-mean anomaly Dec-Feb = "
        f"{np.std(r['anom_d'][np.isin(np.arange(365), _djf_days())]):.2f} K; "
        f"hours with outdoor_temp_c < {T_DESIGN} C: {int((t < T_DESIGN).sum())}"
    )
    # target check
    ratio = q.max() / mean_h
    verdict = "INSIDE" if 1.6 <= ratio <= 1.8 else "OUTSIDE"
    L.append(
        f"target check (issue: real peak ~1.6-1.8 x heating-season mean): "
        f"peak/mean = {ratio:.3f} -> {verdict} the 1.6-1.8 range (24-h load window)"
    )
    ens = r.get("ensemble")
    if ens:
        L.append(
            f"seed robustness (same method, seeds 1..{int(ens['n'])}, fixed seed unchanged): peak/mean "
            f"median {ens['med24']:.3f}, 10-90% range {ens['p10_24']:.3f}-{ens['p90_24']:.3f} (24-h window); "
            f"raw hourly median {ens['med1']:.3f}"
        )
    parts = []
    for w, qq in r["sens"].items():
        mh = qq[heat].mean()
        parts.append(f"{w} h: mean {mh:.3f}, peak {qq.max():.3f}, ratio {qq.max() / mh:.3f}")
    L.append("sensitivity to load window (not used for tuning): " + "; ".join(parts))
    return L


def _djf_days() -> np.ndarray:
    d = np.arange(365)
    return d[(d < 59) | (d >= 334)]


def consistency_lines(r: dict) -> list[str]:
    L = []
    seas_d = r["seas"].reshape(365, 24).mean(axis=1)
    # GB 50736 App. A style heating period: 22 Nov (doy 325) .. 1 Mar (doy 59)
    idx = np.r_[325:365, 0:60]
    L.append(
        f"check vs GB 50736 App. A (unconfirmed recall: <=5 C period 22 Nov-1 Mar, "
        f"99 d, mean 1.4 C): normal curve mean over 22 Nov-1 Mar "
        f"{seas_d[idx].mean():.2f} C; days with normal daily mean <= 5 C: "
        f"{int((seas_d <= 5.0).sum())}"
    )
    nbs = np.mean([CHECK_NBS[y] for y in CHECK_NBS], axis=0)
    diff = T_MONTH - nbs
    L.append(
        "check vs NBS yearbook 2008-2009 mean (used month normals minus NBS): "
        + " ".join(f"{d:+.1f}" for d in diff)
        + f"; annual normal mean {T_MONTH.mean():.2f} C (search: 14.70 C)"
    )
    return L


def seed_ensemble(n: int = 50) -> dict:
    """Peak/mean ratio over n other seeds (documentation only, not tuning)."""
    global SEED
    keep = SEED
    v24, v1 = [], []
    try:
        for s in range(1, n + 1):
            SEED = s
            rr = build()
            for w, store in ((24, v24), (1, v1)):
                q = rr["sens"][w]
                store.append(q.max() / q[rr["heat"]].mean())
    finally:
        SEED = keep
    return dict(
        n=n,
        med24=float(np.median(v24)),
        p10_24=float(np.percentile(v24, 10)),
        p90_24=float(np.percentile(v24, 90)),
        med1=float(np.median(v1)),
    )


def main() -> None:
    ens = seed_ensemble()
    r = build()
    r["ensemble"] = ens
    H = [
        "Jinan (Shandong, China) synthetic hourly space-heating load profile for circflow",
        "generated by docs/make_jinan_heat_load.py (Python 3.11 + numpy, no network, seed "
        f"{SEED}); year {YEAR} (non-leap), hour 0 = {YEAR}-01-01T00:00 local time",
        "columns: hour (0..8759); time (ISO, hour start); period (heating|non_heating); "
        "outdoor_temp_c (synthetic, C); city_heat (space-heating load, per unit of design load)",
        "METHOD (degree-hour): T(t) = S(t) + DTR(t)/2*f(hour) + k*A(t)",
        "  S(t): mean-preserving periodic cubic spline through 12 monthly mean "
        "temperatures at mid-month (every month's mean of S equals its normal)",
        "  f(hour): asymmetric cosine, min -1 at 06:00, max +1 at 15:00, 24-h mean 0; "
        "DTR(t): periodic spline through monthly diurnal ranges",
        f"  A(t): AR(1) daily anomaly (phi={PHI}, N(0,1) innovations, seed {SEED}), "
        f"std envelope 1.0 mid-Jan .. {ENV_SUMMER} mid-Jul, interpolated between 12:00 "
        "day centres, monthly means removed",
        f"  k: bisection so that exactly {N_DESIGN_DAYS} days of the year have a daily mean "
        f"below T_design = {T_DESIGN} C (T_design midway between 5th and 6th coldest daily "
        "means) = GB 50736 4.1.2 definition 'daily mean temperature not guaranteed on 5 "
        "days per year on average'",
        f"  city_heat = max(0, (T_in - T_load)/(T_in - T_design)) in heating hours, 0 otherwise; "
        f"T_in = {T_IN} C, T_design = {T_DESIGN} C; 1.0 at the design temperature, >1 when colder",
        f"  T_load = trailing {LOAD_WINDOW_H}-h moving average of outdoor_temp_c (periodic year); "
        "reason: T_design is a DAILY-mean quantity in GB 50736, and building thermal mass "
        "(Verbeke & Audenaert 2018) plus district-heating network delay smooth hourly swings",
        "  period = heating for 15 Nov 00:00 <= t < 15 Mar 00:00 (2,880 h), else non_heating (5,880 h)",
        "INPUTS: monthly mean C Jan..Dec = "
        + " ".join(f"{v:.1f}" for v in T_MONTH)
        + "; DTR K Jan..Dec = "
        + " ".join(f"{v:.1f}" for v in DTR_MONTH),
        "SOURCES:",
        "  [S1] GB 50736-2012 Design code for heating ventilation and air conditioning of civil "
        "buildings: 4.1.2 heating design temperature = daily mean not guaranteed 5 days/yr "
        "(jianbiaoku.com/webarbs/book/16582/1663589.shtml); Appendix A Jinan T_design -5.3 C "
        "(value from brief, not found by search); App. A heating-period mean for Jinan not found "
        "by search (recalled 1.4 C, used only as check)",
        "  [S2] Jinan climate normals (CMA station 54823, 1981-2010 as published on Wikipedia): "
        "Jan -0.4 C, Jul 27.5 C, annual 14.70 C confirmed (nomadpub.com/jinan-weather); other "
        "months recalled, unconfirmed; cross-check NBS China Statistical Yearbook 'Monthly "
        "Average Temperature of Major Cities' 2008 and 2009 (stats.gov.cn)",
        "  [S3] diurnal range Jan 3.4/-5.4 C (8.8 K), Jul 32.1/23.2 C (8.9 K), 1961-1990 "
        "(ch.wetter.com climate table Jinan); other months assumed",
        "  [S4] heating season 15 Nov - 15 Mar, 120 days, Jinan urban central heating "
        "regulation (Jinan Shi Chengshi Jizhong Gongre Guanli Tiaoli; 11jn.com/50/26210.html; "
        "zfhf.jjcmw.cn/zxwd/202507/428444.html)",
        "  [S5] indoor design temperature 18 C (GB 50736 / GB 50019 heating design; brief), "
        "not-lower-than-18 C room temperature rule in Qingdao and Rizhao (Shandong) heating rules",
        "  [S6] degree-hour method: Liu & Ren 2018, J. Natural Resources 33(1):139-148 "
        "(Harbin heating intensity, degree-hours)",
        "  [S7] Verbeke & Audenaert 2018, Renew. Sust. Energy Rev. 82:2300-2318 (thermal "
        "inertia time-shifts and flattens heat-flow fluctuations)",
        "  [S8] Zheng, Zhou, Zhao & Wang 2017, Appl. Therm. Eng. 123:682-688 (delay time and "
        "attenuation in district-heating networks)",
        "ASSUMED (not confirmed by search): phi, variance envelope, DTR except Jan/Jul, monthly "
        "means except Jan/Jul, Jinan App. A values, 24-h load window length",
        "STATISTICS:",
    ]
    H += ["  " + s for s in stats_lines(r)]
    H += ["  " + s for s in consistency_lines(r)]

    with OUT_CSV.open("w", encoding="utf-8", newline="\n") as fh:
        for line in H:
            assert "\n" not in line
            fh.write("# " + line + "\n")
        fh.write("hour,time,period,outdoor_temp_c,city_heat\n")
        for i, t in enumerate(r["times"]):
            fh.write(
                f"{i},{t:%Y-%m-%dT%H:%M},"
                f"{'heating' if r['heat'][i] else 'non_heating'},"
                f"{r['t_out'][i]:.2f},{r['city_heat'][i]:.4f}\n"
            )
    for line in H[-12:]:
        print(line)


if __name__ == "__main__":
    main()
