"""Shared fixtures: a minimal valid park (``tests/data/parks/minimal.yaml``) written into ``tmp_path``.

The park defines its own resources (``ash_t``, ``heat_t``), modes (``lorry_t``,
``pipe_t``) and economics, so no test depends on the numbers of the shipped catalog.
Its optimum, derived by hand (discount rate 0, so CRF = 1/lifetime):

- ash: plant -> cement by lorry_t, 5 km; 800 t/yr moved. Annualised capex 1000 / 10 = 100,
  opex 800 x 1 = 800, the 200 t left over cost 200 x 50 = 10,000 to dispose of.
- heat: plant (90 degC) -> town (70 degC) by pipe_t, direct (90 >= 70 + 10); 5000 MWh in
  winter (2760 h), so capacity 5000 / 2760 MW; capex 10,000 + 100 x 5000 / 2760,
  annualised over 10 years = 1,018.12.
- total_cost = 100 + 800 + 10,000 + 1,018.12 = 11,918.12; emissions = 200 t x 0.01 = 2 tCO2.
- status quo: 1000 x 50 + 800 x 100 + 5000 x 200 = 1,130,000 and
  1000 x 0.01 + 800 x 0.5 + 5000 x 0.3 = 1,910 tCO2.
"""

from __future__ import annotations

import os
import pathlib
import shutil
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from places import CHROMIUM, park_text

MACHINE_CORES = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
"""The cores the test session may use, before a worker keeps to its share (`_share_the_cores`)."""


def _share_the_cores() -> None:
    """Under ``-n auto`` each worker keeps to its own share of the machine's cores (CPU
    affinity, Linux): circflow then sizes its threads to that share, as it does on a machine
    of that many cores, instead of every worker's HiGHS threads contending for all of them."""
    worker, count = os.environ.get("PYTEST_XDIST_WORKER"), os.environ.get("PYTEST_XDIST_WORKER_COUNT")
    if not (worker and count and hasattr(os, "sched_setaffinity")):
        return
    cores = MACHINE_CORES
    index, workers = int(worker.removeprefix("gw")), int(count)
    share = [core for k, core in enumerate(cores) if k % workers == index % workers]
    if share:
        os.sched_setaffinity(0, share)


_share_the_cores()

MINIMAL_PARK_YAML = park_text("minimal")
"""The minimal park (``tests/data/parks/minimal.yaml``)."""


@pytest.fixture
def minimal_park_yaml() -> str:
    """The text of a minimal valid park (see the module docstring for its optimum)."""
    return MINIMAL_PARK_YAML


@pytest.fixture
def write_park_yaml(tmp_path: pathlib.Path) -> Callable[..., pathlib.Path]:
    """Write a park file into ``tmp_path`` and return its path.

    ``write_park_yaml(text=None, *, replace={old: new}, append="", name="park.yaml")``:
    starts from the minimal park (or ``text``), replaces each ``old`` (which must occur
    exactly once, so a stale edit fails loudly) and appends ``append``.
    """

    def write(
        text: str | None = None,
        *,
        replace: Mapping[str, str] | None = None,
        append: str = "",
        name: str = "park.yaml",
    ) -> pathlib.Path:
        content = MINIMAL_PARK_YAML if text is None else text
        for old, new in (replace or {}).items():
            count = content.count(old)
            assert count == 1, f"edit target {old!r} occurs {count} times in the park text"
            content = content.replace(old, new)
        path = tmp_path / name
        path.write_text(content + append, encoding="utf-8")
        return path

    return write


@pytest.fixture
def yaml_position() -> Callable[[str, str], tuple[int, int]]:
    """``yaml_position(text, needle)``: 1-based (line, column) where ``needle`` first starts."""

    def position(text: str, needle: str) -> tuple[int, int]:
        offset = text.index(needle)
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        return line, column

    return position


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One headless Chromium for every browser test of a session (of an xdist worker)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--window-size=1300,1000",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def dask_client() -> Iterator[Any]:
    """A LocalCluster of 1 worker process with 2 threads (and its client) for every sweep of a session
    (of an xdist worker) that runs on a cluster without testing how one starts; closed, client first,
    at the end.

    A study's own ``workers=1`` cluster costs about 2 s to start, its processes importing circflow.
    This one lives for the whole session, mostly idle, and an idle cluster is not free: with Dask's
    defaults the worker's profiler samples every 10 ms, memory monitors run every 100 ms, the system
    monitor every 500 ms and the event loop ticks every 20 ms. Measured idle over 15-20 s on a
    2-core machine, 2 worker processes with the defaults took 0.15-0.27 of a core, 1 worker process
    with the settings below 0.05-0.13. No test reads what the profiler and the monitors collect:
    there is no dashboard, and no test comes near a memory limit. One process with 2 threads goes
    against docs/sweep.md's advice for real sweeps (a process per core, one thread each); these
    tests check what a sweep gives, not how fast.

    Own clusters, with one thread per process, are still started by
    `test_sweep.test_a_sweep_on_its_own_local_cluster`,
    `test_sensitivity.test_keys_run_on_a_local_dask_cluster`, the notebook, and the Ctrl-C sweep
    of test_faults (``--workers 2``)."""
    distributed = pytest.importorskip("distributed")
    import dask

    from circflow.sweeps import QUIET_CLUSTER

    seldom = {
        "distributed.worker.profile.enabled": False,
        "distributed.worker.memory.monitor-interval": "2s",
        "distributed.admin.system-monitor.interval": "2s",
        "distributed.admin.tick.interval": "1s",
    }
    with dask.config.set(seldom):  # the scheduler and the nanny read them as they start
        cluster = distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=True, config=seldom, **QUIET_CLUSTER
        )  # config: the nanny gives them to its worker process, at every (re)start
    with cluster, distributed.Client(cluster) as client:
        yield client


@pytest.fixture
def every_core() -> Iterator[None]:
    """For a test of how circflow shares several cores: the session's cores, not the worker's share."""
    if not MACHINE_CORES:
        yield
        return
    share = os.sched_getaffinity(0)
    os.sched_setaffinity(0, MACHINE_CORES)
    try:
        yield
    finally:
        os.sched_setaffinity(0, share)
