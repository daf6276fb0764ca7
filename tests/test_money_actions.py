"""Issue 11, item 7: every action that moves money or closes a case on a marketplace asks first.

`disputes resolve` is the one such action today (Mirakl OR64 closes an incident and may refund; eBay
acceptPaymentDispute refunds the buyer); it asks on a terminal, needs --yes otherwise and has --dry-run
(tests/test_disputes.py). This tripwire keeps it that way: a new write action on any connector fails
here until it is classified, and a money or closing action must go through the same confirmation.
"""

from __future__ import annotations

import inspect

from mktcrm import connectors
from mktcrm.connectors.base import Connector

# Connector methods that write to a marketplace, and whether they move money or close a case.
WRITES = {
    "reply_to_review": False,  # a public reply: exactly-once outbox, --dry-run/--yes on bulk
    "open_dispute": False,  # Mirakl: a message thread on an order
    "send_dispute_message": False,  # a message: exactly-once outbox
    "resolve_dispute": True,  # refund / closed case: `disputes resolve` asks, --yes, --dry-run
    "solicit_review": False,  # Amazon's fixed review request: exactly-once outbox, `solicit --dry-run`
}
READS = {"check", "stream", "remote_reply", "dispute_messages", "dispute_reasons", "solicitation_offered"}
MONEY_WORDS = ("refund", "accept", "cancel", "close", "resolve", "issue", "pay", "credit", "return")


def _public_methods(cls: type) -> set[str]:
    return {name for name, member in vars(cls).items() if not name.startswith("_") and inspect.isfunction(member)}


def test_every_connector_write_action_is_classified() -> None:
    declared = _public_methods(Connector) - READS
    assert declared == set(WRITES), "classify the new action in WRITES (and confirm it if it moves money)"
    assert [name for name, money in WRITES.items() if money] == ["resolve_dispute"]
    for name in connectors.names():
        extra = _public_methods(connectors.get(name)) - set(WRITES) - READS
        suspicious = sorted(m for m in extra if any(word in m for word in MONEY_WORDS))
        assert suspicious == [], f"{name}: {suspicious} look like money or closing actions; route them via confirm"
