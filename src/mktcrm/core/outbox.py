"""One delivery state machine for everything mktcrm sends (DESIGN §6): exactly once, or a task.

A row is queued with its idempotency key before any call; `queued → sending → sent` is committed
step by step, each move guarded by the state it leaves. A row found in `sending` or `failed` was
perhaps posted by a run that died: it is looked for on the marketplace before anything is resent,
and a conflict answer (eBay 409) is reconciled the same way. When the marketplace's answer cannot
tell (the item is not in it) or cannot be read, the row stays in `sending`: never failed, never
resent. Where the marketplace has no API the checked text becomes a task with where to paste it.
What differs between review replies, dispute messages and whatever sends next is a small `Kind`;
the rest lives here.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from mktcrm.db import dialect
from mktcrm.db import outbox as rows
from mktcrm.errors import ConflictError, MktcrmError, NotFoundError, NotSupportedError, TemporaryError

if TYPE_CHECKING:
    import sqlite3

    from mktcrm.connectors.base import Connector, Posted
    from mktcrm.core.deps import Deps

Row = dict[str, Any]


class Remote(enum.Enum):
    """What reading the marketplace back says about one row's text."""

    POSTED = "posted"  # ours is there: never send it again
    ABSENT = "absent"  # the answer is complete and ours is not in it: safe to send
    OTHER = "other"  # something else holds the one place ours would go (a review's single reply)
    UNKNOWN = "unknown"  # the answer cannot tell (partial): neither resend nor call it sent


@dataclass
class Task:
    """A row the seller must paste by hand: where, and by when."""

    ref_id: str
    title: str
    instructions: str
    due_at: str | None = None


@dataclass
class Delivery:
    """What became of one row: sent | task | failed (error set) | blocked (by the charter, nothing queued)."""

    state: str
    detail: str = ""
    row_id: int | None = None
    task_id: int | None = None
    error: MktcrmError | None = None

    @property
    def exit_code(self) -> int:
        return int(self.error.exit_code) if self.error else 0


class Kind(Protocol):
    """One sort of thing mktcrm sends, bound to what it answers (a review, a dispute)."""

    table: ClassVar[str]  # its outbox table (see db.outbox.OUTBOXES)
    task_kind: ClassVar[str]  # the tasks.kind of its hand-made fallback
    conflict: ClassVar[str]  # said when the marketplace holds something else in its place

    @property
    def account(self) -> str:
        """The account it is sent from."""

    def via_api(self) -> bool:
        """False: no API for it on this marketplace (or for this item): it becomes a task."""

    def send(self, connector: Connector, row: Row) -> str | None:
        """Post the row's body; the marketplace's id for it. Raises ConflictError or NotSupportedError."""

    def read_back(self, connector: Connector, row: Row) -> Remote:
        """Is this row's text on the marketplace? Asked before any resend."""

    def task(self, row: Row, instructions: str | None) -> Task:
        """The task standing in for the API (`instructions`: the marketplace's hint, if it gave one)."""

    @staticmethod
    def record_sent(db: sqlite3.Connection, row: Row, remote_id: str | None, at: str) -> None:
        """Extra writes in the transaction that marks it sent or done by hand (e.g. a timeline event)."""


@contextmanager
def outbox_lock(deps: Deps) -> Iterator[None]:
    """One sender at a time per cache: a second run must not read the first one's `sending` rows as a crash.

    On PostgreSQL each row is claimed by `deliver` instead, so teammates can send at the same time."""
    if dialect.of(deps.db) == dialect.POSTGRESQL:
        yield
        return
    from filelock import FileLock, Timeout

    lock = FileLock(str(deps.lock_path))
    try:
        lock.acquire(timeout=deps.settings.lock_timeout_seconds)
    except Timeout:
        raise TemporaryError(
            "another mktcrm run is sending replies or messages", hint="retry when it is done"
        ) from None
    try:
        yield
    finally:
        lock.release()


def same_text(a: str, b: str) -> bool:
    """Marketplaces may trim or reflow whitespace; the words are what make a text ours."""
    return a.split() == b.split()


def judge(found: Posted, body: str, *, single: bool) -> Remote:
    """What a read-back means for our text: our own text proves it was posted, even in a partial answer.

    Absence proves nothing in a partial answer. `single`: there is one place only (a review's reply), so any
    other text there has taken it.
    """
    if any(same_text(text, body) for text in found.texts):
        return Remote.POSTED
    if not found.complete:
        return Remote.UNKNOWN
    return Remote.OTHER if single and found.texts else Remote.ABSENT


def deliver(deps: Deps, kind: Kind, row: Row) -> Delivery:
    """Send one row through the API, or turn it into a task; every step committed.

    On a shared PostgreSQL database the row is claimed first with a session advisory lock: a teammate's
    run sending it right now holds it (we wait for that one row, then see it sent), and a run that died
    has lost it with its connection, so its `sending` row is read back as after any crash.
    """
    if dialect.of(deps.db) != dialect.POSTGRESQL:
        return _deliver(deps, kind, row)
    from mktcrm.db import locks

    locks.lock(deps.db, kind.table, str(row["id"]))
    try:
        fresh = rows.get(deps.db, kind.table, row["id"])
        if fresh is None:
            raise NotFoundError(f"{kind.table} {row['id']} is gone")
        if fresh["state"] in ("sent", "manual_done"):
            return Delivery("sent", "already sent by another run; not sent again", fresh["id"])
        if fresh["task_id"] is not None and fresh["state"] == "queued":
            return Delivery("task", "", fresh["id"], task_id=fresh["task_id"])
        return _deliver(deps, kind, fresh)
    finally:
        locks.unlock(deps.db, kind.table, str(row["id"]))


