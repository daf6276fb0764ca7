"""`mktcrm demo`: five sandbox marketplace accounts → sync → what needs attention → KPIs, in a throwaway home."""

from __future__ import annotations

import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from mktcrm import connectors
from mktcrm.commands._common import app_ctx, new_app
from mktcrm.commands._fields import DISPUTE_FIELDS, REVIEW_FIELDS
from mktcrm.context import AppContext
from mktcrm.core import demo as script
from mktcrm.core import dispute_views, kpi_view, reviews
from mktcrm.core.disputes import refresh_deadlines
from mktcrm.output import Output, is_tty
from mktcrm.sync import engine

app = new_app()
WORST_FIELDS = [f for f in REVIEW_FIELDS if f.name in ("account", "id", "rating", "buyer_name", "body", "created_at")]


@app.command("demo")
def demo(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option("--home", help="Folder for the demo (default: MKTCRM_HOME if set, else a new temporary folder)."),
    ] = None,
    orders: Annotated[int, typer.Option("--orders", min=1, max=20000, help="Orders per operator.")] = 300,
    seed: Annotated[int, typer.Option("--seed", min=0, max=2**31 - 1, help="Data seed: same seed, same data.")] = 7,
) -> None:
    """Try mktcrm with no account: sandbox marketplaces, a sync, what needs attention, KPIs.

    Never touches your real config or cache: everything goes to --home, or MKTCRM_HOME when set, or a new
    temporary folder, printed at the end. A folder that already holds something other than a demo is
    refused; a demo folder is built again from scratch.

    \b
    Examples:
      $ mktcrm demo
      $ mktcrm demo --home ./demo && MKTCRM_HOME=./demo mktcrm reviews list --unanswered
    """
    parent = app_ctx(ctx)
    home = script.demo_folder(home or parent.paths.home)
    started = time.monotonic()
    paths = script.write_home(home, orders, seed, datetime.now(UTC).date().isoformat())
    app_ = AppContext(paths=paths, verbose=parent.verbose, no_color=parent.no_color)
    ctx.call_on_close(app_.close)
    out = app_.output()
    out.note(f"Demo home: {home}")
    names = ", ".join(f"{a.name} ({a.marketplace})" for a in app_.settings.accounts)
    out.note(f"Syncing {len(app_.settings.accounts)} sandbox marketplace accounts: {names}…")
    report = engine.run(app_, app_.settings.accounts, progress=out.note if is_tty(sys.stderr) else None)
    refresh_deadlines(app_)
    for acc in report.accounts:
        counts = ", ".join(f"{s.records} {s.stream}" for s in acc.streams)
        out.note(f"  {acc.account}: {acc.status} ({counts}) in {acc.seconds:.1f} s")

    out.note("")
    out.note("Needs attention: unanswered negative reviews (rating 1-2), newest first")
    worst = reviews.listing(app_.db, ratings=(None, 2), unanswered=True, limit=8)
    out.rows(WORST_FIELDS, worst, empty="  none")
    out.note("")
    _replies(app_, out)
    out.note("")
    out.note("Needs attention: disputes due soonest")
    out.rows(DISPUTE_FIELDS, dispute_views.listing(app_, limit=8), empty="  none")
    out.note("")
    rows, _checks, title = kpi_view.run(
        app_.db, app_.settings.accounts, lambda a: connectors.get(a.marketplace), "90d", app_.now()
    )
    out.note(title)
    out.rows(kpi_view.fields("account", compare=False), rows)
    out.note("")
    out.note(f"Done in {time.monotonic() - started:.1f} s. Keep exploring this demo's cache:")
    out.note(f"  export MKTCRM_HOME={shlex.quote(str(home))}")
    out.note("  mktcrm reviews list --unanswered --rating 1..2")
    out.note("  mktcrm tasks list                  # replies to paste where there is no API")
    out.note("  mktcrm replies list                # the outbox")
    out.note("  mktcrm kpi --period 365d --json | jq .")
    out.note("  mktcrm sync        # incremental: only what changed")
    if report.exit_code:
        raise typer.Exit(report.exit_code)


def _replies(app_: AppContext, out: Output) -> None:
    """Thank the newest 5-star reviews of each account; show a text the charter refuses."""
    out.note("Replies: thanking the newest 5-star reviews with the `thanks` template, charter-checked")
    deps = app_.deps()
    counts = script.thank_newest(deps, app_.settings.accounts)
    out.note(f"  {counts['sent']} sent through a reply API; {counts['task']} became tasks to paste by hand")
    draft = script.refused_example(deps, app_.settings.accounts)
    if draft is not None:
        out.note(f"  And one the charter refuses (never sent): {script.BLOCKED_EXAMPLE!r}")
        for f in draft.errors:
            out.note(f"    {f['line']}:{f['column']} {f['rule']} {f['message']} — {f['hint']}")
