"""Replying to reviews, exactly once (DESIGN §6).

review → text (template or given) → charter check → outbox row (idempotency key, committed)
→ the marketplace's reply API, or a task where there is none. Each state change is committed
on its own; a reply left in `sending` by a crash is reconciled by reading the marketplace's
reply back before anything is resent. A review never gets a second outbox row.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mktcrm import connectors
from mktcrm.core import templates as tpl
from mktcrm.db import outbox, queries
from mktcrm.errors import ConflictError, MktcrmError, NotFoundError, TemporaryError, UsageError
from mktcrm.output import clean

if TYPE_CHECKING:
    from mktcrm.context import AppContext


@dataclass
class Draft:
    review: dict[str, Any]
    text: str
    template: str | None
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [f for f in self.findings if f["severity"] == "error"]

    @property
    def needs_human(self) -> bool:
        limit = connectors.get(self.review["marketplace"]).negative_needs_human
        return limit is not None and (self.review.get("rating") or 5) <= limit


@dataclass
class Outcome:
    account: str
    review_id: str
    state: str  # sent | task | failed | blocked | skipped
    detail: str = ""
    reply_id: int | None = None
    task_id: int | None = None
    exit_code: int = 0


@contextmanager
def outbox_lock(app: AppContext) -> Iterator[None]:
    """One sender at a time per cache: a second run must not read the first one's `sending` rows as a crash."""
    from filelock import FileLock, Timeout

    lock = FileLock(f"{app.paths.db}.outbox.lock")
    try:
        lock.acquire(timeout=app.settings.lock_timeout_seconds)
    except Timeout:
        raise TemporaryError(
            "another mktcrm run is sending replies or messages", hint="retry when it is done"
        ) from None
    try:
        yield
    finally:
        lock.release()


def find_review(app: AppContext, review_id: str, account: str | None) -> dict[str, Any]:
    found = queries.review(app.db, review_id, account)
    if not found:
        raise NotFoundError(f"no review with id {review_id!r}", hint="list ids with: mktcrm reviews list")
    if len(found) > 1:
        names = ", ".join(r["account"] for r in found)
        raise UsageError(f"review id {review_id!r} exists in several accounts ({names})", hint="add --account NAME")
    return found[0]


def check_text(app: AppContext, text: str, marketplace: str) -> list[dict[str, Any]]:
    from dataclasses import asdict

    from mktcrm.core import charter

    brand = app.settings.brand if app.settings.exists else None
    target = connectors.get(marketplace).reply_target
    return [asdict(f) for f in charter.check(text, marketplace=marketplace, target=target, brand=brand)]


def make_draft(app: AppContext, review: dict[str, Any], *, template: str | None, text: str | None) -> Draft:
    """Render (if a template) and check; raises only for template errors."""
    if text is None:
        if not template:
            raise UsageError("say what to reply", hint="pass --template NAME or --text TEXT")
        folder = app.paths.config.parent / "templates"
        found = tpl.available(folder, app.settings.templates)
        listing = queries.first_line_title(app.db, review["account"], review.get("order_id"))
        variables = tpl.variables_for(review, str(app.settings.brand.get("signature", "")), listing)
        chosen = tpl.resolve(found, template, variables["language"])
        text = tpl.render(chosen, variables)
        template = chosen.name
    text = clean(text).strip()  # control characters never reach a marketplace
    return Draft(review, text, template, check_text(app, text, review["marketplace"]))


def answered(app: AppContext, review: dict[str, Any]) -> str | None:
    """Why this review needs no reply (None when it does)."""
    if review.get("replied_at") or review.get("reply_body"):
        return "already has a public reply"
    row = outbox.reply_for(app.db, review["account"], review["id"])
    if row is None:
        return None
    if row["state"] == "sent":
        return "reply already sent"
    if row["state"] == "manual_done":
        return "reply already posted by hand"
    if row["task_id"]:
        return f"reply waiting in task {row['task_id']} (`mktcrm tasks done {row['task_id']}` once pasted)"
    return None


