"""Review requests (issue 13): which recent orders may be asked for a review, why not, and asking once.

The eligibility sellers otherwise learn by trial, from the cache: already asked, cancelled, returned or
refunded, disputed, feedback already left, not delivered, too early, too late (the connector's window after
delivery). An order that passes is put to the marketplace's own check (Amazon's
getSolicitationActionsForOrder) and only then queued in the one outbox (`core.outbox`, table
`solicitations`, one row per order ever): a rerun, or a run after a crash mid-request, never asks twice.
Marketplaces declare whether they can (`capabilities["solicit_review"]`); nothing here names one.

`plan_solicitations` reads only the cache; `send_solicitations` talks to the marketplaces. Both are what
`mktcrm solicit` and automation rules (action `solicit`) call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from mktcrm import connectors
from mktcrm.connectors.base import API
from mktcrm.core import outbox
from mktcrm.db import outbox as rows
from mktcrm.db import solicitations as db
from mktcrm.db.rollups import NOT_SOLD, REFUNDED
from mktcrm.errors import MktcrmError
from mktcrm.timeutil import iso, parse_time

if TYPE_CHECKING:
    import sqlite3

    from mktcrm.connectors.base import Connector
    from mktcrm.core.deps import Deps, Services

DEFAULT_SINCE = timedelta(days=60)  # the window closes 30 days after delivery: older orders cannot qualify
REQUEST = "productReviewAndSellerFeedback"  # the outbox row's body: what was asked for (the text is Amazon's)
DONE = ("sent", "manual_done")


@dataclass
class Candidate:
    """One recent order and whether it may be asked for a review now (`reason` says why, or until when)."""

    account: str
    marketplace: str
    order_id: str
    ordered_at: str | None
    delivered_at: str | None
    eligible: bool
    reason: str
    order: dict[str, Any] = field(repr=False)

    def row(self, state: str, detail: str = "", exit_code: int = 0) -> Outcome:
        return Outcome(
            self.account, self.order_id, self.ordered_at, self.delivered_at, state, detail or self.reason, exit_code
        )


@dataclass
class Outcome:
    """What became of one order: eligible | not eligible (dry run), sent | skipped | failed (real run)."""

    account: str
    order_id: str
    ordered_at: str | None
    delivered_at: str | None
    state: str
    detail: str
    exit_code: int = 0


@dataclass
class Plan:
    candidates: list[Candidate]
    unsupported: dict[str, str]  # account -> why it has no review requests, and what to do instead

    @property
    def eligible(self) -> list[Candidate]:
        return [c for c in self.candidates if c.eligible]


def soliciting_accounts(services: Services, names: list[str]) -> tuple[list[str], dict[str, str]]:
    """The accounts (all, or those named) whose marketplace can request reviews, and why the others cannot.

    An account named explicitly whose marketplace cannot is refused (NotSupportedError, with what to do).
    """
    chosen = [services.settings.account(n) for n in names] if names else list(services.settings.accounts)
    able, unable = [], {}
    for account in chosen:
        connector = connectors.get(account.marketplace)
        if connector.capabilities.get("solicit_review") == API:
            able.append(account.name)
        elif names:
            connector.require("solicit_review")
        else:
            unable[account.name] = connector.instead.get("solicit_review", "no review-request API")
    return able, unable


def plan_solicitations(services: Services, *, accounts: list[str] | None = None, since: datetime | None = None) -> Plan:
    """Every order created since `since` (default: 60 days ago) on accounts that can ask, with its verdict."""
    names, unsupported = soliciting_accounts(services, accounts or [])
    now = services.now()
    start = iso(since or now - DEFAULT_SINCE) or ""
    candidates = [_judge(order, now) for order in db.recent_orders(services.db, names, start)]
    return Plan(candidates, unsupported)


def _judge(order: dict[str, Any], now: datetime) -> Candidate:
    connector = connectors.get(order["marketplace"])
    delivered = connector.delivered_at(order)
    eligible, reason = _verdict(order, connector, delivered, now)
    return Candidate(
        order["account"], order["marketplace"], order["id"], order["created_at"], delivered, eligible, reason, order
    )


def _verdict(
    order: dict[str, Any], connector: type[Connector], delivered: str | None, now: datetime
) -> tuple[bool, str]:
    """(may ask now, why or why not), the first reason that applies."""
    state = order["request_state"]
    if state in DONE:
        return False, f"already asked on {str(order['request_at'])[:10]}"
    if state == "failed":
        return False, f"refused earlier, not asked again: {order['request_error']}"
    if state in ("queued", "sending"):
        return True, "an earlier request did not finish: it is checked on the marketplace, never sent twice"
    status = str(order["status"] or "").lower()
    if status in NOT_SOLD:
        return False, "cancelled"
    if status in REFUNDED or order["returned"]:
        return False, "returned or refunded"
    if order["disputed"]:
        return False, "disputed"
    if order["feedback_rating"] is not None:
        return False, f"the buyer already left feedback ({order['feedback_rating']}★)"
    when = parse_time(delivered) if delivered else None
    if when is None and order.get("raw") == "{}":  # blanked by `[cache] keep_raw` or a purge
        return False, "the marketplace's record of this order is no longer kept ([cache] keep_raw): delivery unknown"
    if when is None:
        return False, f"not delivered yet ({order['status'] or 'no status'})"
    first, last = connector.solicit_window or (0, 0)
    opens, closes = when + timedelta(days=first), when + timedelta(days=last)
    if now < opens:
        return False, f"too early: from {opens:%Y-%m-%d}, {first} days after delivery"
    if now > closes:
        return False, f"too late: the window closed on {closes:%Y-%m-%d}, {last} days after delivery"
    return True, f"eligible until {closes:%Y-%m-%d}"


@dataclass
class Solicitation:
    """The outbox kind for a review request on one order (the marketplace writes the text)."""

    table: ClassVar[str] = "solicitations"
    task_kind: ClassVar[str] = "solicit_review"
    conflict: ClassVar[str] = "the order already has a review request"
    order: dict[str, Any]

    @property
    def account(self) -> str:
        return str(self.order["account"])

    def via_api(self) -> bool:
        return connectors.get(self.order["marketplace"]).capabilities.get("solicit_review") == API

    def send(self, connector: Connector, row: dict[str, Any]) -> str | None:
        connector.solicit_review(self.order)
        return None

    def read_back(self, connector: Connector, row: dict[str, Any]) -> outbox.Remote:
        """Still offered: ours never arrived, safe to ask. No longer offered after we asked: ours did."""
        return outbox.Remote.ABSENT if connector.solicitation_offered(self.order) else outbox.Remote.POSTED

    def task(self, row: dict[str, Any], instructions: str | None) -> outbox.Task:
        where = instructions or connectors.get(row["marketplace"]).instead.get("solicit_review", "")
        return outbox.Task(row["order_id"], f"Request a review for order {row['order_id']} on {row['account']}", where)

    @staticmethod
    def record_sent(db: sqlite3.Connection, row: dict[str, Any], remote_id: str | None, at: str) -> None:
        """Nothing more: the request is the whole record."""


def send_solicitations(deps: Deps, plan: Plan) -> list[Outcome]:
    """Ask every eligible order once, after the marketplace's own check; the others are reported as skipped."""
    outcomes: list[Outcome] = []
    checkers: dict[str, Connector] = {}  # one connector (one sign-in) per account for the eligibility checks
    try:
        with outbox.outbox_lock(deps):
            for candidate in plan.candidates:
                outcomes.append(
                    _send_one(deps, candidate, checkers) if candidate.eligible else candidate.row("skipped")
                )
    finally:
        for connector in checkers.values():
            connector.ctx.client.close()
    return outcomes


