"""`disputes list|show|open|message|resolve|note` and `due`: every marketplace's disputes, deadline first."""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Annotated, Any

import typer

from mktcrm.commands._common import AccountOpt, FieldsOpt, FormatOpt, JsonOpt, LimitOpt, app_ctx, check_accounts, output
from mktcrm.errors import UsageError
from mktcrm.output import Field, is_tty
from mktcrm.timeutil import iso

disputes_app = typer.Typer(
    help="Disputes: incidents, returns, claims, payment disputes, with deadlines.", no_args_is_help=True
)

KINDS = ("incident", "return", "inquiry", "case", "payment_dispute", "claim", "local")
STATES = ("open", "awaiting_seller", "awaiting_buyer", "escalated", "resolved", "closed")
DISPUTE_FIELDS = (
    Field("account", "id"),
    Field("marketplace", default=False),
    Field("id", "id"),
    Field("kind"),
    Field("order_id", "id"),
    Field("status", "id"),
    Field("remote_status", default=False),
    Field("reason", max_width=30),
    Field("reason_code", default=False),
    Field("next_actor", default=False),
    Field("opened_at", "time"),
    Field("respond_by", "time"),
    Field("time_left", "id", style=lambda shown: "bold red" if shown.startswith("overdue") else None),
    Field("overdue", "bool", default=False),
    Field("resolved_at", "time", default=False),
    Field("amount", "money", default=False),
    Field("currency", default=False),
)
EVENT_FIELDS = (Field("at", "time"), Field("kind"), Field("author"), Field("body", max_width=80))
DUE_FIELDS = (
    Field("due_at", "time"),
    Field("time_left"),
    Field("what"),
    Field("account", "id"),
    Field("id", "id"),
    Field("detail", max_width=60),
)
AccountOne = Annotated[str | None, typer.Option("--account", "-a", help="The account, if the id is ambiguous.")]
DisputeId = Annotated[str, typer.Argument(metavar="ID", help="The dispute id (see `disputes list`).")]


def parse_span(text: str) -> timedelta:
    """`24h`, `3d`, `90m`."""
    units = {"m": "minutes", "h": "hours", "d": "days"}
    if len(text) >= 2 and text[-1] in units and text[:-1].isdigit() and int(text[:-1]) <= 36500:
        return timedelta(**{units[text[-1]]: int(text[:-1])})
    raise UsageError(f"cannot read the duration {text!r}", hint="use e.g. 90m, 24h or 3d (at most 36500)")


@disputes_app.command("list")
def disputes_list(
    ctx: typer.Context,
    account: AccountOpt = None,
    status: Annotated[list[str] | None, typer.Option("--status", help=f"Only: {', '.join(STATES)}.")] = None,
    kind: Annotated[list[str] | None, typer.Option("--kind", help=f"Only: {', '.join(KINDS)}.")] = None,
    due: Annotated[str | None, typer.Option("--due", help="Only open ones due within this span, e.g. 24h.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only open ones past their deadline.")] = False,
    all_: Annotated[bool, typer.Option("--all", help="Include resolved and closed ones.")] = False,
    limit: LimitOpt = None,
    fmt: FormatOpt = "auto",
    json_: JsonOpt = False,
    fields: FieldsOpt = None,
) -> None:
    """List disputes, the next deadline first, with the time left ("3 h left", "overdue by 2 d").

    Open ones by default; --due and --overdue keep those where the seller must act.
    Fields: account, marketplace, id, kind, order_id, status, remote_status, reason,
    reason_code, next_actor, opened_at, respond_by, time_left, overdue, resolved_at, amount, currency.

    \b
    Examples:
      $ mktcrm disputes list --due 24h
      $ mktcrm disputes list --overdue --json | jq -r '.[].id'
      $ mktcrm disputes list --all --kind payment_dispute
    """
    from mktcrm.core import disputes
    from mktcrm.db import disputes as store

    app = app_ctx(ctx)
    out = output(ctx, fmt, json_, fields)
    for value, valid, name in ((status, STATES, "status"), (kind, KINDS, "kind")):
        for v in value or []:
            if v not in valid:
                raise UsageError(f"unknown {name} {v!r}", hint=f"use one of: {', '.join(valid)}")
    now = app.now()
    statuses = list(status or ([] if all_ else disputes.OPEN_STATES))
    if due or overdue:
        statuses = [s for s in statuses if s in disputes.SELLER_TURN] or list(disputes.SELLER_TURN)
    before = iso(now if overdue else now + parse_span(due)) if (due or overdue) else None
    rows = store.listing(
        app.db,
        accounts=check_accounts(app, account),
        statuses=statuses,
        kinds=list(kind or []),
        due_before=before,
        limit=limit,
    )
    out.rows(DISPUTE_FIELDS, disputes.with_time_left(rows, now), empty="No disputes match.")


