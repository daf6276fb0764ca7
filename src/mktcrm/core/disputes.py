"""Disputes (DESIGN §7): one state machine, deadlines, and the seller's actions on every marketplace.

The marketplace decides what exists (synced rows); mktcrm adds deadlines, a timeline and the
seller's own moves. A move goes to the marketplace's API where one exists — validated first
(reason codes, allowed transitions), so a refused action leaves the cache unchanged — and is
recorded locally where none does, saying so.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mktcrm import connectors
from mktcrm.connectors.base import API
from mktcrm.db import disputes as store
from mktcrm.errors import MktcrmError, NotFoundError, NotSupportedError, UsageError
from mktcrm.records import Dispute
from mktcrm.sync.tables import TableRows
from mktcrm.timeutil import iso, parse_time

if TYPE_CHECKING:
    from mktcrm.config import Account, Settings
    from mktcrm.core.deps import Services

# Like git's short hashes: any unique start of an id names the dispute, from this many characters on.
MIN_PREFIX = 4
OPEN_STATES = ("open", "awaiting_seller", "awaiting_buyer", "escalated")
# Where the deadline is the seller's: while the buyer has the ball, nothing is due from the seller.
SELLER_TURN = ("open", "awaiting_seller", "escalated")
# The moves the seller may make from each state; anything else is refused before any call.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("awaiting_seller", "awaiting_buyer", "escalated", "resolved"),
    "awaiting_seller": ("awaiting_buyer", "escalated", "resolved"),
    "awaiting_buyer": ("awaiting_seller", "escalated", "resolved"),
    "escalated": ("awaiting_seller", "awaiting_buyer", "resolved"),
    "resolved": ("closed",),
    "closed": (),
}


class TransitionError(MktcrmError):
    """A move the dispute state machine forbids (e.g. resolving a closed dispute)."""


@dataclass
class Action:
    dispute_id: str
    account: str
    result: str  # remote | local | task | sent | blocked | noop (already done)
    detail: str


def find(app: Services, dispute_id: str, account: str | None = None) -> dict[str, Any]:
    if account:
        app.settings.account(account)  # a typo in --account is a usage error, not "no such dispute"
    found = store.get(app.db, dispute_id, account)
    if not found and len(dispute_id) >= MIN_PREFIX:
        candidates = store.ids_starting_with(app.db, dispute_id, account)
        if len(candidates) > 1:
            shown = ", ".join(candidates[:5]) + (", …" if len(candidates) > 5 else "")
            raise UsageError(f"{dispute_id!r} is the start of several disputes: {shown}", hint="type more of the id")
        if candidates:
            found = store.get(app.db, candidates[0], account)
    if not found:
        raise NotFoundError(f"no dispute with id {dispute_id!r}", hint="list them with: mktcrm disputes list")
    if len(found) > 1:
        names = ", ".join(d["account"] for d in found)
        raise UsageError(f"dispute id {dispute_id!r} exists in several accounts ({names})", hint="add --account")
    return found[0]


def check_move(dispute: dict[str, Any], to: str) -> None:
    allowed = TRANSITIONS.get(dispute["status"], ())
    if to not in allowed:
        raise TransitionError(
            f"dispute {dispute['id']} is {dispute['status']}: it cannot become {to}",
            hint=f"from {dispute['status']} it can become: {', '.join(allowed) or 'nothing'}",
        )


def _connector(app: Services, account: Account) -> Any:
    return app.connector_for(account)


def _validate_reason(connector: Any, purpose: str, code: str) -> str | None:
    """The label of `code`, refused before any write when the marketplace publishes its codes."""
    reasons = connector.dispute_reasons(purpose)
    if reasons and code not in reasons:
        shown = ", ".join(f"{c} ({label})" for c, label in list(reasons.items())[:12])
        raise UsageError(
            f"reason {code!r} is not one the marketplace accepts here",
            hint=f"use one of: {shown} (all of them: mktcrm disputes reasons)",
        )
    return reasons.get(code) if reasons else None


def open_notice(account: Account, message: str | None) -> str | None:
    """What `disputes open` will really do where the marketplace has no API to open one: said before it runs,
    so nobody believes a buyer was written to."""
    connector = connectors.get(account.marketplace)
    if connector.capabilities.get("open_dispute") == API:
        return None
    kept = "; the --message is kept as a local note and is NOT sent to the buyer" if message else ""
    instead = connector.instead.get("open_dispute")
    reach = f" (to reach the buyer: {instead})" if instead else ""
    return f"{account.marketplace} has no API to open a dispute: this creates a local dispute to track{kept}{reach}"


def open_dispute(app: Services, account: Account, order_id: str, reason: str, message: str | None) -> Action:
    """Start something on the marketplace where its API allows; otherwise a local dispute, said plainly."""
    order = store.order(app.db, account.name, order_id)
    if order is None:
        raise NotFoundError(f"no order {order_id!r} on {account.name}", hint="see: mktcrm orders list")
    if message:
        check_message(app.settings, account.marketplace, message)  # refused: nothing is opened, nothing is sent
    now = iso(app.now())
    connector = _connector(app, account)
    try:
        label = _validate_reason(connector, "open", reason)
        dispute = connector.open_dispute(order, reason, message)
        if dispute.reason is None:
            dispute.reason = label
        detail = f"opened on {account.marketplace} ({dispute.kind} {dispute.id})"
        result = "remote"
    except NotSupportedError as exc:
        dispute = Dispute(
            id=f"local-{uuid.uuid4().hex[:8]}",
            kind="local",
            status="awaiting_seller",
            order_id=order_id,
            reason_code=reason,
            opened_at=now,
            updated_at=now,
            next_actor="seller",
        )
        detail = f"{exc.message}: tracked locally only ({exc.hint or 'handle it in the marketplace UI'})"
        result = "local"
    finally:
        connector.ctx.client.close()
    writer = app.store()
    with writer.transaction():
        TableRows(writer, account.name, account.marketplace).write([dispute])
        store.add_event(
            app.db, account.name, dispute.id, now, "action", "seller", f"opened: {reason}", operator=app.operator
        )
        if message and result == "local":
            store.add_event(app.db, account.name, dispute.id, now, "note", "seller", message, operator=app.operator)
    return Action(dispute.id, account.name, result, detail)


def resolve(
    app: Services,
    dispute: dict[str, Any],
    reason: str,
    *,
    dry_run: bool = False,
    confirm: Callable[[str], None] = lambda what: None,
) -> Action:
    """Resolve through the marketplace where it can (validated first); locally otherwise.

    A resolution on the marketplace may refund the buyer and cannot be taken back: `confirm(what)` is called
    with a description before the call and may raise to stop it. `dry_run` validates and describes, and
    changes nothing. Resolving a dispute already resolved or closed is a no-op (result `noop`), not an error.
    """
    if dispute["status"] in ("resolved", "closed"):
        return Action(dispute["id"], dispute["account"], "noop", f"already {dispute['status']}: nothing to do")
    check_move(dispute, "resolved")
    account = app.settings.account(dispute["account"])
    now = iso(app.now())
    result, detail = "local", "resolved locally (the marketplace has no API for it)"
    connector_cls = connectors.get(dispute["marketplace"])
    if dispute["kind"] not in connector_cls.resolvable_kinds:
        hint = connector_cls.instead.get("resolve_dispute")
        if dispute["kind"] != "local":
            detail = f"{account.marketplace} has no API to resolve a {dispute['kind']}; marked resolved here only"
            detail += f" ({hint})" if hint else ""
        if dry_run:
            return Action(dispute["id"], dispute["account"], "dry-run", f"would be {detail}")
    else:
        connector = _connector(app, account)
        try:
            label = _validate_reason(connector, "resolve", reason)
            what = f"resolve {dispute['kind']} {dispute['id']} on {account.marketplace}: {label or reason}"
            if dry_run:
                return Action(dispute["id"], dispute["account"], "dry-run", f"would {what}")
            confirm(what)
            connector.resolve_dispute(dispute, reason)
            result, detail = "remote", f"resolved on {account.marketplace}"
        except NotSupportedError as exc:
            detail = f"{exc.message}; marked resolved here only" + (f" ({exc.hint})" if exc.hint else "")
        finally:
            connector.ctx.client.close()
    with app.store().transaction():
        store.set_status(app.db, dispute["account"], dispute["id"], "resolved", resolved_at=now, reason_code=reason)
        store.add_event(
            app.db,
            dispute["account"],
            dispute["id"],
            now,
            "action",
            "seller",
            f"resolved: {reason}",
            operator=app.operator,
        )
    return Action(dispute["id"], dispute["account"], result, detail)


def close(app: Services, dispute: dict[str, Any]) -> Action:
    """resolved → closed: the seller's bookkeeping, kept locally (no marketplace has a "close" for sellers).

    Closing a closed dispute is a no-op (result `noop`), not an error."""
    if dispute["status"] == "closed":
        return Action(dispute["id"], dispute["account"], "noop", "already closed: nothing to do")
    check_move(dispute, "closed")
    now = iso(app.now())
    with app.store().transaction():
        store.set_status(app.db, dispute["account"], dispute["id"], "closed", resolved_at=now, reason_code=None)
        store.add_event(
            app.db, dispute["account"], dispute["id"], now or "", "action", "seller", "closed", operator=app.operator
        )
    return Action(dispute["id"], dispute["account"], "local", "closed")


def note(app: Services, dispute: dict[str, Any], text: str) -> None:
    with app.store().transaction():
        store.add_event(
            app.db,
            dispute["account"],
            dispute["id"],
            iso(app.now()) or "",
            "note",
            "seller",
            text,
            operator=app.operator,
        )


def timeline(app: Services, dispute: dict[str, Any]) -> list[dict[str, Any]]:
    return store.events(app.db, dispute["account"], dispute["id"])


def refresh_deadlines(app: Services) -> int:
    """Set `respond_by` from the rules table where the marketplace gave none, or where it runs from activity."""
    from mktcrm.core import deadlines

    accounts = {a.name: a for a in app.settings.accounts}
    updates = []
    for d in store.open_deadlines(app.db, OPEN_STATES):
        account = accounts.get(d["account"])
        if account is None:
            continue
        rule = deadlines.rule_for(d["marketplace"], d["kind"], account.deadlines)
        # A deadline the marketplace gave stays; one that runs from the last activity moves with it.
        if d["respond_by"] is not None and (rule is None or rule.start != "updated_at"):
            continue
        start = parse_time(d.get(rule.start) if rule else None) or parse_time(d.get("opened_at"))
        if rule is None or start is None:
            continue
        try:
            due = deadlines.respond_by(
                d["marketplace"],
                d["kind"],
                start,
                timezone=account.timezone,
                country=account.country,
                overrides=account.deadlines,
            )
        except MktcrmError:  # one account's calendar problem must not stop the others' deadlines
            continue
        if due is not None:
            updates.append((iso(due), d["account"], d["id"]))
    if updates:
        with app.store().transaction():
            store.set_deadlines(app.db, updates)
    return len(updates)


def with_time_left(rows: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    from mktcrm.core import deadlines

    for row in rows:
        due = parse_time(row.get("respond_by"))
        open_ = row.get("status") in SELLER_TURN
        row["time_left"] = deadlines.time_left(due, now) if due and open_ else ""
        row["overdue"] = bool(due and open_ and due < now)
    return rows


def message_target(marketplace: str) -> str | None:
    return connectors.get(marketplace).message_target


def check_message(settings: Settings, marketplace: str, body: str) -> list[dict[str, Any]]:
    """Charter findings for a message to a buyer; raises CharterError (exit 6) on any error finding."""
    from dataclasses import asdict

    from mktcrm.core import charter
    from mktcrm.errors import CharterError

    brand = settings.brand if settings.exists else None
    target = message_target(marketplace)
    findings = [asdict(f) for f in charter.check(body, marketplace=marketplace, target=target, brand=brand)]
    errors = [f for f in findings if f["severity"] == "error"]
    if errors:
        first = errors[0]
        raise CharterError(
            f"the charter refuses this message: {first['line']}:{first['column']} {first['rule']} {first['message']}",
            hint=first["hint"],
        )
    return findings
