"""`mktcrm db check|stats|backup|rebuild`: is the cache sound, what it weighs, a safe copy of it, its derived tables
recomputed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mktcrm.commands._common import app_ctx, new_app, output, rows_command
from mktcrm.config import is_db_url
from mktcrm.core import maintenance, team
from mktcrm.errors import ExitCode, UsageError
from mktcrm.output import Field, Output

app = new_app("The cache file: check it, see what it weighs, back it up, rebuild its derived tables.")
CHECK_FIELDS = (Field("check", "id"), Field("status"), Field("detail"))
REBUILD_FIELDS = (Field("table", "id"), Field("rows"), Field("changed"))
STATS_FIELDS = (Field("table", "id"), Field("rows"), Field("bytes"), Field("index_bytes"), Field("share_pct"))


@app.command("check")
@rows_command(CHECK_FIELDS)
def db_check(ctx: typer.Context, out: Output) -> None:
    """Check the cache: every page readable (SQLite's integrity check), schema version, runs killed mid-way.

    Opens the file read-only. Exit 1 when a check fails (warnings exit 0). On a shared PostgreSQL database
    (`--db postgresql://…`, docs/team.md): the server, its collation, the schema version and stale runs.

    \b
    Examples:
      $ mktcrm db check
      $ mktcrm db check --json | jq -e 'all(.status != "fail")'
    """
    app_ = app_ctx(ctx)
    if app_.db_url:
        checks = team.check_shared(app_.open_url(app_.db_url, apply=False))
    else:
        path = app_.paths.db
        checks = maintenance.check(path, sync_running=maintenance.sync_running(path))
    out.rows(CHECK_FIELDS, (vars(c) for c in checks))
    if any(c.status == "fail" for c in checks):
        raise typer.Exit(ExitCode.ERROR)


@app.command("stats")
@rows_command(STATS_FIELDS)
def db_stats(ctx: typer.Context, out: Output) -> None:
    """Rows and bytes on disk per table (indexes apart), biggest first: what makes the cache grow.

    Bytes come from SQLite's dbstat table (empty when this SQLite lacks it); the file size and the bytes per
    order (the whole file over its orders) go to stderr. Reads every page: about as long as a full scan.

    \b
    Examples:
      $ mktcrm db stats
      $ mktcrm db stats --json | jq '.[] | select(.table == "orders") | .bytes / .rows'
    """
    rows, summary = maintenance.stats(app_ctx(ctx).paths.db)
    out.rows(STATS_FIELDS, rows)
    out.note(summary)


@app.command("backup")
def db_backup(
    ctx: typer.Context,
    target: Annotated[Path, typer.Argument(metavar="FILE", help="Where to write the copy (mode 0600).")],
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
) -> None:
    """Copy the cache to FILE with SQLite's online backup: consistent even while a sync runs.

    Restore by pointing --db at the copy, or by moving it over the cache when no mktcrm runs.

    \b
    Examples:
      $ mktcrm db backup ~/backups/mktcrm-$(date +%F).db
    """
    if app_ctx(ctx).db_url:
        raise UsageError("db backup copies a cache file", hint="back up a shared database with pg_dump (docs/team.md)")
    pages = maintenance.backup(app_ctx(ctx).db, target, force=force)
    output(ctx).note(f"Backed up {pages} pages to {target}")
    print(target)


@app.command("rebuild")
@rows_command(REBUILD_FIELDS)
def db_rebuild(ctx: typer.Context, out: Output) -> None:
    """Recompute the KPI rollups from orders and reviews, in one transaction.

    Each sync keeps them current; rebuild after restoring a backup, importing rows by hand, or upgrading to
    a version that defines a figure differently. `changed` counts rows that differed from what was kept.

    \b
    Examples:
      $ mktcrm db rebuild
      $ mktcrm db rebuild --json | jq -e 'all(.changed == 0)'
    """
    out.rows(REBUILD_FIELDS, maintenance.rebuild(app_ctx(ctx).db))


MIGRATE_FIELDS = (Field("table", "id"), Field("source", "int"), Field("target", "int"), Field("status"))


@app.command("migrate")
@rows_command(MIGRATE_FIELDS)
def db_migrate(
    ctx: typer.Context,
    out: Output,
    to: Annotated[str, typer.Option("--to", metavar="URL", help="The PostgreSQL database: postgresql://USER@HOST/DB.")],
) -> None:
    """Copy this cache into a shared PostgreSQL database (team mode), then compare row counts per table.

    Streamed in batches, each committed on its own: if it stops, run it again; rows already copied are
    skipped, none doubled. The password comes from PGPASSWORD or [cache] password_env, never from the URL
    printed. Exit 1 when a table's counts differ. See docs/team.md.

    \b
    Examples:
      $ mktcrm db migrate --to postgresql://mktcrm@db.example.com/shop
    """
    app_ = app_ctx(ctx)
    if not is_db_url(to):
        raise UsageError(f"--to must be a postgresql:// URL, not {to!r}")
    if app_.db_url:
        raise UsageError("db migrate copies the cache file", hint="name the cache file with --db FILE")
    note = output(ctx).note
    rows = team.migrate_to(
        app_.db, app_.open_url(to), lambda table, n: note(f"{table}: {n} rows") if n % 20000 == 0 else None
    )
    out.rows(MIGRATE_FIELDS, rows)
    if any(r["status"] != "ok" for r in rows):
        raise typer.Exit(ExitCode.ERROR)
