"""Replying to reviews, exactly once (DESIGN §6).

review → text (template or given) → charter check → outbox row (idempotency key, committed)
→ the marketplace's reply API, or a task where there is none; the delivery itself is the one
outbox's (`core.outbox`). A review never gets a second outbox row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from mktcrm import connectors
from mktcrm.core import outbox, segments
from mktcrm.core import templates as tpl
from mktcrm.db import outbox as rows
from mktcrm.db import queries
from mktcrm.errors import NotFoundError, UsageError
from mktcrm.text import clean

if TYPE_CHECKING:
    import sqlite3

    from mktcrm.config import Settings
    from mktcrm.connectors.base import Connector
    from mktcrm.core.deps import Deps


def negative_needs_human(marketplace: str) -> int | None:
    """The highest rating whose reply needs a person on this marketplace (None: none does)."""
    return connectors.get(marketplace).negative_needs_human


def reply_target(marketplace: str) -> str | None:
    """The charter target a public reply to a review is checked against on this marketplace."""
    return connectors.get(marketplace).reply_target


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
        limit = negative_needs_human(self.review["marketplace"])
        return limit is not None and (self.review.get("rating") or 5) <= limit


@dataclass
class Outcome:
    account: str
    review_id: str
    state: str  # sent | task | failed | blocked | skipped | planned
    detail: str = ""
    reply_id: int | None = None
    task_id: int | None = None
    exit_code: int = 0


@dataclass
class ReviewReply:
    """The outbox kind for a public reply to one review."""

    table: ClassVar[str] = "replies"
    task_kind: ClassVar[str] = "reply_review"
    conflict: ClassVar[str] = "the review already has another reply"
    review: dict[str, Any]

    @property
    def account(self) -> str:
        return str(self.review["account"])

    def via_api(self) -> bool:
        from mktcrm import connectors

        return connectors.get(self.review["marketplace"]).capabilities.get("reply_review") == "api"

    def send(self, connector: Connector, row: dict[str, Any]) -> str | None:
        return connector.reply_to_review(self.review, row["body"], row["idempotency_key"])

    def read_back(self, connector: Connector, row: dict[str, Any]) -> outbox.Remote:
        return outbox.judge(connector.remote_reply(self.review), row["body"], single=True)

    def task(self, row: dict[str, Any], instructions: str | None) -> outbox.Task:
        from mktcrm import connectors

        title = f"Reply to the {self.review.get('rating')}★ review {row['review_id']} on {row['account']}"
        where = instructions or connectors.get(row["marketplace"]).reply_instructions(self.review)
        return outbox.Task(row["review_id"], title, where)

    @staticmethod
    def record_sent(db: sqlite3.Connection, row: dict[str, Any], remote_id: str | None, at: str) -> None:
        """Nothing more: the next sync brings the reply onto the review itself."""


def find_review(db: sqlite3.Connection, review_id: str, account: str | None) -> dict[str, Any]:
    found = queries.review(db, review_id, account)
    if not found:
        raise NotFoundError(f"no review with id {review_id!r}", hint="list ids with: mktcrm reviews list")
    if len(found) > 1:
        names = ", ".join(r["account"] for r in found)
        raise UsageError(f"review id {review_id!r} exists in several accounts ({names})", hint="add --account NAME")
    return found[0]


def check_text(settings: Settings, text: str, marketplace: str) -> list[dict[str, Any]]:
    from dataclasses import asdict

    from mktcrm.core import charter

    brand = settings.brand if settings.exists else None
    target = reply_target(marketplace)
    return [asdict(f) for f in charter.check(text, marketplace=marketplace, target=target, brand=brand)]


def make_draft(deps: Deps, review: dict[str, Any], *, template: str | None, text: str | None) -> Draft:
    """Render (if a template) and check; raises only for template errors."""
    if text is None:
        if not template:
            raise UsageError("say what to reply", hint="pass --template NAME or --text TEXT")
        found = tpl.available(deps.templates_dir, deps.settings.templates)
        listing = queries.first_line_title(deps.db, review["account"], review.get("order_id"))
        variables = tpl.variables_for(review, str(deps.settings.brand.get("signature", "")), listing)
        variables["buyer"] = segments.for_template(deps, review["account"], review_id=review["id"])
        chosen = tpl.resolve(found, template, variables["language"])
        text = tpl.render(chosen, variables)
        template = chosen.name
    text = clean(text).strip()  # control characters never reach a marketplace
    return Draft(review, text, template, check_text(deps.settings, text, review["marketplace"]))


def _reply_row(db: sqlite3.Connection, review: dict[str, Any]) -> dict[str, Any] | None:
    found = rows.rows_for(db, ReviewReply.table, review["account"], review["id"])
    return found[0] if found else None


def answered(db: sqlite3.Connection, review: dict[str, Any]) -> str | None:
    """Why this review needs no reply (None when it does)."""
    if review.get("replied_at") or review.get("reply_body"):
        return "already has a public reply"
    row = _reply_row(db, review)
    if row is None:
        return None
    if row["state"] == "sent":
        return "reply already sent"
    if row["state"] == "manual_done":
        return "reply already posted by hand"
    if row["task_id"]:
        return f"reply waiting in task {row['task_id']} (`mktcrm tasks done {row['task_id']}` once pasted)"
    return None


def submit(deps: Deps, draft: Draft) -> Outcome:
    """Queue the checked text (refused by the charter: nothing queued) and deliver it."""
    review = draft.review
    if draft.errors:
        first = draft.errors[0]
        return Outcome(review["account"], review["id"], "blocked", f"{first['rule']}: {first['message']}", exit_code=6)
    kind, row = ReviewReply(review), _reply_row(deps.db, review)
    if row is None:
        rows.enqueue(
            deps.db,
            kind.table,
            account=review["account"],
            ref=review["id"],
            marketplace=review["marketplace"],
            body=draft.text,
            template=draft.template,
            findings=draft.findings,
            at=deps.stamp(),
            operator=deps.operator,
        )
    elif row["state"] in ("queued", "failed") and row["body"] != draft.text:
        rows.rewrite(
            deps.db,
            kind.table,
            row["id"],
            body=draft.text,
            template=draft.template,
            findings=draft.findings,
            at=deps.stamp(),
        )
    row = _reply_row(deps.db, review)
    assert row is not None
    done = outbox.deliver(deps, kind, row)
    detail = "no reply API: paste it by hand" if done.state == "task" else done.detail
    return Outcome(kind.account, review["id"], done.state, detail, done.row_id, done.task_id, done.exit_code)


def outbox_rows(db: sqlite3.Connection, states: list[str], accounts: list[str]) -> list[dict[str, Any]]:
    """`replies list`: the review-reply outbox in these states (any when empty), with each review's rating."""
    return rows.replies(db, states, accounts)
