"""Tasks by hand, quickly (issue 13): next, show, done with several ids or --all-listed, whole text for programs."""

from __future__ import annotations

import base64
import json
import sqlite3

import pytest

from conftest import Home, sandbox_account
from mktcrm import connectors
from mktcrm.config import Account


def _tasks(home: Home, *extra: str) -> list[dict]:
    return json.loads(home.ok("tasks", "list", "--json", *extra).stdout)


@pytest.fixture
def with_tasks(synced: Home) -> Home:
    """Mirakl has no reply API: every thanks becomes a task to paste in the operator's back office."""
    synced.ok("reviews", "reply", "--unanswered", "--rating", "4..5", "--template", "thanks", "--yes")
    assert len(_tasks(synced)) >= 4
    return synced


def test_next_shows_the_oldest_task_in_full_with_its_order_page(with_tasks: Home) -> None:
    first = _tasks(with_tasks)[0]
    shown = json.loads(with_tasks.ok("tasks", "next", "--json").stdout)
    assert shown["id"] == first["id"] and shown["body"] == first["body"]
    order = with_tasks.sql("SELECT order_id FROM reviews WHERE id = ?", first["ref_id"])[0][0]
    assert shown["order_id"] == order
    assert shown["url"].endswith(f"/mmp/shop/order/{order}") and shown["url"].startswith("sandbox://mirakl/shop1")
    assert "?" not in shown["url"]  # the account's sandbox query string is not part of the page
    # Without --done nothing changes: the same task comes next again.
    assert json.loads(with_tasks.ok("tasks", "next", "--json").stdout)["id"] == first["id"]
    done = with_tasks.ok("tasks", "next", "--done", "--format", "table")
    assert first["body"] in done.stdout and f"Task {first['id']} done." in done.stderr
    assert (
        json.loads(with_tasks.ok("tasks", "next", "--json").stdout)["id"] == _tasks(with_tasks)[0]["id"] != first["id"]
    )


