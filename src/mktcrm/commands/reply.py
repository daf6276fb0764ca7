"""`reviews reply`: one review or many, checked against the charter, sent exactly once."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mktcrm.commands._common import app_ctx, check_accounts, output, parse_range
from mktcrm.commands.reviews import reviews_app
from mktcrm.errors import ExitCode, UsageError
from mktcrm.output import Field, Output, is_tty
from mktcrm.text import one_line

if TYPE_CHECKING:
    from mktcrm.core.deps import Deps
    from mktcrm.core.replies import Draft
    from mktcrm.core.reply_plan import Plan

OUTCOME_FIELDS = (
    Field("account", "id"),
    Field("review_id", "id"),
    Field("state"),
    Field("reply_id", "int"),
    Field("task_id", "int"),
    Field("detail", max_width=70),
)


def _can_prompt() -> bool:
    return is_tty(sys.stdin) and is_tty(sys.stdout)


def _print_findings(out: Output, draft: Draft) -> None:
    for f in draft.findings:
        out.note(f"  {f['line']}:{f['column']} {f['rule']} {f['message']} — {f['hint']}")


def reviews_reply(
    ctx: typer.Context,
    review_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="The review to answer.")] = None,
    account: Annotated[list[str] | None, typer.Option("--account", "-a", help="Account (repeatable).")] = None,
    template: Annotated[
        str | None, typer.Option("--template", "-t", help="Template name (see `templates list`).")
    ] = None,
    text: Annotated[str | None, typer.Option("--text", help="The reply text itself.")] = None,
    edit: Annotated[bool, typer.Option("--edit", help="Edit the text in $EDITOR before it is checked.")] = False,
    unanswered: Annotated[bool, typer.Option("--unanswered", help="Bulk: every review with no reply yet.")] = False,
    rating: Annotated[str | None, typer.Option("--rating", help="Bulk: only these ratings, e.g. 4..5.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan; queue and send nothing.")] = False,
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

    \b
    Examples:
      $ mktcrm reviews reply INT08177186-A --template apology
      $ mktcrm reviews reply --unanswered --rating 4..5 --template thanks --dry-run
      $ mktcrm reviews reply --unanswered --rating 4..5 --template thanks --yes
    """
    from mktcrm.core import outbox

    app = app_ctx(ctx)
    out = output(ctx, fmt, json_)
    names = check_accounts(app, account)
    if (review_id is None) == (not unanswered):
        raise UsageError("give one review ID, or --unanswered for a bulk reply", hint="see mktcrm reviews reply -h")
    if (template is not None and text is not None) or (edit and text is not None) or not (template or text or edit):
        raise UsageError("choose --template, --text or --edit", hint="--edit may start from a --template")
    if edit and not _can_prompt():
        raise UsageError("--edit needs a terminal", hint="use --text or --template")
    if edit and unanswered:
        raise UsageError("--edit answers one review at a time", hint="give a review ID, or use --template in bulk")
    low, high = parse_range(rating) if rating else (None, None)
    deps = app.deps()
    with outbox.outbox_lock(deps):
        _reply(deps, out, review_id, names, (low, high), template, text, edit, dry_run, yes, confirm_negative)


def _reply(
    deps: Deps,
    out: Output,
    review_id: str | None,
    names: list[str],
    ratings: tuple[int | None, int | None],
    template: str | None,
    text: str | None,
    edit: bool,
    dry_run: bool,
    yes: bool,
    confirm_negative: bool,
) -> None:
    from mktcrm.core import replies, reply_plan

    reviews = reply_plan.reviews_to_answer(
        deps, review_id=review_id, accounts=names, rating_min=ratings[0], rating_max=ratings[1]
    )
    if edit:
        text = _edit_text(deps, reviews[0], template)
    drafts = [replies.make_draft(deps, r, template=template, text=text) for r in reviews]
    if not drafts:
        out.note("Nothing to answer: every matching review has a reply or one on its way.")
        return
    plan = reply_plan.plan(drafts, single=review_id is not None, confirm_negative=confirm_negative)
    _show_plan(out, plan)
    if dry_run:
        out.note("Dry run: nothing queued or sent.")
        outcomes = reply_plan.dry_run(plan)
    else:
        _confirm(out, plan, yes)
        outcomes = reply_plan.execute(deps, plan)
        states = Counter(o.state for o in outcomes)
        out.note("Done: " + ", ".join(f"{n} {s}" for s, n in sorted(states.items())))
    out.rows(OUTCOME_FIELDS, [asdict(o) for o in outcomes])
    code = reply_plan.exit_code(outcomes)
    if code:
        raise typer.Exit(code)


def _edit_text(deps: Deps, review: dict[str, Any], template: str | None) -> str:
    import os
    import shlex
    import subprocess
    import tempfile

    from mktcrm.core import replies

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


def _confirm(out: Output, plan: Plan, yes: bool) -> None:
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


def _show_plan(out: Output, plan: Plan) -> None:
    per_account = Counter(d.review["account"] for d in plan.drafts)
    out.note(f"{len(plan.drafts)} replies: " + ", ".join(f"{a} {n}" for a, n in sorted(per_account.items())))
    texts = Counter((d.template or "text") for d in plan.drafts)
    out.note("Texts: " + ", ".join(f"{t} ×{n}" for t, n in sorted(texts.items())))
    if plan.blocked:
        out.note(f"Refused by the charter ({len(plan.blocked)}), not sent:")
        for d in plan.blocked[:5]:
            out.note(f" {d.review['account']} {d.review['id']}:")
            _print_findings(out, d)
    if plan.needs_person:
        out.note(f"{len(plan.needs_person)} replies to negative eBay feedback need a human confirmation each.")


def register(app: typer.Typer) -> None:
    """`reply` joins the `reviews` group."""
    reviews_app.command("reply")(reviews_reply)
