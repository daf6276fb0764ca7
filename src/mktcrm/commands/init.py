"""`mktcrm init`: the commented config file to fill in."""

from __future__ import annotations

from typing import Annotated

import typer

from mktcrm.commands._common import app_ctx, new_app, output
from mktcrm.core import setup

app = new_app()


@app.command("init")
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
    path = app_ctx(ctx).paths.config
    setup.init(path, force=force)
    print(str(path))
    output(ctx).note(f"Wrote {path}. Add your accounts, then run: mktcrm config check && mktcrm sync")
