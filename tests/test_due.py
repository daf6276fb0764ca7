"""`mktcrm due` (issue 13): only what has a deadline unless --all, grouped by urgency."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

from conftest import Home
from mktcrm.core.due import urgency


def test_urgency_groups_by_the_accounts_midnight() -> None:
    now = datetime(2026, 11, 20, 21, 30, tzinfo=UTC)  # 22:30 in Paris: today ends in 1 h 30
    assert urgency(None, now, "Europe/Paris") == "no_deadline"
    assert urgency(now - timedelta(seconds=1), now, "Europe/Paris") == "overdue"
    assert urgency(now + timedelta(minutes=89), now, "Europe/Paris") == "today"
    assert urgency(now + timedelta(minutes=91), now, "Europe/Paris") == "this_week"
    assert urgency(now + timedelta(minutes=91), now, "UTC") == "today"  # UTC midnight is 2 h 30 away
    assert urgency(now + timedelta(minutes=151), now, "UTC") == "this_week"
    assert urgency(now + timedelta(days=7), now, "UTC") == "this_week"
    assert urgency(now + timedelta(days=7, seconds=1), now, "UTC") == "later"


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_due_hides_undated_tasks_unless_all_and_says_each_rows_urgency(synced: Home) -> None:
    synced.ok("reviews", "reply", "--unanswered", "--rating", "4..5", "--template", "thanks", "--yes")
    tasks = json.loads(synced.ok("tasks", "list", "--json").stdout)
    assert len(tasks) >= 4 and all(t["due_at"] is None for t in tasks)
    now = datetime.now(UTC)
    dated = {tasks[0]["id"]: now - timedelta(hours=1), tasks[1]["id"]: now + timedelta(days=3)}
    dated[tasks[2]["id"]] = now + timedelta(days=30)
    db = sqlite3.connect(synced.db_path)
    with db:
        for task_id, when in dated.items():
            db.execute("UPDATE tasks SET due_at = ? WHERE id = ?", (_iso(when), task_id))
    db.close()
    rows = json.loads(synced.ok("due", "--json").stdout)
    task_rows = {int(r["id"]): r for r in rows if r["what"].startswith("task")}
    assert set(task_rows) == set(dated)  # the undated ones are not there
    assert task_rows[tasks[0]["id"]]["urgency"] == "overdue"
    assert task_rows[tasks[1]["id"]]["urgency"] == "this_week"
    assert task_rows[tasks[2]["id"]]["urgency"] == "later"
    assert all(r["due_at"] for r in rows)
    everything = json.loads(synced.ok("due", "--all", "--json").stdout)
    undated = [r for r in everything if r["urgency"] == "no_deadline"]
    assert len(undated) == len(tasks) - 3 and everything[-len(undated) :] == undated
    within = json.loads(synced.ok("due", "--within", "24h", "--json").stdout)
    assert {int(r["id"]) for r in within if r["what"].startswith("task")} == {tasks[0]["id"]}


def test_due_on_a_terminal_prints_one_titled_group_per_urgency(synced: Home) -> None:
    result = synced.run("due", "--format", "table")
    assert result.exit_code == 0
    groups = [line for line in result.stderr.splitlines() if line.endswith(")")]
    order = ["Overdue", "Today", "This week", "Later"]
    names = [g.split(" (")[0] for g in groups]
    assert names and names == [n for n in order if n in names]
    rows = json.loads(synced.ok("due", "--json").stdout)
    counts = {n: sum(1 for r in rows if r["urgency"] == n.lower().replace(" ", "_")) for n in names}
    assert all(f"{n} ({counts[n]})" in groups for n in names)
