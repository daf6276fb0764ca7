"""`reviews reply --since` and `--dry-run`: the texts and the charter's verdict shown, exit 6 like the real run."""

from __future__ import annotations

import json

from conftest import Home

SINCE = "2026-11-10"  # the sandbox is anchored on 2026-11-20


def _unanswered_since(home: Home, since: str) -> set[str]:
    rows = home.sql(
        "SELECT id FROM reviews WHERE rating BETWEEN 4 AND 5 AND created_at >= ? AND replied_at IS NULL",
        f"{since}T00:00:00Z",
    )
    return {r[0] for r in rows}


def test_since_limits_a_bulk_reply_and_dry_run_shows_each_text(synced: Home) -> None:
    expected = _unanswered_since(synced, SINCE)
    everything = _unanswered_since(synced, "2000-01-01")
    assert expected and expected < everything, "the sandbox needs reviews on both sides of the date"
    args = ("reviews", "reply", "--unanswered", "--rating", "4..5", "--template", "thanks", "--since", SINCE)
    dry = synced.ok(*args, "--dry-run", "--json")
    planned = json.loads(dry.stdout)
    assert {p["review_id"] for p in planned} == expected
    assert all("Merci beaucoup pour votre avis" in p["text"] and p["verdict"] == "ok" for p in planned)
    assert dry.stderr.count("charter: ok") == len(expected) and "  | Merci beaucoup" in dry.stderr
    assert synced.count("replies") == 0 and synced.count("tasks") == 0
    done = json.loads(synced.ok(*args, "--yes", "--json").stdout)
    assert {d["review_id"] for d in done} == expected and synced.count("tasks") == len(expected)
    since_with_id = synced.run("reviews", "reply", sorted(expected)[0], "--text", "Merci", "--since", "7d")
    assert since_with_id.exit_code == 2 and "--since" in since_with_id.stderr
    assert synced.run(*args[:-1], "yesterday-ish", "--dry-run").exit_code == 2


def test_dry_run_exits_6_when_the_charter_would_refuse(synced: Home) -> None:
    review_id = sorted(_unanswered_since(synced, "2000-01-01"))[0]
    text = "Écrivez-moi à jean.dupont@example.com, merci"
    dry = synced.run("reviews", "reply", review_id, "--text", text, "--dry-run", "--json")
    assert dry.exit_code == 6
    assert json.loads(dry.stdout)[0]["verdict"].startswith("refused: PII-EMAIL")
    assert "jean.dupont@example.com" in dry.stderr and "charter: refused: PII-EMAIL" in dry.stderr
    bulk = synced.run("reviews", "reply", "--unanswered", "--rating", "4..5", "--text", text, "--dry-run", "--json")
    assert bulk.exit_code == 6 and {o["state"] for o in json.loads(bulk.stdout)} == {"blocked"}
    assert synced.count("replies") == 0 and synced.count("tasks") == 0
