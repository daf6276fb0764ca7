"""`mktcrm kpi`: one row per account, and a total."""

from __future__ import annotations

from typing import Annotated

import typer

from mktcrm.commands._common import AccountOpt, FieldsOpt, FormatOpt, JsonOpt, app_ctx, check_accounts, output
from mktcrm.core import kpis
from mktcrm.output import Field

KPI_FIELDS = (
    Field("account", "id"),
    Field("marketplace", label="market"),
    Field("orders", "int"),
    Field("revenue", "money"),
    Field("currency", label="cur"),
    Field("aov", "money"),
    Field("reviews", "int"),
    Field("avg_rating", "num", label="rating"),
    Field("satisfaction_pct", "num", label="satisf%"),
    Field("reply_rate_pct", "num", label="reply%"),
    Field("median_reply_h", "num", default=False, label="reply_h"),
    Field("disputes", "int"),
    Field("dispute_rate_pct", "num", label="dispute%"),
    Field("median_resolution_h", "num", default=False, label="resol_h"),
    Field("repurchase_rate_pct", "num", label="repurch%"),
)


def kpi(
    ctx: typer.Context,
    period: Annotated[
        str, typer.Option("--period", "-p", help="30d, 90d, 365d, all, or 2026-01-01..2026-03-31.")
    ] = "30d",
    account: AccountOpt = None,
    explain: Annotated[bool, typer.Option("--explain", help="Print how each figure is defined, and exit.")] = False,
    fmt: FormatOpt = "auto",
    json_: JsonOpt = False,
    fields: FieldsOpt = None,
) -> None:
    """Print KPIs per account: orders, revenue, ratings, satisfaction, replies, disputes, repurchase.

    Fields: account, marketplace, orders, revenue, currency, aov, reviews, avg_rating, satisfaction_pct,
    reply_rate_pct, median_reply_h, disputes, dispute_rate_pct, median_resolution_h, repurchase_rate_pct.

    \b
    Examples:
      $ mktcrm kpi --period 90d
      $ mktcrm kpi --json | jq '.[] | select(.account == "total")'
    """
    out = output(ctx, fmt, json_, fields)
    if explain:
        out.rows(
            (Field("field"), Field("definition")),
            ({"field": k, "definition": v} for k, v in kpis.DEFINITIONS.items()),
        )
        return
    app = app_ctx(ctx)
    names = check_accounts(app, account)
    p = kpis.parse_period(period, app.now())
    markets = {a.name: a.marketplace for a in app.settings.accounts}
    rows = kpis.compute(app.db, p, names, markets)
    out.rows(KPI_FIELDS, rows, title=f"KPIs, {p.label}")


def register(app: typer.Typer) -> None:
    app.command()(kpi)
