"""Disputes across marketplaces: deadlines, list and show, local and remote moves, refusals that change nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from conftest import Home, sandbox_account
from mktcrm.sandbox import open_sandbox


@pytest.fixture
def shops(home: Home) -> Home:
    """eBay (payment disputes with a resolve API) and Etsy (no dispute API at all)."""
    ebay, ebay_secrets = sandbox_account("ebay", "ebay-fr")
    etsy, etsy_secrets = sandbox_account("etsy", "etsy")
    home.configure([ebay, etsy], secrets={**ebay_secrets, **etsy_secrets})
    home.ok("sync", "--quiet")
    home.ebay = open_sandbox(ebay["base_url"])  # type: ignore[attr-defined]
    return home


def _list(home: Home, *args: str) -> list[dict[str, Any]]:
    return json.loads(home.ok("disputes", "list", "--json", *args).stdout)


def _status(home: Home, dispute_id: str) -> str:
    """The state a seller sees (local moves included), as `disputes show` reports it."""
    return str(json.loads(home.ok("disputes", "show", dispute_id, "--json").stdout)["status"])


def _accept_posts(home: Home) -> list[httpx.Request]:
    return [r for r in home.ebay.requests if r.url.path.endswith("/accept")]  # type: ignore[attr-defined]


def test_list_is_sorted_by_deadline_with_time_left(shops: Home) -> None:
    rows = _list(shops, "--all")
    assert rows and {r["kind"] for r in rows} == {"payment_dispute"}
    deadlines = [r["respond_by"] for r in rows if r["respond_by"]]
    assert deadlines == sorted(deadlines)
    open_rows = _list(shops)
    assert all(r["status"] in ("open", "awaiting_seller", "awaiting_buyer", "escalated") for r in open_rows)
    with_deadline = [r for r in open_rows if r["respond_by"]]
    assert with_deadline and all(("left" in r["time_left"]) or ("overdue" in r["time_left"]) for r in with_deadline)
    assert all(r["overdue"] for r in _list(shops, "--overdue"))
    assert shops.run("disputes", "list", "--due", "soon").exit_code == 2
    assert shops.run("disputes", "list", "--kind", "fight").exit_code == 2


def test_show_has_the_timeline_and_the_deadline_rule(shops: Home) -> None:
    dispute = _list(shops)[0]
    noted = shops.ok("disputes", "note", dispute["id"], "--text", "Photos demandées au transporteur")
    assert noted.stderr == ""
    shown = json.loads(shops.ok("disputes", "show", dispute["id"], "--json").stdout)
    assert shown["id"] == dispute["id"] and "5 calendar days" in (shown["deadline_rule"] or "")
    assert [e["kind"] for e in shown["events"]] == ["note"] and "transporteur" in shown["events"][0]["body"]
    table = shops.run("disputes", "show", dispute["id"], env={"MKTCRM_FORCE_TTY": "1", "NO_COLOR": "1"})
    assert table.exit_code == 0 and "transporteur" in table.stdout + table.stderr
    assert shops.run("disputes", "show", "NOPE").exit_code == 1
    old_style = shops.ok("disputes", "note", dispute["id"], "Relance transporteur")  # the positional still works
    assert old_style.stderr.startswith("Warning: the note as an argument is deprecated: use --text")
    both = shops.run("disputes", "note", dispute["id"], "x", "--text", "y")
    assert both.exit_code == 2 and both.stderr.startswith("Error: give the note once, with --text")
    shown = json.loads(shops.ok("disputes", "show", dispute["id"], "--json").stdout)
    assert [e["body"] for e in shown["events"]][-1] == "Relance transporteur"


def test_resolve_through_ebay_accept_then_refuse_a_second_time(shops: Home) -> None:
    dispute = _list(shops)[0]
    bad = shops.run("disputes", "resolve", dispute["id"], "--reason", "refund")
    assert bad.exit_code == 2 and "accept" in bad.stderr
    assert _accept_posts(shops) == []  # validated before any call
    refused = shops.run("disputes", "resolve", dispute["id"], "--reason", "accept")  # a refund: never unasked
    assert refused.exit_code == 2 and "--yes" in refused.stderr and "cannot be undone" in refused.stderr
    dry = shops.ok("disputes", "resolve", dispute["id"], "--reason", "accept", "--dry-run")
    assert "would resolve payment_dispute" in dry.stderr and "refunds the buyer" in dry.stderr
    assert _accept_posts(shops) == [] and _status(shops, dispute["id"]) == dispute["status"]
    shops.ok("disputes", "resolve", dispute["id"], "--reason", "accept", "--yes")
    assert json.loads(_accept_posts(shops)[0].content) == {"revision": 1}
    assert _status(shops, dispute["id"]) == "resolved"
    again = shops.ok("disputes", "resolve", dispute["id"], "--reason", "accept")  # idempotent: exit 0, says so
    assert "already resolved" in again.stderr
    assert len(_accept_posts(shops)) == 1
    shops.ok("sync", "--stream", "disputes", "--quiet")  # eBay now says CLOSED: stays resolved
    assert _status(shops, dispute["id"]) == "resolved"
    shops.ok("disputes", "close", dispute["id"])
    closed = shops.ok("disputes", "close", dispute["id"])
    assert "already closed" in closed.stderr and _status(shops, dispute["id"]) == "closed"
    assert "already closed" in shops.ok("disputes", "resolve", dispute["id"], "--reason", "accept").stderr


def test_a_remote_409_leaves_local_state_unchanged(shops: Home) -> None:
    dispute = _list(shops)[0]
    remote = next(d for d in shops.ebay.data.disputes if d.dispute_id == dispute["id"])  # type: ignore[attr-defined]
    remote.seller_response = "CONTEST"  # answered in Seller Hub since the last sync
    result = shops.run("disputes", "resolve", dispute["id"], "--reason", "accept", "--yes")
    assert result.exit_code == 1 and "eBay refused" in result.stderr
    assert _status(shops, dispute["id"]) == dispute["status"]


def test_open_without_an_api_is_local_and_says_so(shops: Home) -> None:
    order_id = shops.sql("SELECT id FROM orders WHERE account = 'etsy' LIMIT 1")[0][0]
    result = shops.ok("disputes", "open", order_id, "--reason", "damaged", "--message", "Colis abîmé")
    dispute_id = result.stdout.strip()
    assert dispute_id.startswith("local-") and "not supported by etsy" in result.stderr
    warning = result.stderr.splitlines()[0]  # said before anything is stored
    assert warning.startswith("Warning: etsy has no API to open a dispute") and "NOT sent to the buyer" in warning
    row = json.loads(shops.ok("disputes", "show", dispute_id, "--json").stdout)
    assert row["kind"] == "local" and row["status"] == "awaiting_seller" and row["order_id"] == order_id
    assert [e["kind"] for e in row["events"]] == ["action", "note"]
    assert shops.run("disputes", "open", "NOPE-1", "--reason", "x").exit_code == 1
    shops.ok("sync", "--quiet")  # a sync never touches local disputes
    assert _status(shops, dispute_id) == "awaiting_seller"
    shops.ok("disputes", "resolve", dispute_id, "--reason", "refunded")
    assert _status(shops, dispute_id) == "resolved"


def test_messages_are_charter_checked_and_become_tasks_without_an_api(shops: Home) -> None:
    dispute = _list(shops)[0]
    refused = shops.run("disputes", "message", dispute["id"], "--text", "Appelez-moi au 06 12 34 56 78")
    assert refused.exit_code == 6 and "PII-PHONE" in refused.stderr
    assert shops.count("dispute_messages") == 0
    shops.ok("disputes", "message", dispute["id"], "--text", "Nous avons bien reçu votre demande.")
    task = json.loads(shops.ok("tasks", "list", "--json").stdout)[0]
    assert task["kind"] == "dispute_message" and "Seller Hub" in task["instructions"]
    shops.ok("tasks", "done", str(task["id"]))
    assert shops.sql("SELECT state FROM dispute_messages") == [("manual_done",)]
    events = json.loads(shops.ok("disputes", "show", dispute["id"], "--json").stdout)["events"]
    assert events[-1]["kind"] == "message" and events[-1]["author"] == "seller"


def test_due_lists_disputes_and_tasks_and_always_exits_0(shops: Home) -> None:
    dispute = _list(shops)[0]
    shops.ok("disputes", "message", dispute["id"], "--text", "Nous regardons votre dossier.")
    rows = json.loads(shops.ok("due", "--within", "3650d", "--json").stdout)
    assert {r["what"].split(" ")[0] for r in rows} == {"dispute", "task"}
    due_times = [r["due_at"] for r in rows if r["due_at"]]
    assert due_times == sorted(due_times)
    assert json.loads(shops.ok("due", "--within", "1m", "--json", "--account", "etsy").stdout) == []


def test_a_deadline_nobody_gave_comes_from_the_rules(home: Home) -> None:
    from conftest import mirakl_account, sandbox

    home.configure([mirakl_account("shop1", deadlines={"incident": "2bd"})])
    sb = sandbox()
    order_id = sb.data.orders[-1].order_id
    saturday = datetime(2026, 11, 7, 9, 0, tzinfo=UTC)  # 10:00 in Paris, a Saturday; 11 November is a holiday
    sb.open_incident(order_id, saturday)
    home.ok("sync", "--stream", "disputes", "--quiet")
    opened, respond_by = home.sql("SELECT opened_at, respond_by FROM disputes WHERE order_id = ?", order_id)[0]
    assert opened == "2026-11-07T09:00:00Z"
    # Two business days from a Saturday: Monday and Tuesday; due at the end of Tuesday, Paris time.
    assert respond_by == (datetime(2026, 11, 10, 23, 0, tzinfo=UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert datetime(2026, 11, 10, 23, 0, tzinfo=UTC) - saturday > timedelta(days=3)


def test_reviews_join_due_only_where_the_account_promises_a_reply_window(home: Home) -> None:
    from conftest import mirakl_account

    home.configure([mirakl_account("shop1", deadlines={"review": "48h"}), mirakl_account("shop2")])
    home.ok("sync", "--quiet")
    rows = json.loads(home.ok("due", "--within", "3650d", "--json").stdout)
    reviews = [r for r in rows if r["what"] == "review"]
    assert reviews and {r["account"] for r in reviews} == {"shop1"}
    unanswered = json.loads(home.ok("reviews", "list", "--unanswered", "--account", "shop1", "--json").stdout)
    assert len(reviews) == len(unanswered)
    assert "ok (2 accounts)" in home.ok("config", "check").stdout  # the review window is valid config


def test_close_only_after_resolve_and_no_messages_once_resolved(shops: Home) -> None:
    dispute = _list(shops)[0]
    early = shops.run("disputes", "close", dispute["id"])
    assert early.exit_code == 1 and "cannot become closed" in early.stderr
    shops.ok("disputes", "resolve", dispute["id"], "--reason", "accept", "--yes")
    late = shops.run("disputes", "message", dispute["id"], "--text", "Encore une précision.")
    assert late.exit_code == 1 and "no more messages" in late.stderr
    assert shops.count("dispute_messages") == 0
    shops.ok("disputes", "close", dispute["id"])
    assert _status(shops, dispute["id"]) == "closed"
    assert dispute["id"] not in {r["id"] for r in _list(shops)}
    assert dispute["id"] in {r["id"] for r in _list(shops, "--all")}
