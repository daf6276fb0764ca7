"""Replies that recover (issue 11, item 1): a read-back tells "not in the answer" (unknown) from "no reply".

eBay's getFeedback with `feedback_id` returns that one record (the sandbox honours the filter as the spec
says); when an answer does not show the record, the connector looks for it among the newest feedback,
and if it is still not there the row stays `sending`: neither failed nor posted a second time.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from conftest import Home, sandbox_account
from mktcrm.sandbox import OBSERVERS, open_sandbox

TEXT = "Merci pour votre avis, à bientôt !"


@pytest.fixture
def ebay(home: Home) -> Home:
    account, secrets = sandbox_account("ebay", "ebay-fr", orders=120)
    home.configure([account], secrets=secrets)
    home.ok("sync", "--quiet")
    home.sandbox = open_sandbox(account["base_url"])  # type: ignore[attr-defined]
    return home


def _posts(home: Home) -> list[httpx.Request]:
    return [r for r in home.sandbox.requests if r.url.path.endswith("/respond_to_feedback")]  # type: ignore[attr-defined]


def _last_unanswered(home: Home) -> dict[str, Any]:
    """The unanswered positive review furthest down eBay's default order (so never on a first page by chance)."""
    rows = json.loads(home.ok("reviews", "list", "--unanswered", "--rating", "4..5", "--json").stdout)
    assert len(rows) > 25
    return rows[-1]


def _crash_in_sending(home: Home, review_id: str) -> None:
    """The reply is stored by eBay, its answer lost, and eBay goes down: the run ends with the row in `sending`."""

    def outage(sb: Any, request: httpx.Request, response: httpx.Response) -> None:
        if request.url.path.endswith("/respond_to_feedback"):
            sb.faults.server_error_next = 50

    home.sandbox.faults.lose_response_next = 1  # type: ignore[attr-defined]
    OBSERVERS.append(outage)
    try:
        down = home.run("reviews", "reply", review_id, "--text", TEXT)
    finally:
        OBSERVERS.remove(outage)
    home.sandbox.faults.server_error_next = 0  # type: ignore[attr-defined]
    assert down.exit_code == 5, down.stderr
    assert home.sql("SELECT state FROM replies") == [("sending",)]
    assert home.sandbox.reply_of(review_id) == TEXT  # type: ignore[attr-defined]


def test_the_sandbox_returns_only_the_feedback_named_by_feedback_id(ebay: Home) -> None:
    review = _last_unanswered(ebay)
    sandbox = ebay.sandbox  # type: ignore[attr-defined]
    ebay.ok("reviews", "reply", review["id"], "--text", TEXT)
    reads = [r for r in sandbox.requests if "feedback_id" in r.url.params]
    assert reads == []  # a first send needs no read-back
    token = next(iter(sandbox.tokens))
    url = f"{sandbox.base_url}/commerce/feedback/v1/feedback"
    params = {"user_id": sandbox.data.seller, "feedback_type": "FEEDBACK_RECEIVED", "feedback_id": review["id"]}
    answer = sandbox.handler(httpx.Request("GET", url, params=params, headers={"Authorization": f"Bearer {token}"}))
    entries = answer.json()["feedbackEntries"]
    assert [e["feedbackId"] for e in entries] == [review["id"]]
    assert entries[0]["replyComment"]["commentText"] == TEXT
    params["feedback_id"] = "999999999999"
    answer = sandbox.handler(httpx.Request("GET", url, params=params, headers={"Authorization": f"Bearer {token}"}))
    assert answer.json()["feedbackEntries"] == []


def test_a_reply_whose_answer_was_lost_is_found_by_its_id_and_marked_sent(ebay: Home) -> None:
    review = _last_unanswered(ebay)
    _crash_in_sending(ebay, review["id"])
    posts = len(_posts(ebay))
    ebay.ok("reviews", "reply", review["id"], "--text", TEXT)
    assert ebay.sql("SELECT state FROM replies") == [("sent",)]
    assert len(_posts(ebay)) == posts  # read back, not posted again (no 409 needed)


