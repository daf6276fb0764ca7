"""`mktcrm buyers list|show`: who buys, how much and how they feel, per account (marketplaces share no identity)."""

from __future__ import annotations

from typing import Annotated

import typer

from mktcrm.commands._common import (
    AccountOpt,
    JsonOpt,
    LimitOpt,
    app_ctx,
    check_accounts,
    new_app,
    output,
    rows_command,
)
from mktcrm.core import segments
from mktcrm.output import Field, Output

app = new_app("Buyers in the cache: orders, revenue, ratings, disputes and segments.")
BUYER_FIELDS = (
    Field("account", "id"),
    Field("buyer_key", "id"),
    Field("name", max_width=20),
    Field("orders", "int"),
    Field("revenue", "money"),
    Field("currency"),
    Field("first_order_at", "time", default=False),
    Field("last_order_at", "time"),
    Field("reviews", "int", default=False),
    Field("avg_rating", "num"),
    Field("disputes", "int"),
    Field("segments"),
)
EVENT_FIELDS = (Field("at", "time"), Field("kind"), Field("ref", "id"), Field("what"), Field("amount", "money"))
SortOpt = Annotated[str, typer.Option("--sort", help="revenue, orders or last_order (newest first).")]


@app.command("list")
@rows_command(BUYER_FIELDS)
def buyers_list(
    ctx: typer.Context,
    out: Output,
    account: AccountOpt = None,
    segment: Annotated[
        str | None, typer.Option("--segment", "-s", help="Only this segment (see `mktcrm segments`).")
    ] = None,
    sort: SortOpt = "revenue",
    limit: LimitOpt = None,
) -> None:
    """List buyers with their orders, revenue, rating given, disputes and segments.

    A buyer is one marketplace account's customer: marketplaces share no identity. Names only where the
    marketplace gives one; never an e-mail or an address.

    \b
    Examples:
      $ mktcrm buyers list --segment repeat --limit 10
      $ mktcrm buyers list --account leclerc --sort last_order --json | jq '.[0]'
    """
    app_ = app_ctx(ctx)
    rows = segments.buyers(app_, check_accounts(app_, account), segment=segment, sort=sort, limit=limit)
    lists = out.format in ("json", "jsonl")  # segments stay a JSON list; text formats get "repeat, loyal"
    shown = (r if lists else {**r, "segments": ", ".join(r["segments"])} for r in rows)
    out.rows(BUYER_FIELDS, shown, empty="No buyers: run `mktcrm sync` (orders carry the buyer).")


@app.command("show")
def buyers_show(
    ctx: typer.Context,
    buyer_key: Annotated[str, typer.Argument(metavar="KEY", help="The buyer key (`mktcrm buyers list`).")],
    account: Annotated[str | None, typer.Option("--account", "-a", help="The buyer's account.")] = None,
    json_: JsonOpt = False,
) -> None:
    """Show one buyer: figures, revenue per currency, open items, segments, and a timeline of orders,
    reviews, disputes and messages.

    \b
    Examples:
      $ mktcrm buyers show "$(mktcrm buyers list -n 1 --json | jq -r '.[0].buyer_key')"
    """
    app_ = app_ctx(ctx)
    out = output(ctx, json_=json_)
    if account:
        check_accounts(app_, [account])
    buyer = segments.detail(app_, buyer_key, account)
    if json_:
        out.json(buyer)
        return
    events = buyer.pop("timeline")
    shown = {
        **buyer,
        "segments": ", ".join(buyer["segments"]),
        "revenue_by_currency": ", ".join(f"{v} {c}" for c, v in buyer["revenue_by_currency"].items()),
    }
    extra = (Field("revenue_by_currency"), Field("open_disputes", "int"), Field("unanswered_reviews", "int"))
    out.record(
        (*(f for f in BUYER_FIELDS if f.name not in ("revenue", "currency")), *extra),
        shown,
    )
    out.note("")
    out.note(f"Timeline ({len(events)} events):")
    out.rows(EVENT_FIELDS, events, empty="  nothing yet")