@disputes_app.command("show")
def disputes_show(
    ctx: typer.Context, dispute_id: DisputeId, account: AccountOne = None, json_: JsonOpt = False
) -> None:
    """Show a dispute and its timeline: messages, status changes, notes, actions.

    \b
    Examples:
      $ mktcrm disputes show LEC01939925-A-1
      $ mktcrm disputes show 5009076452 --json | jq '.events'
    """
    import json

    from mktcrm.core import deadlines, disputes

    app = app_ctx(ctx)
    out = output(ctx, json_=json_)
    d = disputes.with_time_left([disputes.find(app, dispute_id, account)], app.now())[0]
    events = disputes.timeline(app, d)
    acc = app.settings.account(d["account"]) if d["account"] in {a.name for a in app.settings.accounts} else None
    rule = deadlines.rule_for(d["marketplace"], d["kind"], acc.deadlines if acc else None)
    d["deadline_rule"] = deadlines.describe(rule) if rule else None
    d.pop("raw", None)
    if json_:
        print(json.dumps({**d, "events": events}, ensure_ascii=False, indent=2 if out.tty else None))
        return
    out.record((*DISPUTE_FIELDS, Field("thread_id"), Field("deadline_rule")), d)
    out.note("")
    out.note(f"Timeline ({len(events)} events):")
    out.rows(EVENT_FIELDS, events, empty="  nothing yet")


@disputes_app.command("open")
def disputes_open(
    ctx: typer.Context,
    order_id: Annotated[str, typer.Argument(metavar="ORDER", help="The order id.")],
    reason: Annotated[
        str, typer.Option("--reason", "-r", help="Reason code (the marketplace's own where it has them).")
    ],
    account: AccountOne = None,
    message: Annotated[str | None, typer.Option("--message", "-m", help="First message to the buyer.")] = None,
) -> None:
    """Open a dispute on an order: on the marketplace where its API allows (Mirakl: a message thread, OR43),
    otherwise a local dispute to track, and it says so.

    \b
    Examples:
      $ mktcrm disputes open LEC01939925-A --reason OTHER --message "Bonjour, …"
    """
    from mktcrm.core import disputes

    app = app_ctx(ctx)
    out = output(ctx)
    acc = _account_for_order(app, order_id, account)
    action = disputes.open_dispute(app, acc, order_id, reason, message)
    print(action.dispute_id)
    out.note(action.detail)


@disputes_app.command("message")
def disputes_message(
    ctx: typer.Context,
    dispute_id: DisputeId,
    text: Annotated[str | None, typer.Option("--text", help="The message.")] = None,
    template: Annotated[str | None, typer.Option("--template", "-t", help="A template instead of --text.")] = None,
    account: AccountOne = None,
) -> None:
    """Send a message on a dispute, checked against the marketplace's message rules, exactly once.

    Exit 6 when the charter refuses it (nothing queued). Where there is no messaging API the
    text becomes a task (`mktcrm tasks list`).

    \b
    Examples:
      $ mktcrm disputes message thread-1234 --text "Bonjour, nous vous renvoyons l'article aujourd'hui."
    """
    from mktcrm.core import dispute_messages, disputes, outbox

    if (text is None) == (template is None):
        raise UsageError("give exactly one of --text or --template")
    app = app_ctx(ctx)
    out = output(ctx)
    d = disputes.find(app, dispute_id, account)
    deps = app.deps()
    body = dispute_messages.draft_text(deps, d, text=text, template=template)
    with outbox.outbox_lock(deps):
        action = dispute_messages.send(deps, d, body, template)
    out.note(f"{d['id']}: {action.result}: {action.detail}")


