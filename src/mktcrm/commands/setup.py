"""Setting up: `init`, `config path|check`."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from mktcrm import config as cfg
from mktcrm.commands._common import app_ctx, output
from mktcrm.errors import UsageError

config_app = typer.Typer(help="Where the config is, and whether it is valid.", no_args_is_help=True)


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
    _write_templates(path.parent / "templates", force)
    out.note(f"Wrote {path}. Add your accounts, then run: mktcrm config check && mktcrm sync")


def _write_templates(folder: Path, force: bool) -> None:
    """The default reply templates (French and English) as files the seller can edit."""
    from mktcrm.core.templates import DEFAULTS

    folder.mkdir(parents=True, exist_ok=True)
    for name, text in DEFAULTS.items():
        target = folder / f"{name}.j2"
        if force or not target.exists():
            target.write_text(text + "\n", encoding="utf-8")


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
    from mktcrm.core import templates as tpl

    app = app_ctx(ctx)
    settings = app.settings
    if not settings.exists:
        raise cfg.ConfigError(f"no config file at {settings.path}", hint="run: mktcrm init")
    for account in settings.accounts:
        connector = connectors.get(account.marketplace)
        connector.base_url(account)
        for key in connector.secret_keys:
            cfg.secret(account, key, app.paths.secrets)
    tpl.check_all(app.paths.config.parent / "templates", settings.templates)
    print(f"{settings.path}: ok ({len(settings.accounts)} accounts)")


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.add_typer(config_app, name="config")
