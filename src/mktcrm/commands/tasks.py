"""`mktcrm tasks list|done`: what is left to do by hand where a marketplace has no API."""

from __future__ import annotations

from typing import Annotated

import typer

from mktcrm.commands._common import AccountOpt, app_ctx, check_accounts, new_app, output, rows_command
from mktcrm.core import tasks
from mktcrm.output import Field, Output

app = new_app("Things to do by hand in a marketplace's web UI (no API).")
TASK_FIELDS = (
    Field("id", "int"),
    Field("account", "id"),
    Field("marketplace", default=False),
    Field("kind"),
    Field("ref_id", "id"),
    Field("state"),
    Field("title", max_width=50),
    Field("instructions", max_width=50, default=False),
    Field("body", default=False),
    Field("due_at", "time", default=False),
    Field("created_at", "time"),
    Field("done_at", "time", default=False),
)


@app.command("list")
@rows_command(TASK_FIELDS)
def tasks_list(
    ctx: typer.Context,
    out: Output,
    all_: Annotated[bool, typer.Option("--all", help="Include tasks already done.")] = False,
    account: AccountOpt = None,
) -> None:
    """List open tasks: replies to paste by hand where the marketplace has no API, and more.

    \b
    Examples:
      $ mktcrm tasks list
      $ mktcrm tasks list --json | jq -r '.[] | "\\(.instructions)\\n\\(.body)\\n"'
    """
    app_ = app_ctx(ctx)
    rows = tasks.listing(app_.db, include_done=all_, accounts=check_accounts(app_, account))
    out.rows(TASK_FIELDS, rows, empty="No open tasks.")


@app.command("done")
def tasks_done(
    ctx: typer.Context,
    task_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=2**63 - 1, help="The task id (see `tasks list`).")],
) -> None:
    """Record that a task was done by hand (a reply pasted: it now counts as answered).

    \b
    Examples:
      $ mktcrm tasks done 1
    """
    out = output(ctx)
    task = tasks.done(app_ctx(ctx).deps(), task_id)
    if task["state"] == "done":
        out.note(f"Task {task_id} was already done on {task['done_at']}.")
        return
    out.note(f"Task {task_id} done.")
