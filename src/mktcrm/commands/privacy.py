"""`mktcrm privacy purge`: forget buyers' names and texts once they are no longer needed."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from mktcrm.commands._common import app_ctx, new_app, rows_command
from mktcrm.core import maintenance
from mktcrm.errors import UsageError
from mktcrm.output import Field, Output, is_tty
from mktcrm.timeutil import parse_since

PURGE_FIELDS = (Field("table", "id"), Field("rows", "int"))
app = new_app("Personal data kept in the cache.")


@app.command("purge")
@rows_command(PURGE_FIELDS)
def privacy_purge(
    ctx: typer.Context,
    out: Output,
    before: Annotated[str, typer.Option("--before", help="Purge what is older than this: 2025-01-01 or 730d.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count what would be purged; change nothing.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask (needed when not on a terminal).")] = False,
) -> None:
    """Remove buyers' names, review and message texts, and raw API payloads of orders older than --before.

    Prints the rows changed per table. Counts, ratings, amounts, dates and statuses
    stay, so every KPI keeps its value. Cannot be undone (back up first: `mktcrm db backup FILE`); a later
    `sync --full` may fetch old records again.

    \b
    Examples:
      $ mktcrm privacy purge --before 730d --dry-run
      $ mktcrm privacy purge --before 2024-01-01 --yes
    """
    app_ = app_ctx(ctx)
    cutoff = parse_since(before, app_.now())
    if not dry_run and not yes:
        if not (is_tty(sys.stdin) and is_tty(sys.stderr)):
            raise UsageError("purging cannot be undone: confirm with --yes", hint="or look first with --dry-run")
        typer.confirm(f"Remove names and texts older than {cutoff:%Y-%m-%d} for good?", abort=True, err=True)
    counts = maintenance.purge(app_.db, cutoff, dry_run=dry_run)
    out.rows(PURGE_FIELDS, ({"table": table, "rows": n} for table, n in counts.items()))
    verb = "Would purge" if dry_run else "Purged"
    out.note(f"{verb} {sum(counts.values())} rows older than {cutoff:%Y-%m-%d}")
