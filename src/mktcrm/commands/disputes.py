"""`disputes list|show|open|message|resolve|note` and `due`: every marketplace's disputes, deadline first."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from mktcrm.commands import _complete
from mktcrm.commands._common import (
    AccountOne,
    AccountOpt,
    JsonOpt,
    LimitOpt,
    app_ctx,
    check_accounts,
    new_app,
    output,
    parse_span,
    rows_command,
)
from mktcrm.commands._fields import DISPUTE_FIELDS
from mktcrm.core import dispute_messages, dispute_reasons, dispute_views, disputes, outbox
from mktcrm.errors import ExitCode, UsageError
from mktcrm.output import Field, Output, is_tty

app = new_app("Disputes: incidents, returns, claims, payment disputes, with deadlines.")

KINDS = ("incident", "return", "inquiry", "case", "payment_dispute", "claim", "local")
STATES = ("open", "awaiting_seller", "awaiting_buyer", "escalated", "resolved", "closed")
EVENT_FIELDS = (Field("at", "time"), Field("kind"), Field("author"), Field("body", max_width=80))
REASON_FIELDS = (Field("account", "id"), Field("marketplace"), Field("action"), Field("code", "id"), Field("label"))


def _actions(incomplete: str) -> list[str]:
    return [a for a in dispute_reasons.ACTIONS if a.startswith(incomplete)]


DisputeId = Annotated[
    str,
    typer.Argument(
        metavar="ID",
        help="The dispute id, or any unique start of it (see `disputes list`).",
        autocompletion=_complete.dispute_ids,
    ),
]


@app.command("list")
@rows_command(DISPUTE_FIELDS)
def disputes_list(
    ctx: typer.Context,
    out: Output,
    account: AccountOpt = None,
    status: Annotated[list[str] | None, typer.Option("--status", help=f"Only: {', '.join(STATES)}.")] = None,
    kind: Annotated[list[str] | None, typer.Option("--kind", help=f"Only: {', '.join(KINDS)}.")] = None,
    due: Annotated[str | None, typer.Option("--due", help="Only open ones due within this span, e.g. 24h.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only open ones past their deadline.")] = False,
    all_: Annotated[bool, typer.Option("--all", help="Include resolved and closed ones.")] = False,
    limit: LimitOpt = None,
) -> None:
    """List disputes, the next deadline first, with the time left ("3 h left", "overdue by 2 d").

    Open ones by default; --due and --overdue keep those where the seller must act.

    \b
    Examples:
      $ mktcrm disputes list --due 24h
      $ mktcrm disputes list --overdue --json | jq -r '.[].id'
      $ mktcrm disputes list --all --kind payment_dispute
    """
    app_ = app_ctx(ctx)
    for value, valid, name in ((status, STATES, "status"), (kind, KINDS, "kind")):
        for v in value or []:
            if v not in valid:
                raise UsageError(f"unknown {name} {v!r}", hint=f"use one of: {', '.join(valid)}")
    now = app_.now()
    before = (now if overdue else now + parse_span(due)) if (due or overdue) else None
    rows = dispute_views.listing(
        app_,
        accounts=check_accounts(app_, account),
        statuses=list(status or []),
        kinds=list(kind or []),
        due_before=before,
        include_closed=all_,
        limit=limit,
    )
    out.rows(DISPUTE_FIELDS, rows, empty="No disputes match.")


@app.command("reasons")
@rows_command(REASON_FIELDS)
def disputes_reasons(
    ctx: typer.Context,
    out: Output,
    account: AccountOpt = None,
    action: Annotated[
        str | None, typer.Option("--action", help="Only the codes to: open, resolve.", autocompletion=_actions)
    ] = None,
) -> None:
    """The reason codes `disputes open` and `disputes resolve` accept, per account, with their labels.

    Asked from each marketplace (Mirakl: the instance's RE01 list), so they are the codes it will accept.
    Where a marketplace takes any code (the dispute is kept locally), stderr says so.

    \b
    Examples:
      $ mktcrm disputes reasons
      $ mktcrm disputes reasons --account leclerc --action resolve --json | jq -r '.[].code'
    """
    app_ = app_ctx(ctx)
    if action is not None and action not in dispute_reasons.ACTIONS:
        raise UsageError(f"unknown action {action!r}", hint=f"use one of: {', '.join(dispute_reasons.ACTIONS)}")
    names = check_accounts(app_, account)
    chosen = [app_.settings.account(n) for n in names] if names else app_.settings.accounts
    found = dispute_reasons.collect(app_, chosen, (action,) if action else dispute_reasons.ACTIONS)
    out.rows(REASON_FIELDS, found.rows, empty="No reason codes.")
    for line in found.free:
        out.note(line)
    for exc in found.failed:
        out.error(exc.message, exc.hint)
    if found.failed:  # some accounts listed, some not: partial; none listed: the failure's own code
        partial = len(found.failed) < len(chosen)
        raise typer.Exit(int(ExitCode.PARTIAL) if partial else int(found.failed[0].exit_code))


@app.command("show")
def disputes_show(
    ctx: typer.Context, dispute_id: DisputeId, account: AccountOne = None, json_: JsonOpt = False
) -> None:
    """Show a dispute and its timeline: messages, status changes, notes, actions.

    \b
    Examples:
      $ mktcrm disputes show LEC01939925-A-1
      $ mktcrm disputes show 5009076452 --json | jq '.events'
    """
    out = output(ctx, json_=json_)
    d, events = dispute_views.detail(app_ctx(ctx), dispute_id, account)
    if json_:
        out.json({**d, "events": events})
        return
    out.record((*DISPUTE_FIELDS, Field("thread_id"), Field("deadline_rule")), d)
    out.note("")
    out.note(f"Timeline ({len(events)} events):")
    out.rows(EVENT_FIELDS, events, empty="  nothing yet")


@app.command("open")
def disputes_open(
    ctx: typer.Context,
    order_id: Annotated[str, typer.Argument(metavar="ORDER", help="The order id.")],
    reason: Annotated[
        str,
        typer.Option(
            "--reason",
            "-r",
            help="Reason code (the marketplace's own where it has them: `disputes reasons`).",
            autocompletion=_complete.reasons,
        ),
    ],
    account: AccountOne = None,
    message: Annotated[str | None, typer.Option("--message", "-m", help="First message to the buyer.")] = None,
) -> None:
    """Open a dispute on an order: on the marketplace where its API allows (Mirakl: a message thread, OR43),
    otherwise a local dispute to track, and it says so before doing it (there, --message stays a local note).
    The reason codes each account accepts: `mktcrm disputes reasons`.

    \b
    Examples:
      $ mktcrm disputes open LEC01939925-A --reason 26 --message "Bonjour, colis reparti. L'équipe Maison Dupont"
    """
    app_ = app_ctx(ctx)
    out = output(ctx)
    acc = dispute_views.account_for_order(app_, order_id, account)
    notice = disputes.open_notice(acc, message)
    if notice:
        out.warn(notice)
    action = disputes.open_dispute(app_, acc, order_id, reason, message)
    print(action.dispute_id)
    out.note(action.detail)


@app.command("message")
def disputes_message(
    ctx: typer.Context,
    dispute_id: DisputeId,
    text: Annotated[str | None, typer.Option("--text", help="The message.")] = None,
    template: Annotated[
        str | None,
        typer.Option("--template", "-t", help="A template instead of --text.", autocompletion=_complete.templates),
    ] = None,
    account: AccountOne = None,
) -> None:
    """Send a message on a dispute, checked against the marketplace's message rules, exactly once.

    Exit 6 when the charter refuses it (nothing queued). Where there is no messaging API the
    text becomes a task (`mktcrm tasks list`).

    \b
    Examples:
      $ mktcrm disputes message thread-139ab98c --text "Bonjour, l'article part ce jour. L'équipe Maison Dupont"
    """
    if (text is None) == (template is None):
        raise UsageError("give exactly one of --text or --template")
    app_ = app_ctx(ctx)
    out = output(ctx)
    d = disputes.find(app_, dispute_id, account)
    deps = app_.deps()
    body = dispute_messages.draft_text(deps, d, text=text, template=template)
    with outbox.outbox_lock(deps):
        action = dispute_messages.send(deps, d, body, template)
    out.note(f"{d['id']}: {action.result}: {action.detail}")


@app.command("resolve")
def disputes_resolve(
    ctx: typer.Context,
    dispute_id: DisputeId,
    reason: Annotated[
        str,
        typer.Option(
            "--reason",
            "-r",
            help="Reason code (Mirakl: from RE01; eBay: accept; all: `disputes reasons`).",
            autocompletion=_complete.reasons,
        ),
    ],
    account: AccountOne = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and say what would happen; change nothing.")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask (needed off a terminal for a remote resolve).")
    ] = False,
) -> None:
    """Resolve a dispute: on the marketplace where it can (Mirakl OR64, eBay accept), locally otherwise.

    The reason code and the move are checked first: a refusal changes nothing. A resolution on the marketplace
    may refund the buyer and cannot be undone: it asks on a terminal, and needs --yes otherwise.

    \b
    Examples:
      $ mktcrm disputes resolve LEC01939925-A-1 --reason 12 --dry-run
      $ mktcrm disputes resolve LEC01939925-A-1 --reason 12 --yes
    """
    app_ = app_ctx(ctx)
    out = output(ctx)
    found = disputes.find(app_, dispute_id, account)
    action = disputes.resolve(app_, found, reason, dry_run=dry_run, confirm=lambda what: _confirm(what, yes))
    out.note(f"{action.dispute_id}: {action.detail}")


def _confirm(what: str, yes: bool) -> None:
    """An irreversible action on the marketplace: a person says yes, or the command line did."""
    if yes:
        return
    if not (is_tty(sys.stdin) and is_tty(sys.stderr)):
        raise UsageError(f"this would {what}, which cannot be undone", hint="add --yes, or look first with --dry-run")
    typer.confirm(f"This will {what}. It cannot be undone. Go on?", abort=True, err=True)


@app.command("close")
def disputes_close(ctx: typer.Context, dispute_id: DisputeId, account: AccountOne = None) -> None:
    """Close a resolved dispute (your own bookkeeping: it leaves every list but `--all`).

    \b
    Examples:
      $ mktcrm disputes close 5009076284
    """
    app_ = app_ctx(ctx)
    action = disputes.close(app_, disputes.find(app_, dispute_id, account))
    output(ctx).note(f"{action.dispute_id}: {action.detail}")


@app.command("note")
def disputes_note(
    ctx: typer.Context,
    dispute_id: DisputeId,
    text: Annotated[str | None, typer.Option("--text", help="The note (kept locally, never sent).")] = None,
    old_text: Annotated[
        str | None, typer.Argument(metavar="[TEXT]", help="Deprecated: the note as a second argument; use --text.")
    ] = None,
    account: AccountOne = None,
) -> None:
    """Add an internal note to a dispute's timeline (kept locally, never sent).

    --text as in `disputes message`; the note as a second argument still works, with a warning.

    \b
    Examples:
      $ mktcrm disputes note LEC01939925-A-1 --text "Photos du colis demandées au transporteur"
    """
    if (text is None) == (old_text is None):
        raise UsageError("give the note once, with --text", hint='e.g. mktcrm disputes note ID --text "…"')
    if old_text is not None:
        output(ctx).warn("the note as an argument is deprecated: use --text (it will go in a later version)")
    app_ = app_ctx(ctx)
    disputes.note(app_, disputes.find(app_, dispute_id, account), text or old_text or "")
