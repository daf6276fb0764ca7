"""`mktcrm due`: one list of everything with a deadline — disputes, tasks, and reviews with a reply window.

Each row says how urgent it is: `overdue`, `today` (before midnight in the account's time zone),
`this_week` (within 7 days), `later`, or `no_deadline` (open tasks without a date, only when asked for:
a bulk thanks run leaves dozens of them, and they would bury what really has a deadline).

Reviews have no marketplace-wide reply deadline in the research, so they appear only where the seller
set one for the account (`deadlines = { review = "48h" }`): an explicit promise, not an invented rule.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from mktcrm.core import deadlines, disputes
from mktcrm.db import disputes as dispute_store
from mktcrm.db import outbox, queries
from mktcrm.timeutil import iso, parse_time

if TYPE_CHECKING:
    from mktcrm.core.deps import Services


URGENCIES = ("overdue", "today", "this_week", "later", "no_deadline")


def items(
    app: Services, accounts: list[str], until: datetime | None = None, *, undated: bool = False
) -> list[dict[str, Any]]:
    """Due before `until` (None: whenever; overdue included), soonest first; with `undated`, open tasks
    without a date come last."""
    limit = iso(until) if until else "9999"
    rows: list[dict[str, Any]] = []
    for d in dispute_store.listing(app.db, accounts=accounts, statuses=disputes.SELLER_TURN, due_before=limit):
        detail = f"{d['status']}: {d.get('reason') or d.get('reason_code') or ''} (order {d['order_id']})"
        rows.append(_row(d["respond_by"], f"dispute ({d['kind']})", d["account"], d["id"], detail))
    for t in outbox.tasks(app.db, ["open"], accounts):
        if (t["due_at"] is None and undated) or (t["due_at"] is not None and t["due_at"] <= limit):
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
            if due is not None and (until is None or due <= until):
                detail = f"{r['rating']}★ review without a reply: {(r.get('body') or '')[:60]}"
                rows.append(_row(iso(due), "review", account.name, r["id"], detail))
    rows.sort(key=lambda r: (r["due_at"] is None, r["due_at"] or ""))
    now = app.now()
    zones = {a.name: a.timezone for a in app.settings.accounts}
    for r in rows:
        when = parse_time(r["due_at"])
        r["time_left"] = deadlines.time_left(when, now) if when else "no deadline"
        r["urgency"] = urgency(when, now, zones.get(r["account"], "UTC"))
    return rows


def urgency(when: datetime | None, now: datetime, zone: str) -> str:
    """Which of URGENCIES a deadline falls in, `today` ending at midnight where the account sells."""
    if when is None:
        return "no_deadline"
    if when <= now:
        return "overdue"
    local = now.astimezone(ZoneInfo(zone))
    midnight = datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=local.tzinfo)
    if when < midnight:
        return "today"
    return "this_week" if when <= now + timedelta(days=7) else "later"


def _row(due_at: str | None, what: str, account: str, ident: str, detail: str) -> dict[str, Any]:
    return {"due_at": due_at, "what": what, "account": account, "id": ident, "detail": detail}
