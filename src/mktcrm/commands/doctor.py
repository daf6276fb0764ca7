"""`mktcrm doctor`: is every account usable right now? Credentials, reachability, clock."""

from __future__ import annotations

import typer

from mktcrm.commands._common import AccountOpt, app_ctx, check_accounts, new_app, rows_command
from mktcrm.core.doctor import check_account, exit_code
from mktcrm.errors import ConfigError
from mktcrm.output import Field, Output

app = new_app()
DOCTOR_FIELDS = (
    Field("account", "id"),
    Field("marketplace"),
    Field("status"),
    Field("latency_ms", "int"),
    Field("clock_skew_s", "int"),
    Field("detail", max_width=70),
    Field("exit_code", "int", default=False),
)


@app.command("doctor")
@rows_command(DOCTOR_FIELDS)
def doctor(ctx: typer.Context, out: Output, account: AccountOpt = None) -> None:
    """Check every account now: credentials accepted, marketplace reachable, clock in sync.

    One line per account; each failure is also said on stderr. Exit 4 when credentials or config need fixing
    (also: no config), 5 when a marketplace is busy or unreachable (retry later), 1 otherwise.

    \b
    Examples:
      $ mktcrm doctor
      $ mktcrm doctor --account leclerc --json | jq -r '.[0].detail'
    """
    app_ = app_ctx(ctx)
    if not app_.settings.exists:
        raise ConfigError(f"no config file at {app_.settings.path}", hint="run `mktcrm init`, or try `mktcrm demo`")
    names = check_accounts(app_, account)
    chosen = [a for a in app_.settings.accounts if (a.name in names if names else a.enabled)]
    if not chosen:
        raise ConfigError("no account to check", hint=f"add an [[accounts]] table to {app_.settings.path}")
    rows = [check_account(app_, a) for a in chosen]
    out.rows(DOCTOR_FIELDS, rows)
    for row in rows:
        if row["status"] != "ok":
            out.error(f"{row['account']}: {row['detail']}")
    if code := exit_code(rows):
        raise typer.Exit(code)
