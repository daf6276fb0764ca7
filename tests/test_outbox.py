"""The one outbox: a crash between the marketplace's write and our commit is read back, never resent.

Both kinds it delivers today are driven here through the real CLI and the sandbox marketplaces: a
review reply (eBay, which has a reply API) and a message on a dispute (Mirakl threads). The crash
is real: the sandbox stores the text, then the run dies (KeyboardInterrupt, as Ctrl-C or SIGTERM
would) or loses the answer and the marketplace goes down, before `sent` is committed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from conftest import Home, sandbox, sandbox_account
from mktcrm.context import AppContext
from mktcrm.core import dispute_messages, disputes, outbox, replies
from mktcrm.db import outbox as rows
from mktcrm.sandbox import OBSERVERS, open_sandbox

FIXED = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
def ebay(home: Home) -> Home:
    account, secrets = sandbox_account("ebay", "ebay-fr")
    home.configure([account], secrets=secrets)
    home.ok("sync", "--quiet")
    home.sandbox = open_sandbox(account["base_url"])  # type: ignore[attr-defined]
    return home


@pytest.fixture
def mirakl(home: Home) -> Home:
    home.configure()
    home.ok("sync", "--stream", "threads", "--quiet")
    return home


def _crash_after(path_end: str) -> Any:
    """An observer that kills the run once the sandbox has stored a write to `path_end`."""

    def crash(sb: Any, request: httpx.Request, response: httpx.Response) -> None:
        if request.method == "POST" and request.url.path.endswith(path_end) and response.status_code < 300:
            raise KeyboardInterrupt

    return crash


@pytest.fixture
def observer() -> Iterator[list[Any]]:
    added: list[Any] = []
    yield added
    for fn in added:
        OBSERVERS.remove(fn)


def _watch(added: list[Any], fn: Any) -> None:
    OBSERVERS.append(fn)
    added.append(fn)


def _unanswered(home: Home) -> dict[str, Any]:
    rows = json.loads(home.ok("reviews", "list", "--unanswered", "--rating", "4..5", "--json").stdout)
    return rows[0]


def _reply_posts(home: Home) -> list[httpx.Request]:
    return [r for r in home.sandbox.requests if r.url.path.endswith("/respond_to_feedback")]  # type: ignore[attr-defined]


def _thread_dispute(home: Home) -> tuple[str, Any]:
    """A Mirakl thread waiting for the seller, as a dispute id and the sandbox's thread."""
    dispute_id, thread_id = home.sql(
        "SELECT id, thread_id FROM disputes WHERE kind = 'inquiry' AND status = 'awaiting_seller' ORDER BY id LIMIT 1"
    )[0]
    return dispute_id, sandbox().inbox.threads[thread_id]


def _shop_messages(thread: Any, text: str) -> int:
    return sum(1 for m in thread.messages if m.sender == "SHOP_USER" and m.body == text)


# -- review replies ------------------------------------------------------------------------------------------


def test_a_reply_interrupted_after_the_marketplace_stored_it_is_read_back_not_resent(
    ebay: Home, observer: list[Any]
) -> None:
    review, text = _unanswered(ebay), "Merci beaucoup pour votre retour !"
    _watch(observer, _crash_after("/respond_to_feedback"))
    crashed = ebay.run("reviews", "reply", review["id"], "--text", text)
    assert crashed.exit_code == 130
    assert ebay.sql("SELECT state FROM replies") == [("sending",)]
    assert ebay.sandbox.reply_of(review["id"]) == text  # type: ignore[attr-defined]
    OBSERVERS.remove(observer.pop())
    again = json.loads(ebay.ok("reviews", "reply", review["id"], "--text", text, "--json").stdout)[0]
    assert again["state"] == "sent" and "not sent again" in again["detail"]
    assert ebay.sql("SELECT state, attempts FROM replies") == [("sent", 1)]
    assert len(_reply_posts(ebay)) == 1


def test_a_failed_reply_is_read_back_before_it_is_retried(ebay: Home) -> None:
    review = _unanswered(ebay)
    assert ebay.run("reviews", "reply", review["id"], "--text", "Merci beaucoup <3").exit_code == 1
    assert ebay.sql("SELECT state FROM replies") == [("failed",)]
    seen = len(ebay.sandbox.requests)  # type: ignore[attr-defined]
    ebay.ok("reviews", "reply", review["id"], "--text", "Merci beaucoup pour votre avis.")
    later = [(r.method, r.url.path) for r in ebay.sandbox.requests[seen:]]  # type: ignore[attr-defined]
    read_back = next(i for i, (method, path) in enumerate(later) if method == "GET" and path.endswith("/feedback"))
    posted = next(i for i, (method, path) in enumerate(later) if path.endswith("/respond_to_feedback"))
    assert read_back < posted
    assert ebay.sql("SELECT state, attempts FROM replies") == [("sent", 2)]


def test_someone_elses_reply_found_on_a_rerun_is_never_taken_for_ours(ebay: Home) -> None:
    review = _unanswered(ebay)
    order = ebay.sandbox.data.by_feedback_id[review["id"]]  # type: ignore[attr-defined]
    order.evaluation.reply = "Réponse postée depuis le Seller Hub."
    for _ in range(2):
        result = ebay.run("reviews", "reply", review["id"], "--text", "Merci !")
        assert result.exit_code == 1 and "already has another reply" in result.stderr + result.stdout
        assert ebay.sql("SELECT state FROM replies") == [("failed",)]
    assert ebay.sandbox.reply_of(review["id"]) == "Réponse postée depuis le Seller Hub."  # type: ignore[attr-defined]


# -- dispute messages ----------------------------------------------------------------------------------------


