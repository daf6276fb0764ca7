"""`mktcrm today`: the morning screen — what is late or due today, unhappy buyers waiting, tasks to paste,
KPI limits crossed since yesterday, and what the last sync did.

Every section reads the cache only (no network), so it stays quick enough to run at every login. A KPI
"crossed a threshold" when an account's status against a marketplace limit (ok, warn, breach) over the
period ending now differs from the same-length period ending 24 hours earlier.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from mktcrm.core import disputes, due, kpi_view
from mktcrm.db import disputes as dispute_store
from mktcrm.db import outbox, queries
from mktcrm.timeutil import iso

if TYPE_CHECKING:
    from mktcrm.config import Account
    from mktcrm.connectors.base import Connector
    from mktcrm.core.deps import Services

UNHAPPY = 2  # reviews rated at or below this, unanswered, are buyers waiting for a word from the seller


def report(app: Services, accounts: list[str], period: str = "30d") -> dict[str, Any]:
    """Every section, as plain data (the command renders it; `--json` prints it as it is)."""
    now = app.now()
    chosen = [a for a in app.settings.accounts if not accounts or a.name in accounts]
    urgent = [r for r in due.items(app, accounts, now + timedelta(days=1)) if r["urgency"] in ("overdue", "today")]
    reviews = list(queries.reviews(app.db, queries.Filters(accounts=accounts, rating_max=UNHAPPY, unanswered=True)))
    waiting = dispute_store.listing(app.db, accounts=accounts, statuses=disputes.SELLER_TURN)
    open_tasks = outbox.tasks(app.db, ["open"], accounts)
    return {
        "generated_at": iso(now),
        "overdue": [r for r in urgent if r["urgency"] == "overdue"],
        "due_today": [r for r in urgent if r["urgency"] == "today"],
        "unhappy_reviews": [_review(r) for r in reviews],
        "disputes_awaiting_seller": [_dispute(d) for d in waiting],
        "tasks": {
            "open": len(open_tasks),
            "by_kind": dict(Counter(t["kind"] for t in open_tasks)),
            "next_id": open_tasks[0]["id"] if open_tasks else None,
        },
        "kpi_changes": kpi_changes(app, chosen, period),
        "last_sync": _last_sync(app),
    }


def kpi_changes(app: Services, accounts: list[Account], period: str) -> list[dict[str, Any]]:
    """Each limit whose status differs between the period ending now and the one ending a day earlier."""
    from mktcrm import connectors

    if not accounts:
        return []

    def connector_of(account: Account) -> type[Connector]:
        return connectors.get(account.marketplace)

    now = app.now()
    _rows, today, _title = kpi_view.run(app.db, accounts, connector_of, period, now)
    _rows, before, _title = kpi_view.run(app.db, accounts, connector_of, period, now - timedelta(days=1))
    yesterday = {(c["account"], c["field"]): c for c in before}
    changes = []
    for c in today:
        prior = yesterday.get((c["account"], c["field"]))
        if prior is None or prior["status"] == c["status"]:
            continue
        changes.append(
            {
                "account": c["account"],
                "field": c["field"],
                "name": c["name"],
                "was": prior["status"],
                "now": c["status"],
                "value_yesterday": prior["value"],
                "value": c["value"],
                "limit": c["limit"],
                "distance": c["distance"],
            }
        )
    return changes


def _review(r: dict[str, Any]) -> dict[str, Any]:
    keep = ("account", "marketplace", "id", "order_id", "rating", "title", "body", "created_at")
    return {k: r.get(k) for k in keep}


def _dispute(d: dict[str, Any]) -> dict[str, Any]:
    keep = ("account", "marketplace", "id", "kind", "order_id", "status", "reason", "respond_by")
    return {k: d.get(k) for k in keep}


def _last_sync(app: Services) -> dict[str, Any] | None:
    """The last run: when, how it ended, and per account its status and records read per stream."""
    run = queries.last_sync_run(app.db)
    if run is None:
        return None
    per_account = []
    for a in (run["report"] or {}).get("accounts", []):
        streams = a.get("streams") or []
        per_account.append(
            {
                "account": a.get("account"),
                "status": a.get("status"),
                "records": sum(int(s.get("records") or 0) for s in streams),
                "failed_streams": [s["stream"] for s in streams if s.get("status") not in ("ok", None)],
            }
        )
    return {
        "started_at": run["started_at"],
        "finished_at": run["finished_at"],
        "status": run["status"],
        "error": run["error"],
        "accounts": per_account,
    }