def submit(app: AppContext, draft: Draft) -> Outcome:
    """Queue the checked text (refused by the charter: nothing queued) and deliver it."""
    review = draft.review
    if draft.errors:
        first = draft.errors[0]
        return Outcome(review["account"], review["id"], "blocked", f"{first['rule']}: {first['message']}", exit_code=6)
    row = outbox.reply_for(app.db, review["account"], review["id"])
    if row is None:
        reply_id = outbox.create_reply(
            app.db,
            account=review["account"],
            review_id=review["id"],
            marketplace=review["marketplace"],
            body=draft.text,
            template=draft.template,
            findings=draft.findings,
        )
        row = outbox.get_reply(app.db, reply_id)
        assert row is not None
    elif row["state"] in ("queued", "failed") and row["body"] != draft.text:
        outbox.rewrite(app.db, row["id"], draft.text, draft.template, draft.findings)
        row = outbox.get_reply(app.db, row["id"])
        assert row is not None
    return deliver(app, row, review)


def deliver(app: AppContext, row: dict[str, Any], review: dict[str, Any]) -> Outcome:
    """Send one outbox row through the API, or turn it into a task; every step committed."""
    from mktcrm import connectors

    connector_cls = connectors.get(row["marketplace"])
    outcome = Outcome(row["account"], row["review_id"], "failed", reply_id=row["id"])
    if connector_cls.capabilities.get("reply_review") != "api":
        account = app.settings.account(row["account"])
        task_id = outbox.create_task(
            app.db,
            account=row["account"],
            marketplace=row["marketplace"],
            kind="reply_review",
            ref_id=row["review_id"],
            title=f"Reply to the {review.get('rating')}★ review {row['review_id']} on {account.name}",
            body=row["body"],
            instructions=connector_cls.reply_instructions(review),
        )
        outbox.link_task(app.db, row["id"], task_id)
        outcome.state, outcome.task_id, outcome.detail = "task", task_id, "no reply API: paste it by hand"
        return outcome
    try:
        connector = app.connector_for(app.settings.account(row["account"]))
    except MktcrmError as exc:  # e.g. a missing secret: this account is skipped, the others go on
        outcome.detail, outcome.exit_code = exc.message, int(exc.exit_code)
        return outcome
    try:
        if row["state"] in ("sending", "failed"):
            # A previous run may have posted it before dying: read back before sending again.
            remote = connector.remote_reply(review)
            if remote is not None:
                if row["state"] == "failed":
                    outbox.move(app.db, row["id"], "sending")
                outbox.move(app.db, row["id"], "sent")
                outcome.state, outcome.detail = "sent", "found already posted; not sent again"
                return outcome
            if row["state"] == "sending":
                outbox.move(app.db, row["id"], "queued")
        outbox.move(app.db, row["id"], "sending")
        try:
            remote_id = connector.reply_to_review(review, row["body"], row["idempotency_key"])
        except ConflictError:
            remote = connector.remote_reply(review)
            if remote is not None and remote.strip() == row["body"].strip():
                remote_id = None  # ours, posted by an earlier attempt
            else:
                outbox.move(app.db, row["id"], "failed", error="the review already has another reply")
                outcome.detail, outcome.exit_code = "the review already has another reply on the marketplace", 1
                return outcome
        outbox.move(app.db, row["id"], "sent", remote_id=remote_id)
        outcome.state = "sent"
        return outcome
    except MktcrmError as exc:
        current = outbox.get_reply(app.db, row["id"])
        if current and current["state"] == "sending" and not isinstance(exc, TemporaryError):
            outbox.move(app.db, row["id"], "failed", error=exc.message)
        elif current and current["state"] == "sending":
            # Unknown whether it arrived: stay in `sending`; the next run reads back before resending.
            pass
        outcome.detail, outcome.exit_code = exc.message, int(exc.exit_code)
        return outcome
    finally:
        connector.ctx.client.close()
