"""What `disputes list|show|open` and the demo read about disputes: which ones, with time left and the rule behind it.

Kept apart from `core/disputes.py` (the state machine and the seller's moves): these only read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mktcrm.core import deadlines
from mktcrm.core.disputes import OPEN_STATES, SELLER_TURN, find, timeline, with_time_left
from mktcrm.db import disputes as store
from mktcrm.errors import NotFoundError, UsageError
from mktcrm.timeutil import iso

if TYPE_CHECKING:
    from mktcrm.config import Account
    from mktcrm.core.deps import Services


def listing(
    app: Services,
    *,
    accounts: Sequence[str] = (),
    statuses: Sequence[str] = (),
    kinds: Sequence[str] = (),
    due_before: datetime | None = None,
    include_closed: bool = False,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The next deadline first. Open ones unless statuses or `include_closed` say otherwise; with
    `due_before`, only those where the seller has the ball (a buyer's turn is due from nobody here)."""
    chosen = list(statuses or ([] if include_closed else OPEN_STATES))
    if due_before is not None:
        chosen = [s for s in chosen if s in SELLER_TURN] or list(SELLER_TURN)
    rows = store.listing(
        app.db,
        accounts=accounts,
        statuses=chosen,
        kinds=kinds,
        due_before=iso(due_before) if due_before else None,
        limit=limit,
    )
    return with_time_left(rows, app.now())


def detail(app: Services, dispute_id: str, account: str | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One dispute with its time left and the deadline rule that applies, and its timeline."""
    d = with_time_left([find(app, dispute_id, account)], app.now())[0]
    events = timeline(app, d)
    acc = app.settings.account(d["account"]) if d["account"] in {a.name for a in app.settings.accounts} else None
    rule = deadlines.rule_for(d["marketplace"], d["kind"], acc.deadlines if acc else None)
    d["deadline_rule"] = deadlines.describe(rule) if rule else None
    d.pop("raw", None)
    return d, events


def account_for_order(app: Services, order_id: str, account: str | None) -> Account:
    """The account of an order id: `account` when given, else the one account that has it."""
    if account:
        return app.settings.account(account)
    owners = store.order_accounts(app.db, order_id)
    if not owners:
        raise NotFoundError(f"no order {order_id!r} in the cache", hint="see: mktcrm orders list")
    if len(owners) > 1:
        raise UsageError(f"order {order_id!r} exists in several accounts", hint="add --account")
    return app.settings.account(owners[0])
