"""A dispute deadline as a marketplace states it: the shape each connector's `deadline_rules` use.

Low-level on purpose (stdlib and timeutil only): connectors declare their rules here, `core.deadlines` does the
date arithmetic and applies an account's overrides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from mktcrm.timeutil import DeadlineUnit

Unit = DeadlineUnit  # `24h`, `4d`, `3bd` in an account's overrides (parsed in timeutil)
Start = Literal["opened_at", "updated_at"]
CHECKED = date(2026, 11, 22)  # peer-features.md research date: re-check the pages before changing a figure
LAST_MESSAGE = "clock restarts at each buyer message; updated_at is the thread's latest activity"


@dataclass(frozen=True)
class DeadlineRule:
    """How long the seller has to act on one kind of dispute, and where that figure comes from."""

    marketplace: str
    kind: str
    amount: int
    unit: Unit
    start: Start
    source: str
    checked: date | None
    note: str = ""
