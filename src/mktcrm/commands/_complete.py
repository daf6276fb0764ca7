"""Shell completion callbacks (Typer's `autocompletion=`): accounts, templates, dispute ids, reason codes.

They run on every Tab, before the root callback (so the run has no AppContext yet): they find the config and the
cache from the --config/--db already typed, or MKTCRM_HOME, and return nothing rather than fail.
"""

from __future__ import annotations

from typing import Any

import typer

from mktcrm.config import Paths
from mktcrm.context import AppContext
from mktcrm.core import completion

Candidates = list[tuple[str, str]]


def _paths(ctx: typer.Context) -> Paths:
    root = ctx.find_root().params
    return Paths.resolve(root.get("config"), root.get("db"))


def _account(ctx: typer.Context) -> str | None:
    value: Any = ctx.params.get("account")
    if isinstance(value, list):
        return value[0] if len(value) == 1 else None
    return value if isinstance(value, str) else None


def _positional(ctx: typer.Context, name: str) -> str | None:
    """The command's first argument as typed: completion's lenient parse may leave it in `ctx.args`."""
    value = ctx.params.get(name) or (ctx.args[0] if ctx.args else None)
    return str(value) if value else None


def accounts(ctx: typer.Context, incomplete: str) -> Candidates:
    return completion.accounts(_paths(ctx), incomplete)


def templates(ctx: typer.Context, incomplete: str) -> Candidates:
    return completion.templates(_paths(ctx), incomplete)


def dispute_ids(ctx: typer.Context, incomplete: str) -> Candidates:
    return completion.dispute_ids(_paths(ctx), incomplete, _account(ctx))


def reasons(ctx: typer.Context, incomplete: str) -> Candidates:
    """The codes the marketplace accepts for this command's action, for the dispute's (or order's) account."""
    action = "open" if ctx.command.name == "open" else "resolve"
    app = AppContext(paths=_paths(ctx))
    try:
        typed = _positional(ctx, "order_id" if action == "open" else "dispute_id")
        return completion.reasons(app, action, incomplete, _account(ctx), typed)
    finally:
        app.close()
