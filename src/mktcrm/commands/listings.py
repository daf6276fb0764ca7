"""`mktcrm listings list`: the offers in the cache, for people and scripts."""

from __future__ import annotations

from typing import Annotated

import typer

from mktcrm.commands._common import AccountOpt, LimitOpt, app_ctx, check_accounts, new_app, rows_command
from mktcrm.core import catalog
from mktcrm.output import Field, Output

app = new_app("Listings (offers) in the cache.")
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


@app.command("list")
@rows_command(LISTING_FIELDS)
def listings_list(
    ctx: typer.Context,
    out: Output,
    account: AccountOpt = None,
    state: Annotated[str | None, typer.Option("--state", help="active, inactive or removed.")] = None,
    limit: LimitOpt = None,
) -> None:
    """List listings (offers).

    \b
    Examples:
      $ mktcrm listings list --account leclerc
      $ mktcrm listings list --json | jq '[.[] | select(.quantity == 0)] | length'
    """
    app_ = app_ctx(ctx)
    rows = catalog.listings(app_.db, accounts=check_accounts(app_, account), state=state, limit=limit)
    count = out.rows(LISTING_FIELDS, rows, empty="No listings: run `mktcrm sync`.")
    if not count and (warning := catalog.unknown_value(app_.db, "listings", "state", state)):
        out.warn(warning)
