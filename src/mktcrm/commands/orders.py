"""`mktcrm orders list`: the orders in the cache, for people and scripts."""

from __future__ import annotations

from typing import Annotated

import typer

from mktcrm.commands._common import AccountOpt, LimitOpt, SinceOpt, app_ctx, check_accounts, new_app, rows_command
from mktcrm.core import catalog
from mktcrm.output import Field, Output
from mktcrm.timeutil import parse_since

app = new_app("Orders in the cache.")
ORDER_FIELDS = (
    Field("account", "id"),
    Field("marketplace", default=False),
    Field("order_id", "id"),
    Field("state"),
    Field("status", label="raw status"),
    Field("created_at", "time"),
    Field("updated_at", "time", default=False),
    Field("total", "money"),
    Field("currency"),
    Field("lines", "int"),
    Field("buyer_key", default=False),
)


@app.command("list")
@rows_command(ORDER_FIELDS)
def orders_list(
    ctx: typer.Context,
    out: Output,
    account: AccountOpt = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status", help="Only this status: pending, paid, shipped, delivered, cancelled, refunded or returned."
        ),
    ] = None,
    since: SinceOpt = None,
    limit: LimitOpt = None,
) -> None:
    """List orders, newest first.

    `state` is mktcrm's one vocabulary, mapped by each marketplace's plug-in; `status` is the marketplace's own
    word (empty state: a status the plug-in does not map yet).

    \b
    Examples:
      $ mktcrm orders list --since 7d
      $ mktcrm orders list --status shipped --json | jq -r '.[].order_id'
    """
    app_ = app_ctx(ctx)
    rows = catalog.orders(
        app_.db,
        accounts=check_accounts(app_, account),
        status=status,
        since=parse_since(since, app_.now()) if since else None,
        limit=limit,
    )
    out.rows(ORDER_FIELDS, rows, empty="No orders: run `mktcrm sync`.")
