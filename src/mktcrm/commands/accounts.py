"""`mktcrm accounts`: what is configured, and what each account's marketplace allows."""

from __future__ import annotations

from typing import Annotated

import typer

from mktcrm.commands._common import app_ctx, new_app, rows_command
from mktcrm.commands._fields import CAPABILITY_COLUMNS, MATRIX_FIELDS, matrix_row
from mktcrm.core.setup import account_rows
from mktcrm.output import Field, Output

app = new_app()
ACCOUNT_FIELDS = (
    Field("account", "id"),
    Field("marketplace"),
    Field("base_url", max_width=48),
    Field("enabled", "bool"),
    Field("capabilities", max_width=60),
    Field("capability_matrix", default=False),
)


@app.command("accounts")
@rows_command(ACCOUNT_FIELDS, ("With --capabilities", MATRIX_FIELDS))
def accounts(
    ctx: typer.Context,
    out: Output,
    capabilities: Annotated[
        bool, typer.Option("--capabilities", "-c", help="One column per action: api, manual (a task), none.")
    ] = False,
) -> None:
    """List configured accounts with what each marketplace allows: by API, by hand (a task), or not at all.

    \b
    Examples:
      $ mktcrm accounts
      $ mktcrm accounts --capabilities
      $ mktcrm accounts --json | jq '.[].capability_matrix'
    """
    app_ = app_ctx(ctx)
    if not app_.settings.exists:
        out.note(f"No config at {app_.paths.config}: run `mktcrm init`, or try `mktcrm demo`.")
    rows = account_rows(app_.settings)
    if capabilities:
        matrix = [matrix_row(r["account"], r["marketplace"], r["capability_matrix"]) for r in rows]
        out.rows(MATRIX_FIELDS, matrix, empty="No accounts configured.")
        return
    for row in rows:
        caps = row["capability_matrix"]
        row["capabilities"] = (
            ", ".join(f"{CAPABILITY_COLUMNS[k]}={v}" for k, v in caps.items() if v != "api") or "all by api"
        )
    out.rows(ACCOUNT_FIELDS, rows, empty="No accounts configured.")
