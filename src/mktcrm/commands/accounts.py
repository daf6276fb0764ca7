"""`accounts`, `marketplaces`, `doctor`: what is configured, what each marketplace allows, what works now."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from mktcrm.commands._common import AccountOpt, FieldsOpt, FormatOpt, JsonOpt, app_ctx, check_accounts, output
from mktcrm.errors import ConfigError
from mktcrm.output import Field

# Short column names for the capability matrix, in the order of connectors.base.CAPABILITIES.
CAPABILITY_COLUMNS = {
    "sync_listings": "listings",
    "sync_orders": "orders",
    "sync_reviews": "reviews",
    "reply_review": "reply",
    "sync_disputes": "disputes",
    "open_dispute": "open",
    "message_dispute": "message",
    "resolve_dispute": "resolve",
}
ACCOUNT_FIELDS = (
    Field("account", "id"),
    Field("marketplace"),
    Field("base_url", max_width=48),
    Field("enabled", "bool"),
    Field("capabilities", max_width=60),
    Field("capability_matrix", default=False),
)
MATRIX_FIELDS = (
    Field("account", "id"),
    Field("marketplace", "id", label="market"),
    *(Field(name, "id") for name in CAPABILITY_COLUMNS.values()),
)
DOCTOR_FIELDS = (
    Field("account", "id"),
    Field("marketplace"),
    Field("status"),
    Field("latency_ms", "int"),
    Field("clock_skew_s", "int"),
    Field("detail", max_width=70),
    Field("exit_code", "int", default=False),
)


def _matrix_row(label: str, marketplace: str, caps: dict[str, str]) -> dict[str, Any]:
    return {"account": label, "marketplace": marketplace, **{col: caps[cap] for cap, col in CAPABILITY_COLUMNS.items()}}


def accounts(
    ctx: typer.Context,
    capabilities: Annotated[
        bool, typer.Option("--capabilities", "-c", help="One column per action: api, manual (a task), none.")
    ] = False,
    fmt: FormatOpt = "auto",
    json_: JsonOpt = False,
    fields: FieldsOpt = None,
) -> None:
    """List configured accounts with what each marketplace allows: by API, by hand (a task), or not at all.

    Fields: account, marketplace, base_url, enabled, capabilities, capability_matrix.
    With --capabilities: account, marketplace, listings, orders, reviews, reply, disputes, open, message, resolve.

    \b
    Examples:
      $ mktcrm accounts
      $ mktcrm accounts --capabilities
      $ mktcrm accounts --json | jq '.[].capability_matrix'
    """
    from mktcrm import connectors

    app = app_ctx(ctx)
    out = output(ctx, fmt, json_, fields)
    if not app.settings.exists:
        out.note(f"No config at {app.paths.config}: run `mktcrm init`, or try `mktcrm demo`.")
    rows = []
    for account in app.settings.accounts:
        connector = connectors.get(account.marketplace)
        caps = dict(connector.capabilities)
        if capabilities:
            rows.append(_matrix_row(account.name, account.marketplace, caps))
            continue
        rows.append(
            {
                "account": account.name,
                "marketplace": account.marketplace,
                "base_url": str(account.get(connector.url_key) or connector.default_base_url),
                "enabled": account.enabled,
                "capabilities": ", ".join(f"{CAPABILITY_COLUMNS[k]}={v}" for k, v in caps.items() if v != "api")
                or "all by api",
                "capability_matrix": caps,
            }
        )
    out.rows(MATRIX_FIELDS if capabilities else ACCOUNT_FIELDS, rows, empty="No accounts configured.")


def marketplaces(
    ctx: typer.Context,
    fmt: FormatOpt = "auto",
    json_: JsonOpt = False,
    fields: FieldsOpt = None,
) -> None:
    """Every supported marketplace and what its API allows (api), what becomes a task (manual), or none.

    Needs no config. Fields: account (the marketplace), marketplace, listings, orders, reviews, reply,
    disputes, open, message, resolve.

    \b
    Examples:
      $ mktcrm marketplaces
      $ mktcrm marketplaces --json | jq '.[] | select(.reply == "api") | .marketplace'
    """
    from mktcrm import connectors

    out = output(ctx, fmt, json_, fields)
    rows = [_matrix_row(name, name, dict(connectors.get(name).capabilities)) for name in connectors.names()]
    out.rows(MATRIX_FIELDS, rows)


def doctor(
    ctx: typer.Context,
    account: AccountOpt = None,
    fmt: FormatOpt = "auto",
    json_: JsonOpt = False,
    fields: FieldsOpt = None,
) -> None:
    """Check every account now: credentials accepted, marketplace reachable, clock in sync.

    One line per account; each failure is also said on stderr. Exit 4 when credentials or config need fixing
    (also: no config), 5 when a marketplace is busy or unreachable (retry later), 1 otherwise.
    Fields: account, marketplace, status, latency_ms, clock_skew_s, detail, exit_code.

    \b
    Examples:
      $ mktcrm doctor
      $ mktcrm doctor --account leclerc --json | jq -r '.[0].detail'
    """
    from mktcrm.core.doctor import check_account, exit_code

    app = app_ctx(ctx)
    out = output(ctx, fmt, json_, fields)
    if not app.settings.exists:
        raise ConfigError(f"no config file at {app.settings.path}", hint="run `mktcrm init`, or try `mktcrm demo`")
    names = check_accounts(app, account)
    chosen = [a for a in app.settings.accounts if (a.name in names if names else a.enabled)]
    if not chosen:
        raise ConfigError("no account to check", hint=f"add an [[accounts]] table to {app.settings.path}")
    rows = [check_account(app, a) for a in chosen]
    out.rows(DOCTOR_FIELDS, rows)
    for row in rows:
        if row["status"] != "ok":
            out.error(f"{row['account']}: {row['detail']}")
    if code := exit_code(rows):
        raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command()(accounts)
    app.command()(marketplaces)
    app.command()(doctor)
