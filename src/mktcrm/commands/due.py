"""`mktcrm due`: everything with a deadline in the window, overdue first."""

from __future__ import annotations

from typing import Annotated

import typer

from mktcrm.commands._common import AccountOpt, app_ctx, check_accounts, new_app, parse_span, rows_command
from mktcrm.core import due as due_items
from mktcrm.output import Field, Output

app = new_app()
DUE_FIELDS = (
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
    within: Annotated[str, typer.Option("--within", "-w", help="How far ahead: e.g. 24h, 3d.")] = "24h",
    account: AccountOpt = None,
) -> None:
    """Everything with a deadline in the window, overdue first: disputes, open tasks, and reviews where the
    account sets a reply window (`deadlines = { review = "48h" }`). Always exit 0.

    For a cron job that mails the seller: the count is data, not an error.

    \b
    Examples:
      $ mktcrm due --within 24h
      $ mktcrm due --json | jq length
    """
    app_ = app_ctx(ctx)
    rows = due_items.items(app_, check_accounts(app_, account), app_.now() + parse_span(within))
    out.rows(DUE_FIELDS, rows, empty="Nothing due.")
