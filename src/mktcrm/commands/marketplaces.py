"""`mktcrm marketplaces`: every supported marketplace and what its API allows; needs no config."""

from __future__ import annotations

import typer

from mktcrm import connectors
from mktcrm.commands._common import new_app, rows_command
from mktcrm.commands._fields import MATRIX_FIELDS, matrix_row
from mktcrm.output import Output

app = new_app()
LEGEND = (
    "api: done through the marketplace's API. manual: mktcrm checks the text and makes a task to paste by hand."
    " none: no API; `disputes open` there only tracks a local dispute, and its --message is a local note,"
    " never sent to the buyer."
)


@app.command("marketplaces")
@rows_command(MATRIX_FIELDS)
def marketplaces(ctx: typer.Context, out: Output) -> None:
    """Every supported marketplace and what its API allows (api), what becomes a task (manual), or none.

    Needs no config. The account column holds the marketplace's name. Where a column says none, mktcrm
    never pretends: `disputes open` there creates a local dispute only, and its --message stays a local
    note that is not sent to the buyer; manual replies become tasks to paste by hand.

    \b
    Examples:
      $ mktcrm marketplaces
      $ mktcrm marketplaces --json | jq '.[] | select(.reply == "api") | .marketplace'
    """
    rows = [matrix_row(name, name, dict(connectors.get(name).capabilities)) for name in connectors.names()]
    out.rows(MATRIX_FIELDS, rows)
    if not out.machine:
        out.note(LEGEND)
