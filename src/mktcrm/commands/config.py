"""`mktcrm config path|check`: where the files are, and whether the config can be used."""

from __future__ import annotations

import typer

from mktcrm.commands._common import app_ctx, new_app
from mktcrm.core import setup

app = new_app("Where the config is, and whether it is valid.")


@app.command("path")
def config_path(ctx: typer.Context) -> None:
    """Print where the config, secrets and cache files are (name, tab, path).

    \b
    Examples:
      $ mktcrm config path
      $ mktcrm config path | grep ^cache | cut -f2
    """
    paths = app_ctx(ctx).paths
    print(f"config\t{paths.config}\nsecrets\t{paths.secrets}\ncache\t{paths.db}")


@app.command("check")
def config_check(ctx: typer.Context) -> None:
    """Validate the config and that every account's secrets are set (exit 4 when not).

    \b
    Examples:
      $ mktcrm config check
    """
    app_ = app_ctx(ctx)
    count = setup.check_config(app_.settings, app_.paths.secrets)
    print(f"{app_.settings.path}: ok ({count} accounts)")