def test_next_copy_without_a_clipboard_says_so_and_on_a_terminal_uses_osc52(
    with_tasks: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyperclip

    monkeypatch.setattr(pyperclip, "copy", pyperclip.copy)  # restored afterwards
    monkeypatch.setattr(pyperclip, "paste", pyperclip.paste)
    pyperclip.set_clipboard("no")  # pyperclip's own "no clipboard mechanism" (a server, a container)
    body = _tasks(with_tasks)[0]["body"]
    piped = with_tasks.run("tasks", "next", "--copy")
    assert piped.exit_code == 0 and "No clipboard here" in piped.stderr and "\033]52" not in piped.stdout
    tty = with_tasks.run("tasks", "next", "--copy", env={"MKTCRM_FORCE_TTY": "1"})
    assert tty.exit_code == 0, tty.stderr
    sent = tty.stdout.split("\033]52;c;", 1)[1].split("\a", 1)[0]
    assert base64.b64decode(sent).decode("utf-8") == body and "OSC 52" in tty.stderr


def test_next_with_nothing_left_exits_0(synced: Home) -> None:
    result = synced.ok("tasks", "next")
    assert result.stdout == "" and "No open tasks" in result.stderr


def test_show_and_done_several_ids_idempotently(with_tasks: Home) -> None:
    ids = [t["id"] for t in _tasks(with_tasks)][:3]
    shown = json.loads(with_tasks.ok("tasks", "show", str(ids[0]), "--json").stdout)
    assert shown["state"] == "open" and shown["url"] and shown["body"]
    first = with_tasks.ok("tasks", "done", *map(str, ids[:2]))
    assert "2 done, 0 already done." in first.stderr
    again = with_tasks.ok("tasks", "done", *map(str, ids))
    assert f"Task {ids[0]} was already done" in again.stderr and "1 done, 2 already done." in again.stderr
    assert with_tasks.sql("SELECT count(*) FROM replies WHERE state = 'manual_done'") == [(3,)]
    assert json.loads(with_tasks.ok("tasks", "show", str(ids[0]), "--json").stdout)["state"] == "done"


def test_an_unknown_id_closes_nothing(with_tasks: Home) -> None:
    ids = [t["id"] for t in _tasks(with_tasks)]
    result = with_tasks.run("tasks", "done", str(ids[0]), "99999")
    assert result.exit_code == 1 and "no task 99999" in result.stderr and "Traceback" not in result.stderr
    assert len(_tasks(with_tasks)) == len(ids)
    assert with_tasks.run("tasks", "show", "99999").exit_code == 1


def test_done_all_listed_takes_the_list_filters(with_tasks: Home) -> None:
    count = len(_tasks(with_tasks))
    assert with_tasks.run("tasks", "done").exit_code == 2
    assert with_tasks.run("tasks", "done", "1", "--all-listed").exit_code == 2
    assert with_tasks.run("tasks", "done", "1", "--kind", "reply_review").exit_code == 2
    none = with_tasks.ok("tasks", "done", "--all-listed", "--kind", "dispute_message")
    assert "0 done" in none.stderr and len(_tasks(with_tasks)) == count
    assert _tasks(with_tasks, "--kind", "dispute_message") == []
    typo = with_tasks.run("tasks", "done", "--all-listed", "--kind", "reply")
    assert typo.exit_code == 2 and "reply_review" in typo.stderr and len(_tasks(with_tasks)) == count
    result = with_tasks.ok("tasks", "done", "--all-listed", "--account", "shop1")
    assert f"{count} done, 0 already done." in result.stderr and _tasks(with_tasks) == []


def test_list_never_cuts_the_text_for_programs(with_tasks: Home) -> None:
    long = "Merci pour votre retour détaillé, " * 6
    waiting = {t["ref_id"] for t in _tasks(with_tasks)}
    unanswered = json.loads(with_tasks.ok("reviews", "list", "--unanswered", "--json").stdout)
    review = next(r["id"] for r in unanswered if r["id"] not in waiting)
    with_tasks.ok("reviews", "reply", review, "--text", long.strip())
    listed = next(t for t in _tasks(with_tasks) if t["ref_id"] == review)
    assert listed["body"] == long.strip() and len(listed["instructions"]) > 50
    tsv = with_tasks.ok("tasks", "list", "--format", "tsv", "--fields", "id,instructions,body").stdout
    assert f"{listed['id']}\t{listed['instructions']}\t{long.strip()}" in tsv.splitlines()


@pytest.mark.parametrize(
    ("marketplace", "options", "url"),
    [
        ("amazon", {"marketplace_ids": ["A13V1IB3VIYZZH"]}, "https://sellercentral.amazon.fr/orders-v3/order/403-1"),
        ("amazon", {"marketplace_ids": []}, "https://sellercentral.amazon.com/orders-v3/order/403-1"),
        ("ebay", {"marketplace_id": "EBAY_DE"}, "https://www.ebay.de/sh/ord/details?orderid=403-1"),
        ("etsy", {}, "https://www.etsy.com/your/orders/sold?order_id=403-1"),
        ("mirakl", {"base_url": "https://leclerc.mirakl.net/"}, "https://leclerc.mirakl.net/mmp/shop/order/403-1"),
    ],
)
def test_each_marketplace_builds_its_order_page(marketplace: str, options: dict, url: str) -> None:
    account = Account("a", marketplace, options)
    assert connectors.get(marketplace).order_url(account, "403-1") == url


def test_an_order_id_is_escaped_in_the_url() -> None:
    account = Account("a", "etsy", {})
    assert (
        connectors.get("etsy").order_url(account, "1&x=2") == "https://www.etsy.com/your/orders/sold?order_id=1%26x%3D2"
    )


def test_a_dispute_message_task_points_at_the_order_of_its_dispute(home: Home) -> None:
    account, secrets = sandbox_account("etsy", "etsy1")
    home.configure([account], secrets=secrets)
    home.ok("sync", "--quiet")
    order = json.loads(home.ok("orders", "list", "--json").stdout)[0]["order_id"]
    home.ok("disputes", "open", order, "--reason", "late")  # no dispute API on Etsy: a local dispute
    dispute = next(d for d in json.loads(home.ok("disputes", "list", "--json").stdout) if d["order_id"] == order)
    sent = home.run("disputes", "message", dispute["id"], "--text", "Bonjour, nous regardons votre commande.")
    assert sent.exit_code == 0, sent.stderr
    task = next(t for t in _tasks(home) if t["kind"] == "dispute_message")
    shown = json.loads(home.ok("tasks", "show", str(task["id"]), "--json").stdout)
    assert shown["order_id"] == order and shown["url"] == f"https://www.etsy.com/your/orders/sold?order_id={order}"


def test_a_task_without_a_known_order_says_there_is_no_direct_link(home: Home) -> None:
    """Etsy's reviews name the transaction, not the receipt: sync links the receipt from the cached lines, so
    the task opens the receipt's page; a review whose transaction is not cached has no page, and it is said."""
    account, secrets = sandbox_account("etsy", "etsy1")
    home.configure([account], secrets=secrets)
    home.ok("sync", "--quiet")
    receipts = dict(
        home.sql(
            "SELECT r.id, l.order_id FROM reviews r JOIN order_lines l ON l.account = r.account"
            " AND l.id = CAST(json_extract(r.raw, '$.transaction_id') AS TEXT)"
        )
    )
    home.ok("reviews", "reply", "--unanswered", "--rating", "4..5", "--template", "thanks", "--yes")
    linked = json.loads(home.ok("tasks", "next", "--json").stdout)
    assert linked["order_id"] == receipts[linked["ref_id"]]
    assert linked["url"].endswith(f"?order_id={linked['order_id']}") and "(order " in linked["instructions"]
    db = sqlite3.connect(home.db_path)
    with db:  # as for a review whose transaction is older than sync_start: no order known
        db.execute("UPDATE reviews SET order_id = NULL")
    db.close()
    shown = json.loads(home.ok("tasks", "next", "--json").stdout)
    assert shown["order_id"] is None and shown["url"] is None and "Shop Manager" in shown["instructions"]
    text = home.ok("tasks", "next", "--format", "table").stdout
    assert "Page:  no direct link" in text and shown["body"] in text
