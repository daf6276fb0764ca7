"""`mktcrm kpi`: the KPI table per account (or marketplace, month, week), a total, and the period before."""

from __future__ import annotations

from typing import Annotated

import typer

from mktcrm import connectors
from mktcrm.commands._common import AccountOpt, PeriodOpt, app_ctx, check_accounts, new_app, rows_command
from mktcrm.core import kpi_view
from mktcrm.output import Output

app = new_app()


@app.command("kpi")
@rows_command(kpi_view.fields("account", compare=False))
def kpi(
    ctx: typer.Context,
    out: Output,
    period: PeriodOpt = "30d",
    account: AccountOpt = None,
    by: Annotated[str, typer.Option("--by", help="Rows per account, marketplace, month or week.")] = "account",
    compare: Annotated[
        bool, typer.Option("--compare", help="Show the previous period of the same length and the change.")
    ] = False,
    chart: Annotated[
        str | None, typer.Option("--chart", metavar="FIELD", help="Draw FIELD per month (or --by week).")
    ] = None,
    limits: Annotated[
        bool, typer.Option("--limits", help="One row per marketplace limit: value, status, distance, source.")
    ] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="How each figure is defined, why cells are empty, distance to limits.")
    ] = False,
) -> None:
    """Print KPIs per account: satisfaction, resolution delay, repurchase, sales, reviews, tickets, disputes.

    The seeds' four columns come first. Rates are in % (`*_pct`), durations in hours (`*_h`), money per
    currency; a figure the data cannot give is empty, never 0 (see --explain). STATUS is the worst of the
    marketplace's published limits (--limits lists them). With --compare each figure also has
    `<field>_change`, and the JSON `previous` and `change` objects.

    \b
    Examples:
      $ mktcrm kpi --period last-month --compare
      $ mktcrm kpi --period 365d --by month --chart orders
      $ mktcrm kpi --json | jq '.[] | select(.account == "total")'
    """
    app_ = app_ctx(ctx)
    names = check_accounts(app_, account)
    chosen = [a for a in app_.settings.accounts if not names or a.name in names]
    if chart and by not in ("month", "week"):
        by = "month"
    rows, checks, title = kpi_view.run(
        app_.db, chosen, lambda a: connectors.get(a.marketplace), period, app_.now(), by=by, compare=compare
    )
    if chart:
        for line in kpi_view.chart(rows, chart, by, out.tty and not out.machine):
            out.stdout.write(line + "\n")
    elif explain:
        out.rows(kpi_view.EXPLAIN_FIELDS, kpi_view.explain(rows, checks), title=title)
    elif limits:
        out.rows(kpi_view.LIMIT_FIELDS, checks, title=f"Marketplace limits, {title.removeprefix('KPIs, ')}")
    else:
        out.rows(kpi_view.fields(by, compare), rows, title=title)