def _deliver(deps: Deps, kind: Kind, row: Row) -> Delivery:
    if not kind.via_api():
        return _as_task(deps, kind, row, None)
    try:
        connector = deps.connector_for(deps.settings.account(kind.account))
    except MktcrmError as exc:  # e.g. a missing secret: this account is skipped, the others go on
        return Delivery("failed", exc.message, row["id"], error=exc)
    try:
        return _send(deps, kind, connector, row)
    except _ReadBackFailed as failed:  # we could not look: whatever state it was in, it stays (unknown)
        return Delivery("failed", failed.error.message, row["id"], error=failed.error)
    except MktcrmError as exc:
        current = rows.get(deps.db, kind.table, row["id"])
        if current and current["state"] == "sending" and not isinstance(exc, TemporaryError):
            rows.move(deps.db, kind.table, row["id"], "failed", at=deps.stamp(), error=exc.message)
        # A temporary error leaves it in `sending`: unknown whether it arrived, the next run reads back.
        return Delivery("failed", exc.message, row["id"], error=exc)
    finally:
        connector.ctx.client.close()


def _send(deps: Deps, kind: Kind, connector: Connector, row: Row) -> Delivery:
    table, row_id = kind.table, row["id"]
    if row["state"] in ("sending", "failed"):
        # A previous run may have posted it before dying: read back before sending again.
        found = _read_back(kind, connector, row)
        if found is Remote.POSTED:
            if row["state"] == "failed":
                rows.move(deps.db, table, row_id, "sending", at=deps.stamp())
            _mark_sent(deps, kind, row, None)
            return Delivery("sent", "found already posted; not sent again", row_id)
        if found is Remote.UNKNOWN:
            error = TemporaryError("the marketplace's answer cannot tell whether it was posted", hint="retry later")
            return Delivery("failed", f"{error.message}; not sent again", row_id, error=error)
        if found is Remote.OTHER:
            return _refuse(deps, kind, row)
        if row["state"] == "sending":
            rows.move(deps.db, table, row_id, "queued", at=deps.stamp())
    rows.move(deps.db, table, row_id, "sending", at=deps.stamp())
    try:
        remote_id = kind.send(connector, row)
    except ConflictError:
        found = _read_back(kind, connector, row)
        if found is Remote.UNKNOWN:  # the marketplace holds something we cannot see: stays `sending`
            error = TemporaryError(
                "the marketplace refused it as a duplicate of something its answer did not show", hint="retry later"
            )
            return Delivery("failed", f"{error.message}; not sent again", row_id, error=error)
        if found is not Remote.POSTED:
            return _refuse(deps, kind, row)
        remote_id = None  # ours, posted by an earlier attempt
    except NotSupportedError as exc:  # this item has no API on this marketplace after all
        rows.move(deps.db, table, row_id, "queued", at=deps.stamp())
        return _as_task(deps, kind, row, exc.hint)
    _mark_sent(deps, kind, row, remote_id)
    return Delivery("sent", "", row_id)


class _ReadBackFailed(Exception):
    """Reading the marketplace back failed: nothing is known, so the row's state must not move."""

    def __init__(self, error: MktcrmError) -> None:
        super().__init__(error.message)
        self.error = error


def _read_back(kind: Kind, connector: Connector, row: Row) -> Remote:
    try:
        return kind.read_back(connector, row)
    except MktcrmError as exc:
        raise _ReadBackFailed(exc) from None


def _mark_sent(deps: Deps, kind: Kind, row: Row, remote_id: str | None) -> None:
    at = deps.stamp()
    with deps.store().transaction():
        rows.move(deps.db, kind.table, row["id"], "sent", at=at, remote_id=remote_id)
        kind.record_sent(deps.db, row, remote_id, at)


def _refuse(deps: Deps, kind: Kind, row: Row) -> Delivery:
    """The marketplace holds something else where ours would go: failed, never overwritten."""
    current = rows.get(deps.db, kind.table, row["id"])
    if current and current["state"] == "sending":
        rows.move(deps.db, kind.table, row["id"], "failed", at=deps.stamp(), error=kind.conflict)
    error = MktcrmError(f"{kind.conflict} on the marketplace")
    return Delivery("failed", error.message, row["id"], error=error)


def _as_task(deps: Deps, kind: Kind, row: Row, instructions: str | None) -> Delivery:
    """No API for it: the checked text waits in a task, with where to paste it."""
    task = kind.task(row, instructions)
    with deps.store().transaction():
        task_id = rows.create_task(
            deps.db,
            account=row["account"],
            marketplace=row["marketplace"],
            kind=kind.task_kind,
            ref_id=task.ref_id,
            title=task.title,
            body=row["body"],
            instructions=task.instructions,
            at=deps.stamp(),
            due_at=task.due_at,
            operator=row.get("operator") or deps.operator,
        )
        rows.link_task(deps.db, kind.table, row["id"], task_id)
    return Delivery("task", "", row["id"], task_id=task_id)


def done_by_hand(deps: Deps, kinds: list[type[Kind]], task_id: int) -> Row:
    """`tasks done`: the task is closed and the row it stood for counts as posted (one transaction).

    Returns the task as it was; its `state` says whether it was already done.
    """
    task = rows.get_task(deps.db, task_id)
    if task is None:
        raise NotFoundError(f"no task {task_id}", hint="see mktcrm tasks list")
    if task["state"] == "done":
        return task
    at = deps.stamp()
    with deps.store().transaction():
        rows.finish_task(deps.db, task_id, at)
        for kind in kinds:
            row = rows.row_for_task(deps.db, kind.table, task_id) if kind.task_kind == task["kind"] else None
            if row is not None and row["state"] == "queued":
                rows.move(deps.db, kind.table, row["id"], "manual_done", at=at)
                kind.record_sent(deps.db, row, None, row["updated_at"])
    return task
