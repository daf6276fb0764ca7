"""Replies through eBay's respond_to_feedback: sent once, read back after a crash, never automatic on negatives."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from conftest import Home, sandbox_account
from mktcrm.sandbox import OBSERVERS, open_sandbox


@pytest.fixture
def ebay(home: Home) -> Home:
    account, secrets = sandbox_account("ebay", "ebay-fr")
    home.configure([account], secrets=secrets)
    home.ok("sync", "--quiet")
    home.sandbox = open_sandbox(account["base_url"])  # type: ignore[attr-defined]
    return home


def _review(home: Home, rating: str) -> dict[str, Any]:
    rows = json.loads(home.ok("reviews", "list", "--unanswered", "--rating", rating, "--json").stdout)
    assert rows, f"the sandbox needs an unanswered {rating} review"
    return rows[0]


def _posts(home: Home) -> list[httpx.Request]:
    return [r for r in home.sandbox.requests if r.url.path.endswith("/respond_to_feedback")]  # type: ignore[attr-defined]


def test_reply_goes_out_through_the_api_once(ebay: Home) -> None:
    review = _review(ebay, "4..5")
    text = "Merci beaucoup pour votre retour, à bientôt !"
    outcome = json.loads(ebay.ok("reviews", "reply", review["id"], "--text", text, "--json").stdout)[0]
    assert outcome["state"] == "sent"
    assert ebay.sandbox.reply_of(review["id"]) == text  # type: ignore[attr-defined]
    body = json.loads(_posts(ebay)[0].content)
    assert body["feedbackId"] == review["id"] and body["responseType"] == "REPLY" and body["recipientUserId"]
    assert review["id"] not in {
        r["id"] for r in json.loads(ebay.ok("reviews", "list", "--unanswered", "--json").stdout)
    }
    assert "nothing to do" in ebay.ok("reviews", "reply", review["id"], "--text", text).stderr  # idempotent
    assert len(_posts(ebay)) == 1


def test_negative_feedback_needs_a_person(ebay: Home) -> None:
    review = _review(ebay, "1..2")
    text = "Nous sommes désolés, écrivez-nous via la messagerie de la commande."
    refused = ebay.run("reviews", "reply", review["id"], "--text", text)
    assert refused.exit_code == 2 and "--confirm-negative" in refused.stderr
    assert _posts(ebay) == [] and ebay.count("replies") == 0
    bulk = ebay.ok("reviews", "reply", "--unanswered", "--rating", "1..2", "--text", text, "--yes", "--json")
    assert {r["state"] for r in json.loads(bulk.stdout)} == {"skipped"} and _posts(ebay) == []
    ebay.ok("reviews", "reply", review["id"], "--text", text, "--confirm-negative")
    assert ebay.sandbox.reply_of(review["id"]) == text  # type: ignore[attr-defined]


def test_a_lost_answer_is_read_back_not_resent(ebay: Home) -> None:
    review = _review(ebay, "4..5")
    sandbox = ebay.sandbox  # type: ignore[attr-defined]
    sandbox.faults.lose_response_next = 1  # stored, but the answer never arrives (503)
    ebay.ok("reviews", "reply", review["id"], "--text", "Merci pour votre avis.")
    assert sandbox.reply_of(review["id"]) == "Merci pour votre avis."
    assert ebay.sql("SELECT state FROM replies") == [("sent",)]
    assert len(_posts(ebay)) == 2  # the retry met 409 and the reply was found to be ours


def test_a_crash_in_sending_is_reconciled_on_the_next_run(ebay: Home) -> None:
    review = _review(ebay, "4..5")
    sandbox = ebay.sandbox  # type: ignore[attr-defined]
    sandbox.faults.lose_response_next = 1

    def outage(sb: Any, request: httpx.Request, response: httpx.Response) -> None:
        if request.url.path.endswith("/respond_to_feedback"):
            sb.faults.server_error_next = 10  # the marketplace goes down right after storing the reply

    OBSERVERS.append(outage)
    try:
        down = ebay.run("reviews", "reply", review["id"], "--text", "Merci pour votre avis.")
    finally:
        OBSERVERS.remove(outage)
    assert down.exit_code == 5
    assert ebay.sql("SELECT state FROM replies") == [("sending",)]  # unknown: not marked sent, not failed
    sandbox.faults.server_error_next = 0
    posts_before = len(_posts(ebay))
    ebay.ok("reviews", "reply", review["id"], "--text", "Merci pour votre avis.")
    assert ebay.sql("SELECT state FROM replies") == [("sent",)]
    assert len(_posts(ebay)) == posts_before  # read back, not sent again


def test_a_reply_already_on_the_marketplace_is_not_overwritten(ebay: Home) -> None:
    review = _review(ebay, "4..5")
    order = ebay.sandbox.data.by_feedback_id[review["id"]]  # type: ignore[attr-defined]
    order.evaluation.reply = "Réponse postée depuis le Seller Hub."
    result = ebay.run("reviews", "reply", review["id"], "--text", "Merci !")
    assert result.exit_code == 1
    assert ebay.sql("SELECT state FROM replies") == [("failed",)]
    assert ebay.sandbox.reply_of(review["id"]) == "Réponse postée depuis le Seller Hub."  # type: ignore[attr-defined]


def test_5xx_mid_bulk_stops_that_account_and_a_rerun_finishes_without_duplicates(ebay: Home) -> None:
    sandbox = ebay.sandbox  # type: ignore[attr-defined]
    targets = json.loads(ebay.ok("reviews", "list", "--unanswered", "--rating", "4..5", "--json").stdout)
    assert len(targets) >= 3

    def outage(sb: Any, request: httpx.Request, response: httpx.Response) -> None:
        if request.url.path.endswith("/respond_to_feedback") and response.status_code == 200:
            sb.faults.server_error_next = 10

    OBSERVERS.append(outage)
    try:
        first = ebay.run("reviews", "reply", "--unanswered", "--rating", "4..5", "--template", "thanks", "--yes")
    finally:
        OBSERVERS.remove(outage)
    assert first.exit_code == 5
    sandbox.faults.server_error_next = 0
    ebay.ok("reviews", "reply", "--unanswered", "--rating", "4..5", "--template", "thanks", "--yes")
    assert {s for (s,) in ebay.sql("SELECT state FROM replies")} == {"sent"}
    bodies = dict(ebay.sql("SELECT review_id, body FROM replies"))
    assert sorted(bodies) == sorted(t["id"] for t in targets)  # one outbox row per review, ever
    assert all(sandbox.reply_of(review_id) == body for review_id, body in bodies.items())
    again = ebay.ok("reviews", "reply", "--unanswered", "--rating", "4..5", "--template", "thanks", "--yes")
    assert "Nothing to answer" in again.stderr


def test_text_over_the_ebay_limit_is_refused_before_sending(ebay: Home) -> None:
    review = _review(ebay, "4..5")
    result = ebay.run("reviews", "reply", review["id"], "--text", "Merci. " * 100)
    assert result.exit_code == 6 and "MKT-LEN" in result.stderr
    assert _posts(ebay) == [] and ebay.count("replies") == 0


def test_a_refused_reply_can_be_corrected_and_the_new_text_is_the_one_sent(ebay: Home) -> None:
    review = _review(ebay, "4..5")
    first = ebay.run("reviews", "reply", review["id"], "--text", "Merci beaucoup <3")  # eBay refuses HTML-ish text
    assert first.exit_code == 1 and ebay.sql("SELECT state FROM replies") == [("failed",)]
    ebay.ok("reviews", "reply", review["id"], "--text", "Merci beaucoup pour votre avis.")
    assert ebay.sandbox.reply_of(review["id"]) == "Merci beaucoup pour votre avis."  # type: ignore[attr-defined]
    assert ebay.sql("SELECT state, body FROM replies") == [("sent", "Merci beaucoup pour votre avis.")]


def test_bulk_never_answers_negative_feedback_even_with_confirm_negative(ebay: Home) -> None:
    args = ("reviews", "reply", "--unanswered", "--rating", "1..2", "--template", "apology", "--yes")
    result = ebay.ok(*args, "--confirm-negative", "--json")
    assert {r["state"] for r in json.loads(result.stdout)} == {"skipped"}
    assert _posts(ebay) == []
    assert ebay.run("reviews", "reply", "--unanswered", "--edit").exit_code == 2
