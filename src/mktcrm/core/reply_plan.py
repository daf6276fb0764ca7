"""The reply plan: which reviews get a reply, which are refused or wait for a person, and the exit code.

Policy, not presentation: `reviews reply` parses options, asks its questions on a terminal and
renders; what is sent, skipped or refused, and what the run exits with, is decided here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mktcrm.core import replies
from mktcrm.db import queries
from mktcrm.errors import CharterError, ExitCode, MktcrmError, UsageError

if TYPE_CHECKING:
    from mktcrm.core.deps import Deps


def reviews_to_answer(
    deps: Deps,
    *,
    review_id: str | None,
    accounts: list[str],
    rating_min: int | None = None,
    rating_max: int | None = None,
    since: str | None = None,
) -> list[dict[str, Any]]:
    """One review by id, or every unanswered one matching the filters (`since`: written at or after it)."""
    if review_id is not None:
        return [replies.find_review(deps.db, review_id, accounts[0] if accounts else None)]
    wanted = queries.Filters(
        accounts=accounts, rating_min=rating_min, rating_max=rating_max, unanswered=True, since=since
    )
    return [r for r in queries.reviews(deps.db, wanted) if replies.answered(deps.db, r) is None]


def already_done(deps: Deps, review: dict[str, Any]) -> str | None:
    """Why replying to this one review again is a no-op (exit 0, said plainly); None when it is not."""
    reason = replies.answered(deps.db, review)
    return f"review {review['id']}: {reason}; nothing to do" if reason else None


@dataclass
class Plan:
    """Drafts sorted into refused by the charter, waiting for a person (eBay negatives), and ready to go."""

    drafts: list[replies.Draft]
    single: bool
    blocked: list[replies.Draft] = field(default_factory=list)
    needs_person: list[replies.Draft] = field(default_factory=list)
    ready: list[replies.Draft] = field(default_factory=list)

    def confirmed(self, draft: replies.Draft) -> None:
        """A person read this reply to a negative rating and said yes."""
        self.needs_person.remove(draft)
        self.ready.append(draft)

    def refusal(self, *, can_confirm: bool) -> MktcrmError | None:
        """Why a single reply cannot go ahead at all (None: it can)."""
        if self.single and self.needs_person and not can_confirm:
            return UsageError(
                "eBay forbids automated replies to negative feedback: this one needs a person",
                hint="run it in a terminal to confirm, or pass --confirm-negative after reading the text",
            )
        if self.single and self.blocked:
            message = self.blocked[0].errors[0]["message"]
            return CharterError(f"the charter refuses this reply: {message}", hint="fix the text")
        return None


def plan(drafts: list[replies.Draft], *, single: bool, confirm_negative: bool) -> Plan:
    """--confirm-negative vouches for one reply the user has read; a bulk run never posts a negative eBay reply
    without a per-reply confirmation."""
    result = Plan(drafts, single)
    for d in drafts:
        if d.errors:
            result.blocked.append(d)
        elif d.needs_human and not (confirm_negative and single):
            result.needs_person.append(d)
        else:
            result.ready.append(d)
    return result


def _outcome(draft: replies.Draft, state: str, detail: str = "", code: int = 0) -> replies.Outcome:
    return replies.Outcome(draft.review["account"], draft.review["id"], state, detail, exit_code=code)


def _refused(draft: replies.Draft) -> replies.Outcome:
    first = draft.errors[0]
    return _outcome(draft, "blocked", f"{first['rule']}: {first['message']}", ExitCode.CHARTER)


def dry_run(p: Plan) -> list[replies.Outcome]:
    return [_refused(d) if d.errors else _outcome(d, "planned") for d in p.drafts]


def execute(deps: Deps, p: Plan) -> list[replies.Outcome]:
    """Send what is ready; an account whose marketplace failed temporarily is skipped for the rest of the run."""
    results = [_refused(d) for d in p.blocked]
    skipped = "negative eBay feedback: needs --confirm-negative or a confirmation"
    results += [_outcome(d, "skipped", skipped) for d in p.needs_person]
    failed_accounts: set[str] = set()
    for d in p.ready:
        if d.review["account"] in failed_accounts:
            later = "the marketplace failed earlier in this run; run again later"
            results.append(_outcome(d, "skipped", later, ExitCode.TEMPORARY))
            continue
        outcome = replies.submit(deps, d)
        if outcome.exit_code == ExitCode.TEMPORARY:
            failed_accounts.add(outcome.account)
        results.append(outcome)
    return results


def exit_code(outcomes: list[replies.Outcome]) -> int:
    """0 when all went well; one shared code, or 5 when anything may succeed on a retry, else 1."""
    codes = {o.exit_code for o in outcomes if o.exit_code}
    if not codes:
        return ExitCode.OK
    return max(codes) if ExitCode.TEMPORARY in codes or len(codes) == 1 else ExitCode.ERROR
