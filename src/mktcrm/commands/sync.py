"""`mktcrm sync`: marketplaces → cache, incremental and resumable."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from mktcrm import connectors
from mktcrm.commands import _complete
from mktcrm.commands._common import app_ctx, new_app, output
from mktcrm.core.disputes import refresh_deadlines
from mktcrm.errors import ConfigError, ExitCode, UsageError
from mktcrm.output import is_tty
from mktcrm.sync import engine

app = new_app()


@app.command("sync")
def sync(
    ctx: typer.Context,
    accounts: Annotated[
        list[str] | None,
        typer.Argument(help="Accounts to sync (default: all enabled).", autocompletion=_complete.accounts),
    ] = None,
    stream: Annotated[
        list[str] | None,
        typer.Option(
            "--stream", "-s", help="Only this stream: listings, orders, reviews, disputes; Mirakl: threads, returns."
        ),
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Ignore cursors and re-read everything from sync_start.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors (for cron).")] = False,
    json_: Annotated[bool, typer.Option("--json", help="Print the run report as JSON on stdout.")] = False,
) -> None:
    """Pull listings, orders, reviews and disputes into the local cache.

    Says per account and stream how many records were read, and of those how many were new and how many
    changed since the last sync (JSON: records, new, changed, unchanged per stream).

    Incremental: each stream resumes from its cursor (minus a lookback margin). Pages are
    committed in batches (10 pages or 2 s) with their position, so an interrupted sync resumes
    where the last batch ended. Safe from cron:
    a second sync waits for the first, then exits 5. Exit 3 when some accounts failed and others
    synced.

    \b
    Examples:
      $ mktcrm sync
      $ mktcrm sync leclerc --stream orders
      $ mktcrm sync --quiet            # cron
      $ mktcrm sync --json | jq '.accounts[] | {account, status}'
    """
    app = app_ctx(ctx)
    out = output(ctx)
    out.quiet = quiet
    settings = app.settings
    if not settings.exists:
        raise ConfigError(f"no config file at {settings.path}", hint="run `mktcrm init`, or try `mktcrm demo`")
    chosen = [settings.account(n) for n in accounts] if accounts else [a for a in settings.accounts if a.enabled]
    if not chosen:
        raise ConfigError("no account to sync", hint=f"add an [[accounts]] table to {settings.path}")
    known = {cls.name for name in connectors.names() for cls in connectors.get(name).streams}
    for name in stream or []:
        if name not in known:
            raise UsageError(f"unknown stream {name!r}", hint=f"streams: {', '.join(sorted(known))}")
    progress = out.note if is_tty(sys.stderr) and not quiet else None
    report = engine.run(app, chosen, streams=stream, full=full, progress=progress)
    refresh_deadlines(app)  # new disputes get their respond_by from the deadline rules
    if json_:
        out.json(report.as_dict())
    for acc in report.accounts:
        records = sum(s.records for s in acc.streams)
        new, changed = sum(s.new for s in acc.streams), sum(s.changed for s in acc.streams)
        detail = ", ".join(
            f"{s.stream} {s.records}{_what_moved(s)}" + (" (resumed)" if s.resumed else "")
            for s in acc.streams
            if s.status == "ok"
        )
        for s in acc.streams:
            if s.status == "unsupported":
                out.note(f"{acc.account}: {s.stream}: {s.error}" + (f" ({s.hint})" if s.hint else ""))
        if acc.status == "ok":
            out.note(
                f"{acc.account}: ok, {records} records in {acc.seconds:.1f} s, {new} new, {changed} changed"
                f" ({detail}), 0 unparseable"
            )
        else:
            error = acc.error or "failed"
            out.error(error if acc.account in error else f"{acc.account}: {error}", acc.hint)
    code = report.exit_code
    if code == ExitCode.PARTIAL:
        out.note("Some accounts or streams failed; the rest is stored. Run `mktcrm sync` again to retry them.")
    if code:
        raise typer.Exit(code)


def _what_moved(stream: engine.StreamReport) -> str:
    """` (2 new, 3 changed)` for a stream that brought something; nothing when all it read was known."""
    parts = [f"{n} {what}" for n, what in ((stream.new, "new"), (stream.changed, "changed")) if n]
    return f" ({', '.join(parts)})" if parts else ""
