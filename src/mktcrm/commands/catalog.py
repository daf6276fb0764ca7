"""`listings list`, `orders list`: what the cache holds, for people and scripts."""

from __future__ import annotations

from typing import Annotated

import typer

from mktcrm.commands._common import (
    AccountOpt,
    FieldsOpt,
    FormatOpt,
    JsonOpt,
    LimitOpt,
    SinceOpt,
    app_ctx,
    check_accounts,
    output,
)
from mktcrm.db import queries
from mktcrm.output import Field
from mktcrm.timeutil import iso, parse_since

listings_app = typer.Typer(help="Listings (offers) in the cache.", no_args_is_help=True)
orders_app = typer.Typer(help="Orders in the cache.", no_args_is_help=True)
StatusOpt = Annotated[str | None, typer.Option("--status", help="Only this status, as the marketplace names it.")]

LISTING_FIELDS = (
    Field("account", "id"),
    Field("marketplace", default=False),
    Field("id", "id"),
    Field("sku", "id"),
    Field("title", max_width=50),
    Field("price", "money"),
    Field("currency"),
    Field("quantity", "int"),
    Field("state"),
    Field("url", default=False),
)
ORDER_FIELDS = (
    Field("account", "id"),
    Field("marketplace", default=False),
    Field("order_id", "id"),
    Field("status"),
    Field("created_at", "time"),
    Field("updated_at", "time", default=False),
    Field("total", "money"),
    Field("currency"),
    Field("lines", "int"),
    Field("buyer_key", default=False),
)


def _filters(ctx: typer.Context, account: list[str] | None, since: str | None, limit: int | None) -> queries.Filters:
    app = app_ctx(ctx)
    return queries.Filters(
        accounts=check_accounts(app, account),
        since=iso(parse_since(since, app.now())) if since else None,
        limit=limit,
    )


@listings_app.command("list")
def listings_list(
    ctx: typer.Context,
    account: AccountOpt = None,
    state: Annotated[str | None, typer.Option("--state", help="active, inactive or removed.")] = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = "auto",
    json_: JsonOpt = False,
    fields: FieldsOpt = None,
) -> None:
    """List listings (offers).

    Fields: account, marketplace, id, sku, title, price, currency, quantity, state, url.

    \b
    Examples:
      $ mktcrm listings list --account leclerc
      $ mktcrm listings list --json | jq '[.[] | select(.quantity == 0)] | length'
    """
    out = output(ctx, fmt, json_, fields)
    f = _filters(ctx, account, None, limit)
    f.status = state
    count = out.rows(LISTING_FIELDS, queries.listings(app_ctx(ctx).db, f), empty="No listings: run `mktcrm sync`.")
    _hint_unknown(ctx, count, state, "listings", "state")


@orders_app.command("list")
def orders_list(
    ctx: typer.Context,
    account: AccountOpt = None,
    status: StatusOpt = None,
    since: SinceOpt = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = "auto",
    json_: JsonOpt = False,
    fields: FieldsOpt = None,
) -> None:
    """List orders, newest first.

    Fields: account, marketplace, order_id, status, created_at, updated_at, total, currency, lines, buyer_key.

    \b
    Examples:
      $ mktcrm orders list --since 7d
      $ mktcrm orders list --status SHIPPED --json | jq -r '.[].order_id'
    """
    out = output(ctx, fmt, json_, fields)
    f = _filters(ctx, account, since, limit)
    f.status = status
    count = out.rows(ORDER_FIELDS, queries.orders(app_ctx(ctx).db, f), empty="No orders: run `mktcrm sync`.")
    _hint_unknown(ctx, count, status, "orders", "status")


def _hint_unknown(ctx: typer.Context, count: int, value: str | None, table: str, column: str) -> None:
    """No rows for a value nothing in the cache has: say so (a typo must not look like "none today")."""
    if count or not value:
        return
    known = queries.known_values(app_ctx(ctx).db, table, column)
    if known and value not in known:
        output(ctx).warn(f"no {table} have {column} {value!r}; values in the cache: {', '.join(known)}")


def register(app: typer.Typer) -> None:
    app.add_typer(listings_app, name="listings")
    app.add_typer(orders_app, name="orders")
