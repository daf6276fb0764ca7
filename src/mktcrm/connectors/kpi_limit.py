"""A marketplace's published performance limit on one KPI: the shape each connector's `kpi_limits` use.

Low-level on purpose (stdlib only): connectors declare their limits here, `core.kpi_limits` compares a
KPI row with them and says how far it is from each. An account may override `limit` (`kpi_limits` in
config), since Mirakl operators each set their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

CHECKED = date(2026, 11, 24)  # when the sources below were read: re-check them before changing a figure


@dataclass(frozen=True)
class KpiLimit:
    """`field` must stay at or under (`max`) or at or over (`min`) `limit`; `warn` is the alert level before it."""

    field: str  # a `mktcrm kpi` field; one mktcrm cannot compute reads "no data" with `note`
    bound: Literal["max", "min"]
    limit: float
    name: str
    source: str
    checked: date | None = CHECKED
    warn: float | None = None
    note: str = ""
