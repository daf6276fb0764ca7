"""Who did what (issue 16): the operator on each reply, task and dispute note, on the SQLite cache too."""

from __future__ import annotations

import getpass
import json

from conftest import Home, sandbox_account


def _unanswered(home: Home) -> list[dict[str, object]]:
    return json.loads(home.ok("reviews", "list", "--unanswered", "--json").stdout)


def test_as_names_the_operator_on_replies_and_tasks(synced: Home) -> None:
    review_id = str(_unanswered(synced)[0]["id"])
    synced.ok("--as", "alice", "reviews", "reply", review_id, "--template", "thanks")
    reply = json.loads(synced.ok("replies", "list", "--json").stdout)[0]
    task = json.loads(synced.ok("tasks", "list", "--json").stdout)[0]
    assert reply["operator"] == task["operator"] == "alice"
    assert "alice" in synced.ok("replies", "list").stdout  # a default column of the table too


def test_config_operator_then_the_os_user_are_the_defaults(synced: Home) -> None:
    first, second = (str(r["id"]) for r in _unanswered(synced)[:2])
    synced.ok("reviews", "reply", first, "--template", "thanks")
    with open(synced.path / "config.toml", "a", encoding="utf-8") as f:
        f.write('\n[team]\noperator = "bob"\n')
    synced.ok("reviews", "reply", second, "--template", "thanks")
    operators = {r["review_id"]: r["operator"] for r in json.loads(synced.ok("replies", "list", "--json").stdout)}
    assert operators == {first: getpass.getuser(), second: "bob"}
    assert synced.sql("SELECT operator FROM tasks ORDER BY id") == [(getpass.getuser(),), ("bob",)]


def test_a_dispute_note_records_its_operator(home: Home) -> None:
    ebay, secrets = sandbox_account("ebay", "ebay-fr")
    home.configure([ebay], secrets=secrets)
    home.ok("sync", "--quiet")
    dispute = json.loads(home.ok("disputes", "list", "--json").stdout)[0]
    home.ok("--as", "carol", "disputes", "note", dispute["id"], "Photos demandées au transporteur")
    shown = json.loads(home.ok("disputes", "show", dispute["id"], "--json").stdout)
    assert [(e["kind"], e["operator"]) for e in shown["events"]] == [("note", "carol")]
