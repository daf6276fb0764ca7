"""`mktcrm due`: everything with a deadline in the window, overdue first."""

from __future__ import annotations

from typing import Annotated

import typer

from mktcrm.commands._common import AccountOpt, app_ctx, check_accounts, new_app, parse_span, rows_command
from mktcrm.core import due as due_items
from mktcrm.output import Field, Output

app = new_app()
DUE_FIELDS = (
    Field("urgency", default=False),
    Field("due_at", "time"),
    Field("time_left"),
    Field("what"),
    Field("account", "id"),
    Field("id", "id"),
    Field("detail", max_width=60),
)


@app.command("due")
@rows_command(DUE_FIELDS)
def due(
    ctx: typer.Context,
    out: Output,
    within: Annotated[
        str | None, typer.Option("--within", "-w", help="Only what is due this soon: e.g. 24h, 3d (default: any).")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Add open tasks that have no deadline.")] = False,
    account: AccountOpt = None,
) -> None:
    """Everything with a deadline in the window, overdue first: disputes, open tasks, and reviews where the
    account sets a reply window (`deadlines = { review = "48h" }`). Always exit 0.

    Grouped by urgency: overdue, today (until midnight in the account's time zone), this week (within
    7 days), later; --all adds tasks with no deadline. For programs, each row's `urgency` says the group.
    For a cron job that mails the seller: the count is data, not an error.

    \b
    Examples:
      $ mktcrm due --within 24h
      $ mktcrm due --json | jq 'group_by(.urgency) | map({(.[0].urgency): length}) | add'
    """
    app_ = app_ctx(ctx)
    until = app_.now() + parse_span(within) if within else None
    rows = due_items.items(app_, check_accounts(app_, account), until, undated=all_)
    if out.machine:
        out.rows(DUE_FIELDS, rows, empty="Nothing due.")
        return
    if not rows:
        out.note("Nothing due.")
    for group in due_items.URGENCIES:
        chosen = [r for r in rows if r["urgency"] == group]
        if chosen:
            out.rows(DUE_FIELDS, chosen, title=f"{group.replace('_', ' ').capitalize()} ({len(chosen)})")
