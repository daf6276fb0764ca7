"""`mktcrm due`: one list of everything with a deadline — disputes, tasks, and reviews with a reply window.

Reviews have no marketplace-wide reply deadline in the research, so they appear only where the seller
set one for the account (`deadlines = { review = "48h" }`): an explicit promise, not an invented rule.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from mktcrm.core import deadlines, disputes
from mktcrm.db import disputes as dispute_store
from mktcrm.db import outbox, queries
from mktcrm.timeutil import iso, parse_time

if TYPE_CHECKING:
    from mktcrm.core.deps import Services


def items(app: Services, accounts: list[str], until: datetime) -> list[dict[str, Any]]:
    """Due before `until` (overdue included), soonest first; open tasks without a date come last."""
    limit = iso(until) or ""
    rows: list[dict[str, Any]] = []
    for d in dispute_store.listing(app.db, accounts=accounts, statuses=disputes.SELLER_TURN, due_before=limit):
        detail = f"{d['status']}: {d.get('reason') or d.get('reason_code') or ''} (order {d['order_id']})"
        rows.append(_row(d["respond_by"], f"dispute ({d['kind']})", d["account"], d["id"], detail))
    for t in outbox.tasks(app.db, ["open"], accounts):
        if t["due_at"] is None or t["due_at"] <= limit:
            rows.append(_row(t["due_at"], f"task ({t['kind']})", t["account"], str(t["id"]), t["title"]))
    for account in app.settings.accounts:
        if "review" not in account.deadlines or (accounts and account.name not in accounts):
            continue
        for r in queries.reviews(app.db, queries.Filters(accounts=[account.name], unanswered=True)):
            start = parse_time(r["created_at"])
            due = start and deadlines.respond_by(
                account.marketplace,
                "review",
                start,
                timezone=account.timezone,
                country=account.country,
                overrides=account.deadlines,
            )
            if due is not None and due <= until:
                detail = f"{r['rating']}★ review without a reply: {(r.get('body') or '')[:60]}"
                rows.append(_row(iso(due), "review", account.name, r["id"], detail))
    rows.sort(key=lambda r: (r["due_at"] is None, r["due_at"] or ""))
    now = app.now()
    for r in rows:
        when = parse_time(r["due_at"])
        r["time_left"] = deadlines.time_left(when, now) if when else "no deadline"
    return rows


def _row(due_at: str | None, what: str, account: str, ident: str, detail: str) -> dict[str, Any]:
    return {"due_at": due_at, "what": what, "account": account, "id": ident, "detail": detail}
