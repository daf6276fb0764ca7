"""`mktcrm insights`: the recurring causes of bad reviews and disputes, per account, marketplace or SKU."""

from __future__ import annotations

from typing import Annotated

import typer

from mktcrm import connectors
from mktcrm.commands._common import MAX_INT, AccountOpt, PeriodOpt, app_ctx, check_accounts, new_app, rows_command
from mktcrm.core import insights as core
from mktcrm.output import Output

app = new_app()


@app.command("insights")
@rows_command(core.THEME_FIELDS, ("With --by sku", core.SKU_FIELDS))
def insights(
    ctx: typer.Context,
    out: Output,
    period: PeriodOpt = "90d",
    account: AccountOpt = None,
    by: Annotated[
        str, typer.Option("--by", help="Themes per account or marketplace, or the worst SKUs (sku).")
    ] = "account",
    min_orders: Annotated[
        int,
        typer.Option("--min-orders", min=1, max=MAX_INT, help="With --by sku: leave out SKUs with fewer orders."),
    ] = core.MIN_ORDERS,
    sort: Annotated[
        str, typer.Option("--sort", help="With --by sku: dispute_rate, negative_rate or orders, worst first.")
    ] = "dispute_rate",
) -> None:
    """Why buyers are unhappy: negative reviews (1-2 stars) and disputes grouped into themes.

    Themes: missing_item, damaged, not_as_described, delivery_delay, price, service, other (read from
    the review's words in French and English, and from each dispute's reason). An item touching two
    themes counts in both. PREV is the same count in the period before. With --by sku, each SKU with
    at least --min-orders orders in the period: the share of those orders that got a dispute or a
    negative review (empty where the marketplace's data cannot tell). See docs/insights.md.

    \b
    Examples:
      $ mktcrm insights --period 365d
      $ mktcrm insights --by marketplace --json
      $ mktcrm insights --by sku --period 365d --sort negative_rate
    """
    app_ = app_ctx(ctx)
    names = check_accounts(app_, account)
    chosen = [a for a in app_.settings.accounts if not names or a.name in names]
    rows, title, left_out = core.run(
        app_.db,
        chosen,
        lambda a: connectors.get(a.marketplace),
        period,
        app_.now(),
        by=by,
        min_orders=min_orders,
        sort=sort,
    )
    fields = core.SKU_FIELDS if by == "sku" else core.THEME_FIELDS
    if by == "marketplace":
        fields = tuple(f for f in fields if f.name != "account")
    empty = (
        "No SKU with enough orders in the period." if by == "sku" else "No negative review or dispute in the period."
    )
    out.rows(list(fields), rows, title=title, empty=empty)
    if left_out:
        out.note(f"{left_out} SKU(s) with fewer than {min_orders} orders in the period left out (--min-orders).")
