"""`mktcrm solicit`: ask buyers of recent orders for a review, once, where the marketplace has an API for it."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from typing import Annotated

import typer

from mktcrm.commands._common import AccountOpt, SinceOpt, app_ctx, new_app, rows_command
from mktcrm.core import solicit as core
from mktcrm.output import Field, Output
from mktcrm.timeutil import parse_since

app = new_app()

FIELDS = (
    Field("account", "id"),
    Field("order_id", "id"),
    Field("ordered_at", "time", label="ordered"),
    Field("delivered_at", "time", label="delivered"),
    Field("state"),
    Field("detail", max_width=70),
)


@app.command("solicit")
@rows_command(FIELDS)
def solicit(
    ctx: typer.Context,
    out: Output,
    account: AccountOpt = None,
    since: SinceOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show each order's verdict; ask nothing.")] = False,
) -> None:
    """Ask the buyers of recent orders for a review (Amazon's Solicitations API), once per order.

    Each order created since --since (default 60d) gets a verdict from the cache: eligible until a date, or
    why not (already asked, cancelled, returned or refunded, disputed, feedback already left, not delivered,
    too early, too late: Amazon allows a request 5 to 30 days after delivery). Eligible orders are put to
    the marketplace's own check, then asked through the outbox: a rerun, or a run after a crash, never asks
    twice. Sync orders first (delivery and status come from the cache). Marketplaces without a review-request
    API are named on stderr (or refused, exit 1, when named with --account). States: eligible, not eligible
    (dry run); sent, skipped, failed.

    \b
    Examples:
      $ mktcrm solicit --dry-run
      $ mktcrm solicit --account amazon-fr --since 30d --dry-run --json
      $ mktcrm solicit
    """
    app_ = app_ctx(ctx)
    start = parse_since(since, app_.now()) if since else None
    plan = core.plan_solicitations(app_, accounts=account or [], since=start)
    for name, why in plan.unsupported.items():
        out.note(f"{name}: {why}")
    if not plan.candidates:
        out.note("No recent orders on accounts that can request reviews: run `mktcrm sync` (or widen --since).")
    if dry_run:
        outcomes = [c.row("eligible" if c.eligible else "not eligible") for c in plan.candidates]
        out.note(f"Dry run: {len(plan.eligible)} of {len(plan.candidates)} orders eligible; nothing asked.")
    else:
        outcomes = core.send_solicitations(app_.deps(), plan)
        states = Counter(o.state for o in outcomes)
        out.note("Done: " + (", ".join(f"{n} {s}" for s, n in sorted(states.items())) or "no recent orders"))
    out.rows(FIELDS, [asdict(o) for o in outcomes])
    if code := core.exit_code(outcomes):
        raise typer.Exit(code)
