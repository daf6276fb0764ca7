"""`replies list`, `tasks list|done`, `templates list|show|render`: the outbox and what is left to do by hand."""

from __future__ import annotations

from typing import Annotated

import typer

from mktcrm.commands._common import AccountOpt, FieldsOpt, FormatOpt, JsonOpt, app_ctx, check_accounts, output
from mktcrm.errors import UsageError
from mktcrm.output import Field

replies_app = typer.Typer(help="The reply outbox: what was sent, queued, or failed.", no_args_is_help=True)
tasks_app = typer.Typer(help="Things to do by hand in a marketplace's web UI (no API).", no_args_is_help=True)
templates_app = typer.Typer(help="Reply templates (Jinja2, sandboxed).", no_args_is_help=True)

REPLY_STATES = ("draft", "queued", "sending", "sent", "failed", "manual_done")
REPLY_FIELDS = (
    Field("id", "int"),
    Field("account", "id"),
    Field("marketplace", default=False),
    Field("review_id", "id"),
    Field("rating", "int"),
    Field("state"),
    Field("template"),
    Field("task_id", "int", default=False),
    Field("attempts", "int", default=False),
    Field("body", max_width=50),
    Field("error", max_width=40, default=False),
    Field("created_at", "time", default=False),
    Field("sent_at", "time"),
)
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
TEMPLATE_FIELDS = (Field("name", "id"), Field("origin"), Field("preview", max_width=70))


@replies_app.command("list")
def replies_list(
    ctx: typer.Context,
    state: Annotated[list[str] | None, typer.Option("--state", "-s", help=f"Only: {', '.join(REPLY_STATES)}.")] = None,
    account: AccountOpt = None,
    fmt: FormatOpt = "auto",
    json_: JsonOpt = False,
    fields: FieldsOpt = None,
) -> None:
    """List the outbox.

    Fields: id, account, marketplace, review_id, rating, state, template, task_id, attempts, body, error,
    created_at, sent_at.

    \b
    Examples:
      $ mktcrm replies list --state failed
      $ mktcrm replies list --json | jq 'group_by(.state) | map({state: .[0].state, n: length})'
    """
    from mktcrm.db import outbox

    app = app_ctx(ctx)
    out = output(ctx, fmt, json_, fields)
    for s in state or []:
        if s not in REPLY_STATES:
            raise UsageError(f"unknown state {s!r}", hint=f"states: {', '.join(REPLY_STATES)}")
    rows = outbox.replies(app.db, list(state or []), check_accounts(app, account))
    out.rows(REPLY_FIELDS, rows, empty="The outbox is empty.")


@tasks_app.command("list")
def tasks_list(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Include tasks already done.")] = False,
    account: AccountOpt = None,
    fmt: FormatOpt = "auto",
    json_: JsonOpt = False,
    fields: FieldsOpt = None,
) -> None:
    """List open tasks: replies to paste by hand where the marketplace has no API, and more.

    Fields: id, account, marketplace, kind, ref_id, state, title, instructions, body, due_at, created_at, done_at.

    \b
    Examples:
      $ mktcrm tasks list
      $ mktcrm tasks list --json | jq -r '.[] | "\\(.instructions)\\n\\(.body)\\n"'
    """
    from mktcrm.db import outbox

    app = app_ctx(ctx)
    out = output(ctx, fmt, json_, fields)
    rows = outbox.tasks(app.db, [] if all_ else ["open"], check_accounts(app, account))
    out.rows(TASK_FIELDS, rows, empty="No open tasks.")


@tasks_app.command("done")
def tasks_done(
    ctx: typer.Context,
    task_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=2**63 - 1, help="The task id (see `tasks list`).")],
) -> None:
    """Record that a task was done by hand (a reply pasted: it now counts as answered).

    \b
    Examples:
      $ mktcrm tasks done 12
    """
    from mktcrm.core import tasks

    out = output(ctx)
    task = tasks.done(app_ctx(ctx).deps(), task_id)
    if task["state"] == "done":
        out.note(f"Task {task_id} was already done on {task['done_at']}.")
        return
    out.note(f"Task {task_id} done.")


@templates_app.command("list")
def templates_list(
    ctx: typer.Context, fmt: FormatOpt = "auto", json_: JsonOpt = False, fields: FieldsOpt = None
) -> None:
    """List reply templates: files in the config folder's templates/, [templates] in config, built-ins.

    \b
    Examples:
      $ mktcrm templates list
    """
    from mktcrm.core import templates

    app = app_ctx(ctx)
    out = output(ctx, fmt, json_, fields)
    found = templates.available(app.paths.config.parent / "templates", app.settings.templates)
    rows = [{"name": t.name, "origin": t.origin, "preview": " ".join(t.source.split())} for t in found.values()]
    out.rows(TEMPLATE_FIELDS, rows)


@templates_app.command("show")
def templates_show(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Template name.")]) -> None:
    """Print a template's source.

    \b
    Examples:
      $ mktcrm templates show thanks.fr
    """
    from mktcrm.core import templates

    app = app_ctx(ctx)
    found = templates.available(app.paths.config.parent / "templates", app.settings.templates)
    if name not in found:
        raise UsageError(f"no template named {name!r}", hint=f"available: {', '.join(sorted(found))}")
    print(found[name].source)


@templates_app.command("render")
def templates_render(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Template name (a language suffix is picked from the review).")],
    review: Annotated[str, typer.Option("--review", "-r", help="Review id to fill the template with.")],
    account: Annotated[str | None, typer.Option("--account", "-a", help="The account, if the id is ambiguous.")] = None,
    json_: JsonOpt = False,
) -> None:
    """Render a template for a review and print the text, then its charter findings (exit 6 on an error).

    \b
    Examples:
      $ mktcrm templates render thanks --review INT08177189-A
    """
    import json

    from mktcrm.core import replies

    deps = app_ctx(ctx).deps()
    out = output(ctx)
    found = replies.find_review(deps.db, review, account)
    draft = replies.make_draft(deps, found, template=name, text=None)
    if json_:
        print(
            json.dumps({"template": draft.template, "text": draft.text, "findings": draft.findings}, ensure_ascii=False)
        )
    else:
        print(draft.text)
        for f in draft.findings:
            out.note(f"{f['line']}:{f['column']} {f['rule']} {f['message']} — {f['hint']}")
    if draft.errors:
        raise typer.Exit(6)


def register(app: typer.Typer) -> None:
    app.add_typer(replies_app, name="replies")
    app.add_typer(tasks_app, name="tasks")
    app.add_typer(templates_app, name="templates")
