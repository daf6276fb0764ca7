"""The reply plan and its exit code: policy decided in core, the same for every command that replies."""

from __future__ import annotations

from typing import Any

import pytest

from mktcrm.core import reply_plan
from mktcrm.core.replies import Draft, Outcome
from mktcrm.errors import CharterError, UsageError

REFUSAL = {"severity": "error", "rule": "PII-PHONE", "message": "a phone number", "line": 1, "column": 1, "hint": ""}


def _draft(marketplace: str, rating: int, *findings: dict[str, Any]) -> Draft:
    review = {"account": f"{marketplace}-1", "id": f"R{rating}", "marketplace": marketplace, "rating": rating}
    return Draft(review, "Merci pour votre avis.", None, list(findings))


def test_the_plan_sorts_refused_negative_ebay_and_ready_drafts() -> None:
    refused, negative, fine = _draft("ebay", 5, REFUSAL), _draft("ebay", 1), _draft("mirakl", 1)
    plan = reply_plan.plan([refused, negative, fine], single=False, confirm_negative=True)
    assert (plan.blocked, plan.needs_person, plan.ready) == ([refused], [negative], [fine])
    plan.confirmed(negative)
    assert (plan.needs_person, plan.ready) == ([], [fine, negative])


def test_confirm_negative_vouches_for_a_single_reply_only() -> None:
    negative = _draft("ebay", 2)
    assert reply_plan.plan([negative], single=True, confirm_negative=True).ready == [negative]
    assert reply_plan.plan([negative], single=True, confirm_negative=False).needs_person == [negative]


def test_a_single_reply_is_refused_without_a_person_or_against_the_charter() -> None:
    waiting = reply_plan.plan([_draft("ebay", 1)], single=True, confirm_negative=False)
    assert isinstance(waiting.refusal(can_confirm=False), UsageError)
    assert waiting.refusal(can_confirm=True) is None
    refused = reply_plan.plan([_draft("ebay", 5, REFUSAL)], single=True, confirm_negative=False)
    assert isinstance(refused.refusal(can_confirm=True), CharterError)


def test_a_dry_run_plans_everything_and_says_what_the_charter_refuses() -> None:
    plan = reply_plan.plan([_draft("ebay", 5, REFUSAL), _draft("etsy", 4)], single=False, confirm_negative=False)
    outcomes = reply_plan.dry_run(plan)
    assert [(o.state, o.exit_code) for o in outcomes] == [("blocked", 6), ("planned", 0)]
    assert outcomes[0].detail == "PII-PHONE: a phone number"


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ((), 0),
        ((0, 0), 0),
        ((6, 6, 0), 6),  # every failure the same: that code
        ((5, 6), 6),  # something may pass on a retry: the highest
        ((1, 5), 5),
        ((1, 6), 1),  # different failures, none temporary: a plain error
    ],
)
def test_the_exit_code_over_outcomes(codes: tuple[int, ...], expected: int) -> None:
    outcomes = [Outcome("a", str(i), "failed" if c else "sent", exit_code=c) for i, c in enumerate(codes)]
    assert reply_plan.exit_code(outcomes) == expected
