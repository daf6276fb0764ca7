"""`mktcrm reviews list|show|reply`: what buyers said, and answering it once, checked against the charter."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mktcrm.commands import _complete
from mktcrm.commands._common import (
    AccountOne,
    AccountOpt,
    LimitOpt,
    SinceOpt,
    app_ctx,
    check_accounts,
    new_app,
    output,
    parse_range,
    rows_command,
    show_text,
    verdict,
)
from mktcrm.commands._fields import REVIEW_FIELDS
from mktcrm.core import outbox, replies, reply_plan
from mktcrm.core import reviews as core_reviews
from mktcrm.errors import ExitCode, UsageError
from mktcrm.output import Field, Output, is_tty
from mktcrm.text import one_line
from mktcrm.timeutil import iso, parse_since

if TYPE_CHECKING:
    from mktcrm.core.deps import Deps

app = new_app("Reviews and seller feedback in the cache.")
OUTCOME_FIELDS = (
    Field("account", "id"),
    Field("review_id", "id"),
    Field("state"),
    Field("reply_id", "int"),
    Field("task_id", "int"),
    Field("detail", max_width=70),
    Field("text", default=False),
    Field("verdict", default=False),
)


@app.command("list")
@rows_command(REVIEW_FIELDS)
def reviews_list(
    ctx: typer.Context,
    out: Output,
    account: AccountOpt = None,
    rating: Annotated[str | None, typer.Option("--rating", help="Rating or range: 5, 1..2, 4..5.")] = None,
    since: SinceOpt = None,
    unanswered: Annotated[bool, typer.Option("--unanswered", help="Only reviews with no reply yet.")] = False,
    sku: Annotated[
        str | None, typer.Option("--sku", help="Only reviews of this product (linked through their order line).")
    ] = None,
    limit: LimitOpt = None,
) -> None:
    """List reviews, newest first.

    \b
    Examples:
      $ mktcrm reviews list --unanswered --rating 1..2
      $ mktcrm reviews list --json | jq '.[] | select(.rating <= 2) | .body'
    """
    app_ = app_ctx(ctx)
    ratings = parse_range(rating) if rating else (None, None)
    rows = core_reviews.listing(
        app_.db,
        accounts=check_accounts(app_, account),
        since=parse_since(since, app_.now()) if since else None,
        ratings=ratings,
        unanswered=unanswered,
        sku=sku,
        limit=limit,
    )
    out.rows(REVIEW_FIELDS, rows, empty="No reviews match.")


@app.command("show")
@rows_command(REVIEW_FIELDS, limit=False)
def reviews_show(
    ctx: typer.Context,
    out: Output,
    review_id: Annotated[str, typer.Argument(metavar="ID", help="The review id (see `reviews list`).")],
    account: AccountOne = None,
) -> None:
    """Show one review in full.

    \b
    Examples:
      $ mktcrm reviews show LEC01940186-A
      $ mktcrm reviews show LEC01940186-A --account leclerc --json | jq -r .body
    """
    app_ = app_ctx(ctx)
    if account:
        check_accounts(app_, [account])
    out.record(REVIEW_FIELDS, replies.find_review(app_.db, review_id, account))


@app.command("reply")
def reviews_reply(
    ctx: typer.Context,
    review_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="The review to answer.")] = None,
    account: Annotated[
        list[str] | None,
        typer.Option("--account", "-a", help="Account (repeatable).", autocompletion=_complete.accounts),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--template", "-t", help="Template name (see `templates list`).", autocompletion=_complete.templates
        ),
    ] = None,
    text: Annotated[str | None, typer.Option("--text", help="The reply text itself.")] = None,
    edit: Annotated[bool, typer.Option("--edit", help="Edit the text in $EDITOR before it is checked.")] = False,
    unanswered: Annotated[bool, typer.Option("--unanswered", help="Bulk: every review with no reply yet.")] = False,
    rating: Annotated[str | None, typer.Option("--rating", help="Bulk: only these ratings, e.g. 4..5.")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Bulk: only reviews written since this date or span: 7d, 2026-11-01.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print each text and the charter's verdict; queue and send nothing.")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (needed without a TTY).")
    ] = False,
    confirm_negative: Annotated[
        bool, typer.Option("--confirm-negative", help="eBay: I have read each reply to a negative rating myself.")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Output format of the results.")] = "auto",
    json_: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """Reply to a review, or in bulk to every unanswered one, after a charter check; never twice.

    Marketplaces with a reply API (eBay) get the reply through it; the others (Amazon, Etsy, Mirakl)
    get a task with the checked text and where to paste it (`mktcrm tasks`). Exit 6 when the charter
    refuses a text: that reply is neither queued nor sent. eBay forbids automated replies to negative
    feedback: those need --confirm-negative or a confirmation each, and never go out in a silent bulk run.
    --dry-run prints every text with the charter's verdict and exits 6 too when one would be refused. A review
    that already has its reply (sent, posted by hand, or waiting in a task) is a no-op: exit 0, said so.

    \b
    Examples:
      $ mktcrm reviews reply LEC01940183-A --template apology
      $ mktcrm reviews reply --unanswered --rating 4..5 --since 7d --template thanks --dry-run
      $ mktcrm reviews reply --unanswered --rating 4..5 --template thanks --yes
    """
    app_ = app_ctx(ctx)
    out = output(ctx, fmt, json_)
    names = check_accounts(app_, account)
    if (review_id is None) == (not unanswered):
        raise UsageError("give one review ID, or --unanswered for a bulk reply", hint="see mktcrm reviews reply -h")
    if (template is not None and text is not None) or (edit and text is not None) or not (template or text or edit):
        raise UsageError("choose --template, --text or --edit", hint="--edit may start from a --template")
    if edit and not _can_prompt():
        raise UsageError("--edit needs a terminal", hint="use --text or --template")
    if edit and unanswered:
        raise UsageError("--edit answers one review at a time", hint="give a review ID, or use --template in bulk")
    if since is not None and review_id is not None:
        raise UsageError("--since chooses reviews in bulk", hint="use it with --unanswered, not with a review ID")
    low, high = parse_range(rating) if rating else (None, None)
    start = iso(parse_since(since, app_.now())) if since else None
    deps = app_.deps()
    with outbox.outbox_lock(deps):
        reviews = reply_plan.reviews_to_answer(
            deps, review_id=review_id, accounts=names, rating_min=low, rating_max=high, since=start
        )
        if review_id is not None and (done := reply_plan.already_done(deps, reviews[0])):
            out.note(done[0].upper() + done[1:] + ".")
            return
        if edit:
            text = _edit_text(deps, reviews[0], template)
        drafts = [replies.make_draft(deps, r, template=template, text=text) for r in reviews]
        if not drafts:
            out.note("Nothing to answer: every matching review has a reply or one on its way.")
            return
        plan = reply_plan.plan(drafts, single=review_id is not None, confirm_negative=confirm_negative)
        _show_plan(out, plan)
        if dry_run:
            for d in plan.drafts:
                rating = f" ({d.review.get('rating')}★)" if d.review.get("rating") is not None else ""
                head = f"{d.review['account']} {d.review['id']}{rating}, {d.template or 'text'}:"
                show_text(out, head, d.text, d.findings)
            out.note("Dry run: nothing queued or sent.")
            outcomes = reply_plan.dry_run(plan)
        else:
            _confirm(out, plan, yes)
            outcomes = reply_plan.execute(deps, plan)
            states = Counter(o.state for o in outcomes)
            out.note("Done: " + ", ".join(f"{n} {s}" for s, n in sorted(states.items())))
    by_review = {(d.review["account"], d.review["id"]): d for d in plan.drafts}
    shown = []
    for o in outcomes:
        d = by_review[(o.account, o.review_id)]
        shown.append({**asdict(o), "text": d.text, "verdict": verdict(d.findings)})
    out.rows(OUTCOME_FIELDS, shown)
    if code := reply_plan.exit_code(outcomes):
        raise typer.Exit(code)


def _can_prompt() -> bool:
    return is_tty(sys.stdin) and is_tty(sys.stdout)


def _edit_text(deps: Deps, review: dict[str, Any], template: str | None) -> str:
    """The reply as the seller leaves it in $EDITOR (started from the template's text, if any)."""
    start = replies.make_draft(deps, review, template=template, text=None).text if template else ""
    with tempfile.NamedTemporaryFile("w+", suffix=".txt", delete=False, encoding="utf-8") as fh:
        fh.write(start)
    try:
        try:
            subprocess.run([*shlex.split(os.environ.get("EDITOR", "vi")), fh.name], check=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            raise UsageError(f"the editor failed: {exc}", hint="check $EDITOR, or use --text") from None
        with open(fh.name, encoding="utf-8") as edited:
            return edited.read()
    finally:
        os.unlink(fh.name)


def _confirm(out: Output, plan: reply_plan.Plan, yes: bool) -> None:
    """The questions only a person at a terminal can answer; without one, the plan's own refusals."""
    refusal = plan.refusal(can_confirm=_can_prompt())
    if refusal is not None:
        raise refusal
    if not plan.single and plan.ready and not yes:
        if not _can_prompt():
            raise UsageError("a bulk reply needs confirmation", hint="add --yes (or --dry-run to see the plan)")
        if not typer.confirm(f"Send or queue {len(plan.ready)} replies?", default=False):
            raise typer.Exit(ExitCode.OK)
    if plan.needs_person and _can_prompt():
        for d in list(plan.needs_person):
            out.note(f"\n{d.review['account']} {d.review['id']} ({d.review.get('rating')}★): {one_line(d.text)}")
            if typer.confirm("eBay forbids automated replies to negative feedback. Send this one?", default=False):
                plan.confirmed(d)


def _show_plan(out: Output, plan: reply_plan.Plan) -> None:
    per_account = Counter(d.review["account"] for d in plan.drafts)
    out.note(f"{len(plan.drafts)} replies: " + ", ".join(f"{a} {n}" for a, n in sorted(per_account.items())))
    texts = Counter((d.template or "text") for d in plan.drafts)
    out.note("Texts: " + ", ".join(f"{t} ×{n}" for t, n in sorted(texts.items())))
    if plan.blocked:
        out.note(f"Refused by the charter ({len(plan.blocked)}), not sent:")
        for d in plan.blocked[:5]:
            out.note(f" {d.review['account']} {d.review['id']}:")
            for f in d.findings:
                out.note(f"  {f['line']}:{f['column']} {f['rule']} {f['message']} — {f['hint']}")
    if plan.needs_person:
        out.note(f"{len(plan.needs_person)} replies to negative eBay feedback need a human confirmation each.")