def test_a_dispute_message_interrupted_after_mirakl_stored_it_is_read_back_not_resent(
    mirakl: Home, observer: list[Any]
) -> None:
    dispute_id, thread = _thread_dispute(mirakl)
    text = "Bonjour, nous regardons votre demande aujourd'hui."
    _watch(observer, _crash_after("/message"))
    assert mirakl.run("disputes", "message", dispute_id, "--text", text).exit_code == 130
    assert mirakl.sql("SELECT state FROM dispute_messages") == [("sending",)]
    assert _shop_messages(thread, text) == 1
    OBSERVERS.remove(observer.pop())
    again = mirakl.ok("disputes", "message", dispute_id, "--text", text)  # the same command, run again
    assert "not sent again" in again.stderr
    assert mirakl.sql("SELECT state FROM dispute_messages") == [("sent",)]
    assert _shop_messages(thread, text) == 1
    events = mirakl.sql("SELECT count(*) FROM dispute_events WHERE dispute_id = ? AND body = ?", dispute_id, text)
    assert events == [(1,)]


def test_a_lost_answer_then_an_outage_leaves_sending_and_the_next_message_finishes_it_first(
    mirakl: Home, observer: list[Any]
) -> None:
    dispute_id, thread = _thread_dispute(mirakl)
    first, second = "Bonjour, votre colis est reparti ce matin.", "Voici le numéro de suivi : 1Z999."
    sb = sandbox()
    sb.faults.lose_response_next = 1

    def outage(s: Any, request: httpx.Request, response: httpx.Response) -> None:
        if request.method == "POST" and request.url.path.endswith("/message"):
            s.faults.server_error_next = 10  # down right after storing it: the read-back cannot get through

    _watch(observer, outage)
    assert mirakl.run("disputes", "message", dispute_id, "--text", first).exit_code == 5
    assert mirakl.sql("SELECT state FROM dispute_messages") == [("sending",)]
    OBSERVERS.remove(observer.pop())
    sb.faults.server_error_next = 0
    mirakl.ok("disputes", "message", dispute_id, "--text", second)
    assert mirakl.sql("SELECT body, state FROM dispute_messages ORDER BY id") == [(first, "sent"), (second, "sent")]
    assert (_shop_messages(thread, first), _shop_messages(thread, second)) == (1, 1)


def test_a_message_the_charter_refuses_queues_nothing_and_posts_nothing(mirakl: Home) -> None:
    dispute_id, thread = _thread_dispute(mirakl)
    before = len(thread.messages)
    refused = mirakl.run("disputes", "message", dispute_id, "--text", "Appelez-moi au 06 12 34 56 78")
    assert refused.exit_code == 6
    assert mirakl.count("dispute_messages") == 0 and len(thread.messages) == before


# -- the clock is injected -----------------------------------------------------------------------------------


def _deps_at_fixed_time() -> Any:
    app = AppContext.create(None, None, verbose=False, no_color=True)
    return replace(app.deps(), now=lambda: FIXED)


def test_a_reply_delivered_by_core_carries_the_injected_clock(ebay: Home) -> None:
    deps = _deps_at_fixed_time()
    review = replies.find_review(deps.db, _unanswered(ebay)["id"], None)
    with outbox.outbox_lock(deps):
        outcome = replies.submit(deps, replies.make_draft(deps, review, template=None, text="Merci, à bientôt !"))
    assert (outcome.state, outcome.exit_code) == ("sent", 0)
    stamp = "2030-01-02T03:04:05Z"
    assert ebay.sql("SELECT state, created_at, updated_at, sent_at FROM replies") == [("sent", stamp, stamp, stamp)]


def test_a_dispute_message_delivered_by_core_joins_the_timeline_at_the_injected_time(mirakl: Home) -> None:
    dispute_id, thread = _thread_dispute(mirakl)
    deps = _deps_at_fixed_time()
    dispute = disputes.find(AppContext.create(None, None, verbose=False, no_color=True), dispute_id)
    with outbox.outbox_lock(deps):
        action = dispute_messages.send(deps, dispute, "Bonjour, c'est noté, merci.", None)
    assert action.result == "sent"
    event = mirakl.sql("SELECT at, author, event_id FROM dispute_events WHERE body = 'Bonjour, c''est noté, merci.'")
    assert event == [("2030-01-02T03:04:05Z", "seller", thread.messages[-1].id)]


class PartialAnswer(replies.ReviewReply):
    """A reply whose marketplace answers a read-back only in part: absence there proves nothing."""

    def read_back(self, connector: Any, row: dict[str, Any]) -> outbox.Remote:
        return outbox.Remote.UNKNOWN


def test_a_row_in_sending_is_not_resent_when_the_read_back_cannot_tell(ebay: Home) -> None:
    deps = _deps_at_fixed_time()
    review = replies.find_review(deps.db, _unanswered(ebay)["id"], None)
    kind = PartialAnswer(review)
    stamp = deps.stamp()
    row_id = rows.enqueue(
        deps.db,
        kind.table,
        account=kind.account,
        ref=review["id"],
        marketplace="ebay",
        body="Merci !",
        template=None,
        findings=[],
        at=stamp,
    )
    rows.move(deps.db, kind.table, row_id, "sending", at=stamp)  # where a crash mid-send leaves it
    row = rows.get(deps.db, kind.table, row_id)
    assert row is not None
    done = outbox.deliver(deps, kind, row)
    assert (done.state, done.exit_code) == ("failed", 5) and "not sent again" in done.detail
    assert ebay.sql("SELECT state, attempts FROM replies") == [("sending", 1)]
    assert _reply_posts(ebay) == []
