"""Automation rules through the real CLI and sandboxes: the issue's examples, hand-computed from the cache.

The sandboxes are anchored on today so "younger than 7 days" and "due within 24 h" have something to match;
expected sets are computed here with plain SQL and datetime arithmetic, not with mktcrm's own queries.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import tomli_w

from conftest import Home, cli
from mktcrm.sandbox import open_sandbox
from mktcrm.sandbox.accounts import sandbox_account

SELLER_TURN = ("open", "awaiting_seller", "escalated")
RULES: dict[str, dict[str, Any]] = {
    "thank-happy": {
        "trigger": "review",
        "rating": "4..5",
        "unanswered": True,
        "younger_than": "7d",
        "action": "reply",
        "template": "thanks",
    },
    "task-unhappy": {"trigger": "review", "rating": "1..2", "action": "task"},
    "nudge-dispute": {
        "trigger": "dispute",
        "due_within": "24h",
        "unanswered": True,
        "action": "message",
        "template": "neutral",
    },
}


def _stamp(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _write(home: Home, rules: dict[str, dict[str, Any]], *, orders: int = 80) -> None:
    accounts, secrets = [], {}
    for market, name in (("mirakl", "shop1"), ("ebay", "eb1")):
        account, keys = sandbox_account(market, name, f"seed=3&orders={orders}&anchor={date.today().isoformat()}")
        accounts.append(account)
        secrets.update(keys)
    doc = {"sync": {"backoff_seconds": 0.01, "retries": 3}, "accounts": accounts, "automation": {"rules": rules}}
    (home.path / "config.toml").write_text(tomli_w.dumps(doc), encoding="utf-8")
    path = home.path / "secrets.toml"
    path.write_text(tomli_w.dumps(secrets), encoding="utf-8")
    path.chmod(0o600)


@pytest.fixture
def shops(home: Home) -> Home:
    _write(home, RULES)
    home.ok("sync", "--quiet")
    return home


def _happy_recent(home: Home, now: datetime) -> set[str]:
    rows = home.sql(
        "SELECT id FROM reviews WHERE rating BETWEEN 4 AND 5 AND created_at >= ?"
        " AND replied_at IS NULL AND reply_body IS NULL",
        _stamp(now - timedelta(days=7)),
    )
    return {r[0] for r in rows}


def _urgent_disputes(home: Home, now: datetime) -> set[tuple[str, str]]:
    rows = home.sql(
        f"SELECT account, id FROM disputes WHERE status IN ({', '.join('?' * len(SELLER_TURN))})"
        " AND respond_by IS NOT NULL AND respond_by <= ?",
        *SELLER_TURN,
        _stamp(now + timedelta(hours=24)),
    )
    return {(r[0], r[1]) for r in rows}


def _steps(result: Any) -> list[dict[str, Any]]:
    return json.loads(result.stdout)


def _snapshot(home: Home) -> tuple[int, ...]:
    return tuple(home.count(t) for t in ("replies", "dispute_messages", "tasks", "automation_log"))


def test_the_issue_examples_then_a_second_run_does_nothing(shops: Home) -> None:
    before = datetime.now(UTC)
    unhappy = {r[0] for r in shops.sql("SELECT id FROM reviews WHERE rating BETWEEN 1 AND 2")}
    urgent = _urgent_disputes(shops, before)
    assert unhappy and urgent, "the sandbox needs 1-2 star reviews and disputes due within 24 h"
    dry = shops.ok("automate", "run", "--dry-run", "--json")
    assert shops.count("automation_log") == 0 and shops.count("replies") == 0 and shops.count("tasks") == 0
    planned = _steps(dry)
    assert {s["state"] for s in planned} == {"planned"}
    # The dry run shows every text in full with the charter's verdict.
    message = next(s for s in planned if s["rule"] == "nudge-dispute")
    assert "Merci pour votre retour" in message["text"] and message["verdict"] == "ok"
    assert "  | Merci pour votre retour" in dry.stderr and "charter: ok" in dry.stderr

    steps = _steps(shops.ok("automate", "run", "--json"))
    after = datetime.now(UTC)
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for s in steps:
        by_rule.setdefault(s["rule"], []).append(s)
    thanked = {s["ref_id"] for s in by_rule.get("thank-happy", [])}
    # Younger than 7 days at the end of the run: surely thanked; older than 7 days at its start: surely not.
    assert _happy_recent(shops, after) <= thanked <= _happy_recent(shops, before)
    assert thanked, "the sandbox needs a recent 4-5 star review"
    assert {s["ref_id"] for s in by_rule["task-unhappy"]} == unhappy
    assert {(s["account"], s["ref_id"]) for s in by_rule["nudge-dispute"]} == urgent
    # Mirakl has no review-reply API (a task each), eBay has one; Mirakl messages disputes by API (eBay: a task).
    assert {(s["account"], s["state"]) for s in by_rule["thank-happy"]} <= {("shop1", "task"), ("eb1", "sent")}
    assert {s["state"] for s in by_rule["nudge-dispute"] if s["account"] == "shop1"} == {"sent"}
    assert shops.count("dispute_messages") == len(urgent)
    assert shops.sql("SELECT count(*) FROM tasks WHERE kind = 'automation'")[0][0] == len(unhappy)
    assert shops.sql("SELECT count(*) FROM replies")[0][0] == len(thanked)
    counts = _snapshot(shops)

    again = shops.run("automate", "run")
    assert again.exit_code == 0 and "nothing to do" in again.stderr
    assert _snapshot(shops) == counts
    log = json.loads(shops.ok("automate", "log", "--rule", "task-unhappy", "--json").stdout)
    assert {e["ref_id"] for e in log} == unhappy and {e["state"] for e in log} == {"task"}
    assert all(e["task_id"] for e in log) and len(log) == len(unhappy)


def test_the_cap_holds_per_run_and_the_rest_waits(home: Home) -> None:
    _write(home, {"task-unhappy": {**RULES["task-unhappy"], "cap": 2}})
    home.ok("sync", "--quiet")
    total = home.sql("SELECT count(*) FROM reviews WHERE rating BETWEEN 1 AND 2")[0][0]
    assert total >= 3, "the sandbox needs at least three 1-2 star reviews"
    first = home.ok("automate", "run", "--json")
    assert len(_steps(first)) == 2 and f"{total - 2} more matching items left" in first.stderr
    runs = 1
    while home.sql("SELECT count(*) FROM tasks")[0][0] < total:
        home.ok("automate", "run")
        runs += 1
    assert runs == -(-total // 2)  # ceil(total / 2)
    assert _steps(home.ok("automate", "run", "--json")) == []


def test_the_charter_refusal_is_never_sent_and_exits_6(home: Home) -> None:
    rules = {"spam": {**RULES["nudge-dispute"], "template": "promo"}}
    _write(home, rules)
    config = home.path / "config.toml"
    config.write_text(
        config.read_text() + '\n[templates]\npromo = "Appelez-nous au 06 12 34 56 78 ou jean@example.com"\n'
    )
    home.ok("sync", "--quiet")
    dry = home.run("automate", "run", "--dry-run")
    assert dry.exit_code == 6 and "charter: refused" in dry.stderr
    result = home.run("automate", "run", "--json")
    assert result.exit_code == 6
    assert {s["state"] for s in _steps(result)} == {"refused"}
    assert home.count("dispute_messages") == 0 and home.count("tasks") == 0
    logged = home.count("automation_log")
    assert logged == len(_steps(result))
    assert home.run("automate", "run").exit_code == 6  # still refused: still exit 6, the log not repeated
    assert home.count("automation_log") == logged and home.count("dispute_messages") == 0


def test_negative_ebay_feedback_is_never_answered(home: Home) -> None:
    _write(home, {"sorry": {"trigger": "review", "rating": "1..2", "action": "reply", "template": "apology"}})
    home.ok("sync", "--quiet")
    negatives = {r[0] for r in home.sql("SELECT id FROM reviews WHERE account = 'eb1' AND rating <= 2")}
    assert negatives, "the eBay sandbox needs negative feedback"
    sandbox = open_sandbox(_base_url(home, "eb1"))
    steps = _steps(home.ok("automate", "run", "--json"))
    ebay = [s for s in steps if s["account"] == "eb1"]
    assert {s["ref_id"] for s in ebay} == negatives and {s["state"] for s in ebay} == {"skipped"}
    assert "--confirm-negative" in ebay[0]["detail"]
    assert home.sql("SELECT count(*) FROM replies WHERE account = 'eb1'")[0][0] == 0
    assert not [r for r in sandbox.requests if r.url.path.endswith("/respond_to_feedback")]
    assert [s for s in _steps(home.ok("automate", "run", "--json")) if s["account"] == "eb1"] == []


def _base_url(home: Home, account: str) -> str:
    import tomllib

    doc = tomllib.loads((home.path / "config.toml").read_text())
    return next(a["base_url"] for a in doc["accounts"] if a["name"] == account)


def test_two_runs_at_once_send_once(shops: Home) -> None:
    env = {"MKTCRM_HOME": str(shops.path)}
    procs = [cli("automate", "run", "--format", "json", env=env) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    acted = [json.loads(out) for out, _err in outputs]
    assert sorted(len(a) for a in acted)[0] == 0  # the second one waited for the lock, then found it all done
    rows = shops.sql("SELECT account, dispute_id, count(*) FROM dispute_messages GROUP BY 1, 2")
    assert rows and {r[2] for r in rows} == {1}
    finals = shops.sql(
        "SELECT rule, account, ref_id, count(*) FROM automation_log WHERE state IN ('sent', 'task', 'skipped')"
        " GROUP BY 1, 2, 3"
    )
    assert finals and {r[3] for r in finals} == {1}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"trigger": "review", "action": "reply", "template": "thanks", "ratings": "4..5"}, "'ratings'"),
        ({"trigger": "review", "action": "reply", "template": "thanks", "rating": "6"}, "rating"),
        ({"trigger": "review", "action": "reply"}, "needs a template"),
        ({"trigger": "review", "action": "message", "template": "thanks"}, "cannot message"),
        ({"trigger": "review", "action": "task", "segment": "vip"}, "segment names 'vip', which is not one"),
        ({"trigger": "review", "action": "task", "theme": "late"}, "theme names 'late', which is not one"),
        ({"trigger": "review", "action": "solicit"}, "a review rule cannot solicit"),
        ({"trigger": "review", "action": "task", "accounts": ["nope"]}, "'nope'"),
        ({"trigger": "review", "action": "task", "younger_than": "7 days"}, "younger_than"),
        ({"trigger": "order", "action": "task", "due_within": "24h"}, "no due_within condition"),
        ({"trigger": "review", "action": "task", "cap": 0}, "cap"),
        ({"trigger": "email", "action": "task"}, "unknown trigger"),
        ({"action": "task"}, "missing key 'trigger'"),
    ],
)
def test_a_bad_rule_is_a_one_line_config_error(home: Home, rule: dict[str, Any], expected: str) -> None:
    _write(home, {"bad-rule": rule})
    result = home.run("automate", "run", "--dry-run")
    assert result.exit_code == 4, result
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Error: ") and "automation rule 'bad-rule'" in lines[0] and expected in lines[0]
    assert "config.toml:" in lines[0] and "Traceback" not in result.stderr


def test_rule_option_and_log(shops: Home) -> None:
    assert shops.run("automate", "run", "--rule", "nope").exit_code == 2
    steps = _steps(shops.ok("automate", "run", "--rule", "task-unhappy", "--json"))
    assert {s["rule"] for s in steps} == {"task-unhappy"}
    assert shops.count("dispute_messages") == 0
    table = shops.ok("automate", "log").stdout
    assert "task-unhappy" in table and "nudge-dispute" not in table
    assert shops.run("automate", "log", "--rule", "typo").exit_code == 2
    assert shops.ok("automate", "run", "--rule", "task-unhappy", "--json").stdout.strip() == "[]"


def test_since_limits_what_a_rule_sees(shops: Home) -> None:
    cutoff = _stamp(datetime.now(UTC) - timedelta(days=3))
    recent = {r[0] for r in shops.sql("SELECT id FROM reviews WHERE rating <= 2 AND created_at >= ?", cutoff)}
    steps = _steps(shops.ok("automate", "run", "--rule", "task-unhappy", "--since", cutoff, "--json"))
    assert {s["ref_id"] for s in steps} == recent


def test_task_done_twice_is_a_no_op(shops: Home) -> None:
    shops.ok("automate", "run", "--rule", "task-unhappy")
    task_id = str(shops.sql("SELECT min(id) FROM tasks WHERE kind = 'automation'")[0][0])
    assert "done" in shops.ok("tasks", "done", task_id).stderr
    again = shops.ok("tasks", "done", task_id)
    assert "already done" in again.stderr
    assert shops.sql("SELECT count(*) FROM tasks WHERE state = 'done'")[0][0] == 1


def test_notify_is_a_line_in_the_output_and_the_log_once(home: Home) -> None:
    _write(home, {"new-orders": {"trigger": "order", "younger_than": "10d", "action": "notify", "cap": 1000}})
    home.ok("sync", "--quiet")
    before = datetime.now(UTC)
    result = home.ok("automate", "run", "--json")
    after = datetime.now(UTC)
    notified = {(s["account"], s["ref_id"]) for s in _steps(result) if s["state"] == "notified"}

    def placed_since(t: datetime) -> set[tuple[str, str]]:
        rows = home.sql("SELECT account, id FROM orders WHERE created_at >= ?", _stamp(t - timedelta(days=10)))
        return {(r[0], r[1]) for r in rows}

    assert placed_since(after) <= notified <= placed_since(before) and notified
    account, order_id = sorted(notified)[0]
    assert f"notify order {order_id} on {account}" in result.stderr
    assert home.count("automation_log") == len(notified) and home.count("tasks") == 0
    assert _steps(home.ok("automate", "run", "--json")) == []
