"""`mktcrm replies list`: the reply outbox, what was sent, queued, or failed."""

from __future__ import annotations

from typing import Annotated

import typer

from mktcrm.commands._common import AccountOpt, app_ctx, check_accounts, new_app, rows_command
from mktcrm.core.replies import outbox_rows
from mktcrm.errors import UsageError
from mktcrm.output import Field, Output

app = new_app("The reply outbox: what was sent, queued, or failed.")
REPLY_STATES = ("draft", "queued", "sending", "sent", "failed", "manual_done")
REPLY_FIELDS = (
    Field("id", "int"),
    Field("account", "id"),
    Field("marketplace", default=False),
    Field("review_id", "id"),
    Field("rating", "int"),
    Field("state"),
    Field("template"),
    Field("task_id", "int", default=False),
    Field("attempts", "int", default=False),
    Field("body", max_width=50),
    Field("error", max_width=40, default=False),
    Field("created_at", "time", default=False),
    Field("sent_at", "time"),
    Field("operator", "id"),
)


@app.command("list")
@rows_command(REPLY_FIELDS)
def replies_list(
    ctx: typer.Context,
    out: Output,
    state: Annotated[list[str] | None, typer.Option("--state", "-s", help=f"Only: {', '.join(REPLY_STATES)}.")] = None,
    account: AccountOpt = None,
) -> None:
    """List the outbox.

    \b
    Examples:
      $ mktcrm replies list --state failed
      $ mktcrm replies list --json | jq 'group_by(.state) | map({state: .[0].state, n: length})'
    """
    app_ = app_ctx(ctx)
    for s in state or []:
        if s not in REPLY_STATES:
            raise UsageError(f"unknown state {s!r}", hint=f"states: {', '.join(REPLY_STATES)}")
    rows = outbox_rows(app_.db, list(state or []), check_accounts(app_, account))
    out.rows(REPLY_FIELDS, rows, empty="The outbox is empty.")
