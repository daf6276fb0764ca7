"""`mktcrm kpi`: one row per account, and a total."""

from __future__ import annotations

from typing import Annotated

import typer

from mktcrm.commands._common import AccountOpt, app_ctx, check_accounts, new_app, rows_command
from mktcrm.commands._fields import KPI_FIELDS
from mktcrm.core import kpis
from mktcrm.output import Field, Output

app = new_app()


@app.command("kpi")
@rows_command(KPI_FIELDS)
def kpi(
    ctx: typer.Context,
    out: Output,
    period: Annotated[
        str, typer.Option("--period", "-p", help="30d, 90d, 365d, all, or 2026-01-01..2026-03-31.")
    ] = "30d",
    account: AccountOpt = None,
    explain: Annotated[bool, typer.Option("--explain", help="Print how each figure is defined, and exit.")] = False,
) -> None:
    """Print KPIs per account: orders, revenue, ratings, satisfaction, replies, disputes, repurchase.

    \b
    Examples:
      $ mktcrm kpi --period 90d
      $ mktcrm kpi --json | jq '.[] | select(.account == "total")'
    """
    if explain:
        out.rows(
            (Field("field"), Field("definition")),
            ({"field": k, "definition": v} for k, v in kpis.DEFINITIONS.items()),
        )
        return
    app_ = app_ctx(ctx)
    names = check_accounts(app_, account)
    p = kpis.parse_period(period, app_.now())
    markets = {a.name: a.marketplace for a in app_.settings.accounts}
    out.rows(KPI_FIELDS, kpis.compute(app_.db, p, names, markets), title=f"KPIs, {p.label}")