def _send_one(deps: Deps, candidate: Candidate, checkers: dict[str, Connector]) -> Outcome:
    order = candidate.order
    found = rows.rows_for(deps.db, Solicitation.table, candidate.account, candidate.order_id)
    row = found[0] if found else None
    if row is not None and row["state"] in (*DONE, "failed"):  # another run got there first
        return candidate.row("skipped", f"already asked ({row['state']})")
    if row is None:
        try:
            if candidate.account not in checkers:
                checkers[candidate.account] = deps.connector_for(deps.settings.account(candidate.account))
            offered = checkers[candidate.account].solicitation_offered(order)
        except MktcrmError as exc:
            return candidate.row("failed", exc.message, int(exc.exit_code))
        if not offered:
            return candidate.row("skipped", "the marketplace does not offer a review request for it now")
        rows.enqueue(
            deps.db,
            Solicitation.table,
            account=candidate.account,
            ref=candidate.order_id,
            marketplace=candidate.marketplace,
            body=REQUEST,
            template=None,
            findings=[],
            at=deps.stamp(),
        )
        row = rows.rows_for(deps.db, Solicitation.table, candidate.account, candidate.order_id)[0]
    done = outbox.deliver(deps, Solicitation(order), row)
    return candidate.row(done.state, done.detail or "review requested", done.exit_code)


# Reasons that pass with time: an automation rule tries such an order again on a later run.
NOT_YET = ("too early", "not delivered yet")


def judge(services: Services, order: dict[str, Any]) -> Candidate | None:
    """One cached order's verdict (for an automation rule's `solicit` action); None when its marketplace cannot
    request reviews or the order is not in the cache."""
    if connectors.get(order["marketplace"]).capabilities.get("solicit_review") != API:
        return None
    found = db.recent_orders(services.db, [order["account"]], str(order["created_at"]))
    row = next((o for o in found if o["id"] == order["id"]), None)
    return _judge(row, services.now()) if row is not None else None


def automate(deps: Deps, candidate: Candidate) -> Outcome:
    """Send one eligible order's request; the caller (`automate run`) already holds the outbox lock."""
    checkers: dict[str, Connector] = {}
    try:
        return _send_one(deps, candidate, checkers)
    finally:
        for connector in checkers.values():
            connector.ctx.client.close()


def exit_code(outcomes: list[Outcome]) -> int:
    """The first failure's exit code (docs/exit-codes.md), else 0."""
    return next((o.exit_code for o in outcomes if o.exit_code), 0)