def test_an_answer_without_the_record_is_searched_for_our_own_text(ebay: Home) -> None:
    review = _last_unanswered(ebay)
    _crash_in_sending(ebay, review["id"])
    ebay.sandbox.data.by_feedback_id.pop(review["id"])  # type: ignore[attr-defined]  # the id lookup now misses it
    posts = len(_posts(ebay))
    ebay.ok("reviews", "reply", review["id"], "--text", TEXT)
    assert ebay.sql("SELECT state FROM replies") == [("sent",)]
    assert len(_posts(ebay)) == posts
    searched = [r for r in ebay.sandbox.requests if r.url.params.get("sort") == "TIME"]  # type: ignore[attr-defined]
    assert searched, "the newest feedback was searched"


def test_a_record_the_marketplace_no_longer_shows_stays_sending_not_failed_not_resent(ebay: Home) -> None:
    review = _last_unanswered(ebay)
    _crash_in_sending(ebay, review["id"])
    order = ebay.sandbox.data.by_feedback_id[review["id"]]  # type: ignore[attr-defined]
    order.evaluation.visible = False  # hidden from every answer: nobody can tell whether ours is there
    ebay.sandbox._cache.clear()  # type: ignore[attr-defined]
    posts = len(_posts(ebay))
    again = ebay.run("reviews", "reply", review["id"], "--text", TEXT)
    assert again.exit_code == 5 and "cannot tell" in again.stdout and "Traceback" not in again.stderr
    assert ebay.sql("SELECT state FROM replies") == [("sending",)]
    assert len(_posts(ebay)) == posts
    order.evaluation.visible = True
    ebay.sandbox._cache.clear()  # type: ignore[attr-defined]
    ebay.ok("reviews", "reply", review["id"], "--text", TEXT)
    assert ebay.sql("SELECT state FROM replies") == [("sent",)] and len(_posts(ebay)) == posts


def test_a_failed_read_back_leaves_the_row_where_it_was(ebay: Home) -> None:
    review = _last_unanswered(ebay)
    _crash_in_sending(ebay, review["id"])
    ebay.sandbox.faults.malformed_next = 1  # type: ignore[attr-defined]  # the read-back's answer is cut in half
    again = ebay.run("reviews", "reply", review["id"], "--text", TEXT)
    assert again.exit_code == 1 and "not JSON" in again.stdout
    assert ebay.sql("SELECT state FROM replies") == [("sending",)]  # unknown, so not failed
    ebay.ok("reviews", "reply", review["id"], "--text", TEXT)
    assert ebay.sql("SELECT state FROM replies") == [("sent",)]


def test_a_409_whose_read_back_cannot_tell_stays_sending(ebay: Home) -> None:
    review = _last_unanswered(ebay)
    order = ebay.sandbox.data.by_feedback_id[review["id"]]  # type: ignore[attr-defined]
    order.evaluation.reply, order.evaluation.reply_date = TEXT, 1.0  # ours, posted from elsewhere
    order.evaluation.visible = False  # and no answer shows the feedback
    ebay.sandbox._cache.clear()  # type: ignore[attr-defined]
    first = ebay.run("reviews", "reply", review["id"], "--text", TEXT)
    assert first.exit_code == 5 and "duplicate of something" in first.stdout
    assert ebay.sql("SELECT state FROM replies") == [("sending",)]  # not failed: it may well be ours
    order.evaluation.visible = True
    ebay.sandbox._cache.clear()  # type: ignore[attr-defined]
    posts = len(_posts(ebay))
    ebay.ok("reviews", "reply", review["id"], "--text", TEXT)
    assert ebay.sql("SELECT state FROM replies") == [("sent",)] and len(_posts(ebay)) == posts