@disputes_app.command("resolve")
def disputes_resolve(
    ctx: typer.Context,
    dispute_id: DisputeId,
    reason: Annotated[str, typer.Option("--reason", "-r", help="Reason code (Mirakl: from RE01; eBay: accept).")],
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
      $ mktcrm disputes resolve LEC01939925-A-1 --reason 32 --dry-run
      $ mktcrm disputes resolve LEC01939925-A-1 --reason 32 --yes
    """
    from mktcrm.core import disputes

    app = app_ctx(ctx)
    out = output(ctx)
    found = disputes.find(app, dispute_id, account)
    action = disputes.resolve(app, found, reason, dry_run=dry_run, confirm=lambda what: _confirm(what, yes))
    out.note(f"{action.dispute_id}: {action.detail}")


def _confirm(what: str, yes: bool) -> None:
    """An irreversible action on the marketplace: a person says yes, or the command line did."""
    if yes:
        return
    if not (is_tty(sys.stdin) and is_tty(sys.stderr)):
        raise UsageError(f"this would {what}, which cannot be undone", hint="add --yes, or look first with --dry-run")
    typer.confirm(f"This will {what}. It cannot be undone. Go on?", abort=True, err=True)


@disputes_app.command("close")
def disputes_close(ctx: typer.Context, dispute_id: DisputeId, account: AccountOne = None) -> None:
    """Close a resolved dispute (your own bookkeeping: it leaves every list but `--all`).

    \b
    Examples:
      $ mktcrm disputes close LEC01939925-A-1
    """
    from mktcrm.core import disputes

    app = app_ctx(ctx)
    action = disputes.close(app, disputes.find(app, dispute_id, account))
    output(ctx).note(f"{action.dispute_id}: {action.detail}")


@disputes_app.command("note")
def disputes_note(
    ctx: typer.Context,
    dispute_id: DisputeId,
    text: Annotated[str, typer.Argument(help="The note (kept locally, never sent).")],
    account: AccountOne = None,
) -> None:
    """Add an internal note to a dispute's timeline.

    \b
    Examples:
      $ mktcrm disputes note 5009076452 "Photos du colis demandées au transporteur"
    """
    from mktcrm.core import disputes

    app = app_ctx(ctx)
    disputes.note(app, disputes.find(app, dispute_id, account), text)


def due(
    ctx: typer.Context,
    within: Annotated[str, typer.Option("--within", "-w", help="How far ahead: e.g. 24h, 3d.")] = "24h",
    account: AccountOpt = None,
    fmt: FormatOpt = "auto",
    json_: JsonOpt = False,
    fields: FieldsOpt = None,
) -> None:
    """Everything with a deadline in the window, overdue first: disputes, open tasks, and reviews where the
    account sets a reply window (`deadlines = { review = "48h" }`). Always exit 0.

    For a cron job that mails the seller: the count is data, not an error.
    Fields: due_at, time_left, what, account, id, detail.

    \b
    Examples:
      $ mktcrm due --within 24h
      $ mktcrm due --json | jq length
    """
    from mktcrm.core import due as due_items

    app = app_ctx(ctx)
    out = output(ctx, fmt, json_, fields)
    rows = due_items.items(app, check_accounts(app, account), app.now() + parse_span(within))
    out.rows(DUE_FIELDS, rows, empty="Nothing due.")


def _account_for_order(app: Any, order_id: str, account: str | None) -> Any:
    """The account of an order id: --account when given, else the one account that has it."""
    from mktcrm.db import disputes as store
    from mktcrm.errors import NotFoundError

    if account:
        return app.settings.account(account)
    owners = store.order_accounts(app.db, order_id)
    if not owners:
        raise NotFoundError(f"no order {order_id!r} in the cache", hint="see: mktcrm orders list")
    if len(owners) > 1:
        raise UsageError(f"order {order_id!r} exists in several accounts", hint="add --account")
    return app.settings.account(owners[0])


def register(app: typer.Typer) -> None:
    app.add_typer(disputes_app, name="disputes")
    app.command()(due)
