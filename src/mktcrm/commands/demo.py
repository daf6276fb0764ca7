"""`mktcrm demo`: five sandbox marketplace accounts → sync → what needs attention → KPIs, in a throwaway home."""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from mktcrm import config as cfg
from mktcrm.commands._common import app_ctx
from mktcrm.context import AppContext
from mktcrm.errors import UsageError
from mktcrm.output import Output, is_tty


def write_demo_home(home: Path, orders: int, seed: int, anchor: str) -> None:
    """A config and a 0600 secrets file pointing at in-process sandbox marketplaces."""
    import tomli_w

    from mktcrm.sandbox.accounts import demo_accounts, sandbox_account

    accounts = []
    secrets: dict[str, str] = {}
    for marketplace, name in demo_accounts():
        account, account_secrets = sandbox_account(marketplace, name, f"seed={seed}&orders={orders}&anchor={anchor}")
        accounts.append(account)
        secrets.update(account_secrets)
    doc = {
        "defaults": {"currency": "EUR", "timezone": "Europe/Paris"},
        "brand": {"signature": "L'équipe Maison Dupont", "forbidden": ["pas de chance"]},
        "accounts": accounts,
    }
    header = "# Written by `mktcrm demo`: sandbox marketplaces served in-process, no network.\n"
    cfg.write_private(home / "config.toml", header + tomli_w.dumps(doc))
    cfg.write_private(home / "secrets.toml", tomli_w.dumps(secrets))


def demo(
    ctx: typer.Context,
    home: Annotated[
        Path | None, typer.Option("--home", help="Folder for the demo (default: a new temporary folder).")
    ] = None,
    orders: Annotated[int, typer.Option("--orders", min=1, max=20000, help="Orders per operator.")] = 300,
    seed: Annotated[int, typer.Option("--seed", min=0, max=2**31 - 1, help="Data seed: same seed, same data.")] = 7,
) -> None:
    """Try mktcrm with no account: sandbox marketplaces, a sync, what needs attention, KPIs.

    Never touches your real config or cache: everything goes to a new folder it prints at the end.

    \b
    Examples:
      $ mktcrm demo
      $ mktcrm demo --home ./demo && MKTCRM_HOME=./demo mktcrm reviews list --unanswered
    """
    from mktcrm.commands.disputes import DISPUTE_FIELDS
    from mktcrm.commands.kpi import KPI_FIELDS
    from mktcrm.commands.reviews import REVIEW_FIELDS
    from mktcrm.core import disputes, kpis
    from mktcrm.db import disputes as dispute_store
    from mktcrm.db import queries
    from mktcrm.sync import engine

    parent = app_ctx(ctx)
    if home is None:
        home = Path(tempfile.mkdtemp(prefix="mktcrm-demo-"))
    elif home.exists() and any(home.iterdir()):
        raise UsageError(f"{home} is not empty", hint="give --home a new or empty folder")
    home = home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    write_demo_home(home, orders, seed, datetime.now(UTC).date().isoformat())
    paths = cfg.Paths(config=home / "config.toml", secrets=home / "secrets.toml", db=home / "mktcrm.db", home=home)
    app = AppContext(paths=paths, verbose=parent.verbose, no_color=parent.no_color)
    ctx.call_on_close(app.close)
    out = app.output()
    out.note(f"Demo home: {home}")
    names = ", ".join(f"{a.name} ({a.marketplace})" for a in app.settings.accounts)
    out.note(f"Syncing {len(app.settings.accounts)} sandbox marketplace accounts: {names}…")
    report = engine.run(app, app.settings.accounts, progress=out.note if is_tty(sys.stderr) else None)
    disputes.refresh_deadlines(app)
    for acc in report.accounts:
        counts = ", ".join(f"{s.records} {s.stream}" for s in acc.streams)
        out.note(f"  {acc.account}: {acc.status} ({counts}) in {acc.seconds:.1f} s")

    out.note("")
    out.note("Needs attention: unanswered negative reviews (rating 1-2), newest first")
    worst = queries.Filters(rating_max=2, unanswered=True, limit=8)
    fields = [f for f in REVIEW_FIELDS if f.name in ("account", "id", "rating", "buyer_name", "body", "created_at")]
    out.rows(fields, queries.reviews(app.db, worst), empty="  none")
    out.note("")
    _demo_replies(app, out)
    out.note("")
    out.note("Needs attention: disputes due soonest")
    soonest = dispute_store.listing(app.db, statuses=disputes.OPEN_STATES, limit=8)
    out.rows(DISPUTE_FIELDS, disputes.with_time_left(soonest, app.now()), empty="  none")
    out.note("")
    period = kpis.parse_period("90d", app.now())
    out.note(f"KPIs, {period.label}")
    rows = kpis.compute(app.db, period, [], {a.name: a.marketplace for a in app.settings.accounts})
    out.rows(KPI_FIELDS, rows)
    out.note("")
    out.note(f"Done in {time.monotonic() - started:.1f} s. Keep exploring this demo's cache:")
    out.note(f"  export MKTCRM_HOME={home}")
    out.note("  mktcrm reviews list --unanswered --rating 1..2")
    out.note("  mktcrm tasks list                  # replies to paste where there is no API")
    out.note("  mktcrm replies list                # the outbox")
    out.note("  mktcrm kpi --period 365d --json | jq .")
    out.note("  mktcrm sync        # incremental: only what changed")
    if report.exit_code:
        raise typer.Exit(report.exit_code)


BLOCKED_EXAMPLE = (
    "Merci !! Écrivez-nous à contact@maison-dupont.fr : un bon de réduction de 10 % vous attend"
    " si vous passez votre avis à 5 étoiles."
)


def _demo_replies(app: AppContext, out: Output) -> None:
    """Thank the newest 5-star reviews of each account; show a text the charter refuses."""
    from mktcrm import connectors
    from mktcrm.connectors.base import API
    from mktcrm.core import replies
    from mktcrm.db import queries

    out.note("Replies: thanking the newest 5-star reviews with the `thanks` template, charter-checked")
    counts = {"sent": 0, "task": 0}
    deps = app.deps()
    for account in app.settings.accounts:
        wanted = queries.Filters(accounts=[account.name], rating_min=5, unanswered=True, limit=2)
        for review in list(queries.reviews(app.db, wanted)):
            outcome = replies.submit(deps, replies.make_draft(deps, review, template="thanks", text=None))
            if outcome.state in counts:
                counts[outcome.state] += 1
    out.note(f"  {counts['sent']} sent through a reply API; {counts['task']} became tasks to paste by hand")
    by_api = [
        a.name for a in app.settings.accounts if connectors.get(a.marketplace).capabilities["reply_review"] == API
    ]
    wanted = queries.Filters(accounts=by_api[:1], unanswered=True, limit=1)
    sample = next(iter(queries.reviews(app.db, wanted)), None) if by_api else None
    if sample is not None:
        draft = replies.make_draft(deps, sample, template=None, text=BLOCKED_EXAMPLE)
        out.note(f"  And one the charter refuses (never sent): {BLOCKED_EXAMPLE!r}")
        for f in draft.errors:
            out.note(f"    {f['line']}:{f['column']} {f['rule']} {f['message']} — {f['hint']}")


def register(app: typer.Typer) -> None:
    app.command()(demo)
