"""Tasks: what the seller does by hand where a marketplace has no API for it.

Every outbox kind may fall back to a task; marking the task done makes its outbox row count as
posted (`manual_done`), with whatever that kind records when something is sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mktcrm.core import outbox
from mktcrm.core.dispute_messages import DisputeMessage
from mktcrm.core.replies import ReviewReply
from mktcrm.db import outbox as rows

if TYPE_CHECKING:
    import sqlite3

    from mktcrm.core.deps import Deps

# Every kind the outbox sends; a new one is added here (and its table in db.outbox.OUTBOXES).
KINDS: list[type[outbox.Kind]] = [ReviewReply, DisputeMessage]


def done(deps: Deps, task_id: int) -> dict[str, Any]:
    """Close the task and mark what it stood for as posted by hand; the task as it was before."""
    return outbox.done_by_hand(deps, KINDS, task_id)


def listing(
    db: sqlite3.Connection, *, include_done: bool = False, accounts: list[str] | None = None
) -> list[dict[str, Any]]:
    """`tasks list`: open tasks (all with `include_done`), the earliest due first."""
    return rows.tasks(db, [] if include_done else ["open"], accounts or [])
