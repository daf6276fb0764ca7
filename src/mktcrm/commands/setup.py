"""Setting up: `init`, `config path|check`, `accounts`."""

from __future__ import annotations

from importlib import resources
from typing import Annotated

import typer

from mktcrm import config as cfg
from mktcrm.commands._common import FieldsOpt, FormatOpt, JsonOpt, app_ctx, output
from mktcrm.errors import UsageError
from mktcrm.output import Field

config_app = typer.Typer(help="Where the config is, and whether it is valid.", no_args_is_help=True)

ACCOUNT_FIELDS = (
    Field("account", "id"),
    Field("marketplace"),
    Field("base_url", max_width=48),
    Field("enabled", "bool"),
    Field("capabilities", max_width=60),
    Field("capability_matrix", default=False),
)


def template_text() -> str:
    return resources.files("mktcrm").joinpath("config.example.toml").read_text(encoding="utf-8")


def init(
    ctx: typer.Context,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing config file.")] = False,
) -> None:
    """Write a commented config file (mode 0600) to fill in.

    \b
    Examples:
      $ mktcrm init
      $ MKTCRM_HOME=~/shop-b mktcrm init
    """
    app = app_ctx(ctx)
    path = app.paths.config
    if path.exists() and not force:
        raise UsageError(f"{path} already exists", hint="edit it, or pass --force to replace it")
    cfg.write_private(path, template_text())
    out = output(ctx)
    print(str(path))
    out.note(f"Wrote {path}. Add your accounts, then run: mktcrm config check && mktcrm sync")


@config_app.command("path")
def config_path(ctx: typer.Context) -> None:
    """Print where the config, secrets and cache files are (name, tab, path).

    \b
    Examples:
      $ mktcrm config path
      $ mktcrm config path | grep ^cache | cut -f2
    """
    paths = app_ctx(ctx).paths
    print(f"config\t{paths.config}\nsecrets\t{paths.secrets}\ncache\t{paths.db}")


@config_app.command("check")
def config_check(ctx: typer.Context) -> None:
    """Validate the config and that every account's secrets are set (exit 4 when not).

    \b
    Examples:
      $ mktcrm config check
    """
    from mktcrm import connectors

    app = app_ctx(ctx)
    settings = app.settings
    if not settings.exists:
        raise cfg.ConfigError(f"no config file at {settings.path}", hint="run: mktcrm init")
    for account in settings.accounts:
        connector = connectors.get(account.marketplace)
        connector.base_url(account)
        for key in connector.secret_keys:
            cfg.secret(account, key, app.paths.secrets)
    print(f"{settings.path}: ok ({len(settings.accounts)} accounts)")


def accounts(
    ctx: typer.Context,
    fmt: FormatOpt = "auto",
    json_: JsonOpt = False,
    fields: FieldsOpt = None,
) -> None:
    """List configured accounts with what each marketplace allows (api, manual, none).

    Fields: account, marketplace, base_url, enabled, capabilities, capability_matrix.

    \b
    Examples:
      $ mktcrm accounts
      $ mktcrm accounts --json | jq '.[].capability_matrix'
    """
    from mktcrm import connectors

    app = app_ctx(ctx)
    out = output(ctx, fmt, json_, fields)
    rows = []
    for account in app.settings.accounts:
        connector = connectors.get(account.marketplace)
        caps = connector.capabilities
        rows.append(
            {
                "account": account.name,
                "marketplace": account.marketplace,
                "base_url": connector.base_url(account),
                "enabled": account.enabled,
                "capabilities": ", ".join(f"{k}={v}" for k, v in caps.items() if v != "api") or "all by api",
                "capability_matrix": dict(caps),
            }
        )
    if not app.settings.exists:
        out.note(f"No config at {app.paths.config}: run `mktcrm init`, or try `mktcrm demo`.")
    out.rows(ACCOUNT_FIELDS, rows, empty="No accounts configured.")


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(accounts)
    app.add_typer(config_app, name="config")
