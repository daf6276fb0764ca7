"""Tasks: what the seller does by hand where a marketplace has no API for it.

Every outbox kind may fall back to a task; marking the task done makes its outbox row count as
posted (`manual_done`), with whatever that kind records when something is sent. A task shown to
the seller carries the order it concerns and the marketplace page of that order (each connector's
`order_url`), so pasting a reply takes one click instead of a search in the back office.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mktcrm.core import outbox
from mktcrm.core.dispute_messages import DisputeMessage
from mktcrm.core.replies import ReviewReply
from mktcrm.db import outbox as rows
from mktcrm.errors import NotFoundError

if TYPE_CHECKING:
    import sqlite3

    from mktcrm.core.deps import Deps, Services

# Every kind the outbox sends; a new one is added here (and its table in db.outbox.OUTBOXES).
KINDS: list[type[outbox.Kind]] = [ReviewReply, DisputeMessage]
TASK_KINDS = tuple(k.task_kind for k in KINDS)
# tasks.kind -> the table whose row (by ref_id) names the order the task is about.
ORDER_SOURCES = {ReviewReply.task_kind: "reviews", DisputeMessage.task_kind: "disputes"}


@dataclass(frozen=True)
class Filters:
    """What `tasks list` and `tasks done --all-listed` select on, so both mean the same rows."""

    include_done: bool = False
    accounts: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()


def done(deps: Deps, task_id: int) -> dict[str, Any]:
    """Close the task and mark what it stood for as posted by hand; the task as it was before."""
    return outbox.done_by_hand(deps, KINDS, task_id)


def done_many(deps: Deps, task_ids: list[int]) -> list[dict[str, Any]]:
    """Close several tasks; every id is checked first, so a typo closes nothing. Each task as it was before."""
    missing = [i for i in dict.fromkeys(task_ids) if rows.get_task(deps.db, i) is None]
    if missing:
        shown = ", ".join(str(i) for i in missing)
        raise NotFoundError(f"no task {shown}", hint="nothing was marked done; see mktcrm tasks list --all")
    return [done(deps, i) for i in dict.fromkeys(task_ids)]


def listing(db: sqlite3.Connection, filters: Filters = Filters()) -> list[dict[str, Any]]:
    """`tasks list`: open tasks (all with `include_done`), the earliest due first."""
    found = rows.tasks(db, [] if filters.include_done else ["open"], list(filters.accounts))
    return [t for t in found if not filters.kinds or t["kind"] in filters.kinds]


def show(app: Services, task_id: int) -> dict[str, Any]:
    """One task in full, with its order and the marketplace page where its text goes."""
    task = rows.get_task(app.db, task_id)
    if task is None:
        raise NotFoundError(f"no task {task_id}", hint="see mktcrm tasks list --all")
    return with_page(app, task)


def next_open(app: Services, filters: Filters) -> dict[str, Any] | None:
    """The open task due first (then the oldest), in full; None when nothing is left."""
    found = listing(app.db, Filters(False, filters.accounts, filters.kinds))
    return with_page(app, found[0]) if found else None


def with_page(app: Services, task: dict[str, Any]) -> dict[str, Any]:
    """The task plus `order_id` and `url`: None where the order is unknown or the marketplace has no deep link."""
    from mktcrm import connectors

    order_id = _order_of(app.db, task)
    account = next((a for a in app.settings.accounts if a.name == task["account"]), None)
    url = None
    if order_id and account is not None and account.marketplace in connectors.names():
        url = connectors.get(account.marketplace).order_url(account, order_id)
    return {**task, "order_id": order_id, "url": url}


def _order_of(db: sqlite3.Connection, task: dict[str, Any]) -> str | None:
    """The order behind a task, through the outbox row it stands for (its review or dispute)."""
    for kind in KINDS:
        if kind.task_kind != task["kind"]:
            continue
        row = rows.row_for_task(db, kind.table, task["id"])
        if row is not None:
            return rows.order_of(db, ORDER_SOURCES[kind.task_kind], task["account"], row[rows.OUTBOXES[kind.table]])
    return None
