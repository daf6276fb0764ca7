"""`mktcrm tasks list|next|show|done`: what is left to do by hand where a marketplace has no API."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from mktcrm.clipboard import copy as to_clipboard
from mktcrm.commands._common import MAX_INT, AccountOpt, app_ctx, check_accounts, new_app, output, rows_command
from mktcrm.core import tasks
from mktcrm.errors import UsageError
from mktcrm.output import Field, Output
from mktcrm.text import clean

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
    Field("operator", "id"),
)
# One task in full: where it goes (the order's page in the marketplace's web UI, when it has one).
DETAIL_FIELDS = (*TASK_FIELDS[:6], Field("order_id", "id"), Field("url"), *TASK_FIELDS[6:])
KindOpt = Annotated[
    list[str] | None,
    typer.Option("--kind", "-k", help="Only this kind (repeatable): reply_review, dispute_message."),
]
IdsArg = Annotated[
    list[int] | None,
    typer.Argument(metavar="ID", min=1, max=MAX_INT, help="Task ids (see `tasks list`)."),
]


def _filters(ctx: typer.Context, include_done: bool, account: list[str] | None, kind: list[str] | None) -> Any:
    accounts = check_accounts(app_ctx(ctx), account)
    for name in kind or ():
        if name not in tasks.TASK_KINDS:
            raise UsageError(f"unknown task kind {name!r}", hint=f"use one of: {', '.join(tasks.TASK_KINDS)}")
    return tasks.Filters(include_done, tuple(accounts), tuple(kind or ()))


@app.command("list")
@rows_command(TASK_FIELDS)
def tasks_list(
    ctx: typer.Context,
    out: Output,
    all_: Annotated[bool, typer.Option("--all", help="Include tasks already done.")] = False,
    account: AccountOpt = None,
    kind: KindOpt = None,
) -> None:
    """List open tasks: replies to paste by hand where the marketplace has no API, and more.

    Only the table shortens long text; --format json, jsonl, tsv and csv print it whole.

    \b
    Examples:
      $ mktcrm tasks list
      $ mktcrm tasks list --json | jq -r '.[] | "\\(.instructions)\\n\\(.body)\\n"'
    """
    rows = tasks.listing(app_ctx(ctx).db, _filters(ctx, all_, account, kind))
    out.rows(TASK_FIELDS, rows, empty="No open tasks.")


@app.command("show")
@rows_command(DETAIL_FIELDS)
def tasks_show(
    ctx: typer.Context,
    out: Output,
    task_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=MAX_INT, help="The task id (see `tasks list`).")],
) -> None:
    """Show one task in full: its text, where it goes and the order's page in the marketplace.

    \b
    Examples:
      $ mktcrm tasks show 1
      $ mktcrm tasks show 1 --json | jq -r .body
    """
    out.record(DETAIL_FIELDS, tasks.show(app_ctx(ctx), task_id))


@app.command("next")
@rows_command(DETAIL_FIELDS)
def tasks_next(
    ctx: typer.Context,
    out: Output,
    copy: Annotated[bool, typer.Option("--copy", "-c", help="Put the text on the clipboard.")] = False,
    done: Annotated[bool, typer.Option("--done", help="Mark it done once shown (it was pasted).")] = False,
    account: AccountOpt = None,
    kind: KindOpt = None,
) -> None:
    """The open task due first: its full text, the page where it goes, and (--copy) the text on the clipboard.

    On a terminal it then asks whether the text was pasted; --done says yes up front (for scripts).
    Nothing left to do: a note on stderr, exit 0.

    \b
    Examples:
      $ mktcrm tasks next
      $ mktcrm tasks next --json | jq -r .url
    """
    app_ = app_ctx(ctx)
    task = tasks.next_open(app_, _filters(ctx, False, account, kind))
    if task is None:
        out.note("No open tasks.")
        return
    if out.machine:
        out.record(DETAIL_FIELDS, task)
    else:
        shown = ("id", "account", "marketplace", "order_id", "due_at", "created_at")
        out.record([f for f in DETAIL_FIELDS if f.name in shown], task)
        page = task["url"] or "no direct link (the order is unknown, or the marketplace has none): see Where"
        lines = [task["title"], f"Where: {task['instructions']}", f"Page:  {page}", "", task["body"]]
        out.stdout.write("\n" + "\n".join(clean(line) for line in lines) + "\n\n")
    if copy:
        out.note(to_clipboard(task["body"], out.stdout))
    if not done and out.tty and not out.machine and typer.get_text_stream("stdin").isatty():
        done = typer.confirm(f"Pasted? Mark task {task['id']} done", default=False, err=True)
    if done:
        tasks.done(app_.deps(), task["id"])
        out.note(f"Task {task['id']} done.")


@app.command("done")
def tasks_done(
    ctx: typer.Context,
    task_ids: IdsArg = None,
    all_listed: Annotated[
        bool, typer.Option("--all-listed", help="Every task `tasks list` shows with the same filters.")
    ] = False,
    account: AccountOpt = None,
    kind: KindOpt = None,
) -> None:
    """Record that tasks were done by hand (a reply pasted: it now counts as answered).

    Several ids at once; a task already done is said so and left as it was (exit 0). An unknown id
    closes nothing (exit 1).

    \b
    Examples:
      $ mktcrm tasks done 1 2
      $ mktcrm tasks done --all-listed --kind reply_review
    """
    out = output(ctx)
    app_ = app_ctx(ctx)
    if bool(task_ids) == all_listed:
        raise UsageError("name the task ids, or --all-listed (not both)", hint="e.g. mktcrm tasks done 12 13")
    if not all_listed and (account or kind):
        raise UsageError("--account and --kind filter --all-listed", hint="add --all-listed, or drop them")
    ids = task_ids or [t["id"] for t in tasks.listing(app_.db, _filters(ctx, False, account, kind))]
    before = tasks.done_many(app_.deps(), ids)
    already = [t for t in before if t["state"] == "done"]
    for task in before:
        if task["state"] == "done":
            out.note(f"Task {task['id']} was already done on {task['done_at']}.")
        else:
            out.note(f"Task {task['id']} done.")
    if len(before) > 1 or all_listed:
        out.note(f"{len(before) - len(already)} done, {len(already)} already done.")
