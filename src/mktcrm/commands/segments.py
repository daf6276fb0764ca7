"""`mktcrm segments`: buyers per segment and account, with what each segment is worth and how it feels."""

from __future__ import annotations

import typer

from mktcrm.commands._common import AccountOpt, app_ctx, check_accounts, new_app, rows_command
from mktcrm.core import segments
from mktcrm.output import Field, Output

app = new_app()
SEGMENT_FIELDS = (
    Field("account", "id"),
    Field("segment"),
    Field("buyers", "int"),
    Field("buyers_pct", "num", label="buyers %"),
    Field("revenue_share_pct", "num", label="revenue %"),
    Field("repurchase_rate_pct", "num", label="repurchase %"),
    Field("avg_rating", "num"),
    Field("dispute_rate_pct", "num", label="disputed %"),
)


@app.command("segments")
@rows_command(SEGMENT_FIELDS)
def segments_(ctx: typer.Context, out: Output, account: AccountOpt = None) -> None:
    """Buyers per segment and account: share of buyers and revenue, repurchase rate, rating, dispute rate.

    Built-ins: new, repeat, loyal, high-value, at-risk, lost, unhappy (definitions and thresholds in
    docs/segments.md, overridable in [segments]); your own from [segments.custom.NAME]. A buyer can be in
    several. For analysis, priorities and in-platform replies only: marketplaces forbid contacting buyers
    outside them.

    \b
    Examples:
      $ mktcrm segments
      $ mktcrm segments --account leclerc --json | jq '.[] | select(.segment == "loyal")'
    """
    app_ = app_ctx(ctx)
    rows = segments.summary(app_, check_accounts(app_, account))
    out.rows(SEGMENT_FIELDS, rows, empty="No buyers: run `mktcrm sync` (orders carry the buyer).")
