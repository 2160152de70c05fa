"""Rules added from Python that tests give by import path (``"extra_rules:at_most_two_contracts"``).

A sweep's workers import a rule by its path; pytest puts ``tests/`` on the import path, so
this module is importable as ``extra_rules`` in the test process and in its workers.
"""

from __future__ import annotations

import circflow


def at_most_two_contracts(m: circflow.ModelView) -> None:
    """At most 2 new contracts (new links), whatever they carry."""
    m.add_constraint("new_contracts", m.sum(m.built(link) for link in m.links(new=True)) <= 2)


def no_heat_pump_without_slag(m: circflow.ModelView) -> None:
    """No heat pump from the steel works unless the steel works also sends slag."""
    slag = m.sum(m.built(link) for link in m.links(from_="steel", resource="o_slag"))
    for k, link in enumerate(m.links(from_="steel", type="heat_pump")):
        m.add_constraint(f"heat_pump_needs_slag_{k}", m.built(link) <= slag)
