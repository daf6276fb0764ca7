"""`mktcrm db check|backup`: is the cache sound, and a safe copy of it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mktcrm.commands._common import FieldsOpt, FormatOpt, JsonOpt, app_ctx, output
from mktcrm.errors import ExitCode
from mktcrm.output import Field

db_app = typer.Typer(help="The cache file: check it, back it up.", no_args_is_help=True)
CHECK_FIELDS = (Field("check", "id"), Field("status"), Field("detail"))


def _sync_running(db_path: Path) -> bool:
    from filelock import FileLock, Timeout

    lock = FileLock(f"{db_path}.lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    except OSError:
        return False
    lock.release()
    return False


@db_app.command("check")
def db_check(ctx: typer.Context, fmt: FormatOpt = "auto", json_: JsonOpt = False, fields: FieldsOpt = None) -> None:
    """Check the cache: every page readable (SQLite's integrity check), schema version, runs killed mid-way.

    Opens the file read-only. Exit 1 when a check fails (warnings exit 0).
    Fields: check, status, detail.

    \b
    Examples:
      $ mktcrm db check
      $ mktcrm db check --json | jq -e 'all(.status != "fail")'
    """
    app = app_ctx(ctx)
    out = output(ctx, fmt, json_, fields)
    from mktcrm.core import maintenance  # sqlite3: not for `--help`

    checks = maintenance.check(app.paths.db, sync_running=_sync_running(app.paths.db))
    out.rows(CHECK_FIELDS, (vars(c) for c in checks))
    if any(c.status == "fail" for c in checks):
        raise typer.Exit(ExitCode.ERROR)


@db_app.command("backup")
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
    app = app_ctx(ctx)
    from mktcrm.core import maintenance  # sqlite3: not for `--help`

    pages = maintenance.backup(app.db, target, force=force)
    output(ctx).note(f"Backed up {pages} pages to {target}")
    print(target)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
