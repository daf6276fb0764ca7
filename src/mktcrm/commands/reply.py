"""`reviews reply`: one review or many, checked against the charter, sent exactly once."""

from __future__ import annotations

import sys
from collections import Counter
from typing import Annotated, Any

import typer

from mktcrm.commands._common import app_ctx, check_accounts, output, parse_range
from mktcrm.commands.reviews import reviews_app
from mktcrm.errors import ExitCode, UsageError
from mktcrm.output import Field, Output, is_tty
from mktcrm.text import one_line

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


def _print_findings(out: Output, draft: Any) -> None:
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
    from mktcrm.core import replies

    app = app_ctx(ctx)
    with replies.outbox_lock(app):
        _reply(
            app,
            ctx,
            review_id,
            account,
            template,
            text,
            edit,
            unanswered,
            rating,
            dry_run,
            yes,
            confirm_negative,
            fmt,
            json_,
        )


def _reply(
    app: Any,
    ctx: typer.Context,
    review_id: str | None,
    account: list[str] | None,
    template: str | None,
    text: str | None,
    edit: bool,
    unanswered: bool,
    rating: str | None,
    dry_run: bool,
    yes: bool,
    confirm_negative: bool,
    fmt: str,
    json_: bool,
) -> None:
    from mktcrm.core import replies

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
    if review_id is not None:
        review = replies.find_review(app, review_id, names[0] if names else None)
        reason = replies.answered(app, review)
        if reason:
            raise UsageError(f"review {review_id!r}: {reason}", hint="nothing to do; see mktcrm replies list")
        reviews = [review]
    else:
        from mktcrm.db import queries

        low, high = parse_range(rating) if rating else (None, None)
        f = queries.Filters(accounts=names, rating_min=low, rating_max=high, unanswered=True)
        reviews = [r for r in queries.reviews(app.db, f) if replies.answered(app, r) is None]
    if edit:
        text = _edit_text(app, reviews[0], template)
    drafts = [replies.make_draft(app, r, template=template, text=text) for r in reviews]
    results = _run(app, out, drafts, single=review_id is not None, dry_run=dry_run, yes=yes, confirm=confirm_negative)
    if results:
        out.rows(OUTCOME_FIELDS, results)
    codes = [r["exit_code"] for r in results if r["exit_code"]]
    if codes:
        raise typer.Exit(max(codes) if ExitCode.TEMPORARY in codes or len(set(codes)) == 1 else ExitCode.ERROR)


def _edit_text(app: Any, review: dict[str, Any], template: str | None) -> str:
    import os
    import shlex
    import subprocess
    import tempfile

    from mktcrm.core import replies

    start = replies.make_draft(app, review, template=template, text=None).text if template else ""
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


def _run(
    app: Any, out: Output, drafts: list[Any], *, single: bool, dry_run: bool, yes: bool, confirm: bool
) -> list[dict[str, Any]]:
    from mktcrm.core import replies

    if not drafts:
        out.note("Nothing to answer: every matching review has a reply or one on its way.")
        return []
    blocked = [d for d in drafts if d.errors]
    # eBay: a negative rating's reply needs a person. --confirm-negative vouches for one reply the user
    # has read; a bulk run never posts them without a per-reply confirmation on a terminal.
    human = [d for d in drafts if not d.errors and d.needs_human and not (confirm and single)]
    ready = [d for d in drafts if not d.errors and d not in human]
    _plan(out, drafts, blocked, human)
    if dry_run:
        out.note("Dry run: nothing queued or sent.")
        return [_row(d, "blocked" if d.errors else "planned") for d in drafts]
    if single and human and not _can_prompt():
        raise UsageError(
            "eBay forbids automated replies to negative feedback: this one needs a person",
            hint="run it in a terminal to confirm, or pass --confirm-negative after reading the text",
        )
    if single and blocked:
        from mktcrm.errors import CharterError

        raise CharterError(f"the charter refuses this reply: {blocked[0].errors[0]['message']}", hint="fix the text")
    if not single and ready and not yes:
        if not _can_prompt():
            raise UsageError("a bulk reply needs confirmation", hint="add --yes (or --dry-run to see the plan)")
        if not typer.confirm(f"Send or queue {len(ready)} replies?", default=False):
            raise typer.Exit(ExitCode.OK)
    if human and _can_prompt():
        for d in list(human):
            out.note(f"\n{d.review['account']} {d.review['id']} ({d.review.get('rating')}★): {one_line(d.text)}")
            if typer.confirm("eBay forbids automated replies to negative feedback. Send this one?", default=False):
                human.remove(d)
                ready.append(d)
    results = [_row(d, "blocked", d.errors[0]["rule"] + ": " + d.errors[0]["message"], 6) for d in blocked]
    results += [_row(d, "skipped", "negative eBay feedback: needs --confirm-negative or a confirmation") for d in human]
    failed_accounts: set[str] = set()
    for d in ready:
        if d.review["account"] in failed_accounts:
            results.append(_row(d, "skipped", "the marketplace failed earlier in this run; run again later", 5))
            continue
        outcome = replies.submit(app, d)
        if outcome.exit_code == ExitCode.TEMPORARY:
            failed_accounts.add(outcome.account)
        results.append(
            {
                **_row(d, outcome.state, outcome.detail, outcome.exit_code),
                "reply_id": outcome.reply_id,
                "task_id": outcome.task_id,
            }
        )
    states = Counter(r["state"] for r in results)
    out.note("Done: " + ", ".join(f"{n} {s}" for s, n in sorted(states.items())))
    return results


def _plan(out: Output, drafts: list[Any], blocked: list[Any], human: list[Any]) -> None:
    per_account = Counter(d.review["account"] for d in drafts)
    out.note(f"{len(drafts)} replies: " + ", ".join(f"{a} {n}" for a, n in sorted(per_account.items())))
    texts = Counter((d.template or "text") for d in drafts)
    out.note("Texts: " + ", ".join(f"{t} ×{n}" for t, n in sorted(texts.items())))
    if blocked:
        out.note(f"Refused by the charter ({len(blocked)}), not sent:")
        for d in blocked[:5]:
            out.note(f" {d.review['account']} {d.review['id']}:")
            _print_findings(out, d)
    if human:
        out.note(f"{len(human)} replies to negative eBay feedback need a human confirmation each.")


def _row(draft: Any, state: str, detail: str = "", code: int = 0) -> dict[str, Any]:
    return {
        "account": draft.review["account"],
        "review_id": draft.review["id"],
        "state": state,
        "reply_id": None,
        "task_id": None,
        "detail": detail,
        "exit_code": code,
    }


def register(app: typer.Typer) -> None:
    """`reply` joins the `reviews` group."""
    reviews_app.command("reply")(reviews_reply)
