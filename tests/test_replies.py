"""Replying to reviews: templates, the charter gate, the exactly-once outbox, tasks where no API exists."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from conftest import Home
from mktcrm.cli import app


def _unanswered(home: Home, rating: str = "4..5") -> list[dict[str, object]]:
    return json.loads(home.ok("reviews", "list", "--unanswered", "--rating", rating, "--json").stdout)


def test_templates_list_and_render(synced: Home) -> None:
    names = {r["name"] for r in json.loads(synced.ok("templates", "list", "--json").stdout)}
    assert {"thanks.fr", "thanks.en", "apology.fr", "neutral.en"} <= names
    review = _unanswered(synced)[0]
    text = synced.ok("templates", "render", "thanks", "--review", str(review["id"])).stdout
    assert str(review["buyer_name"]) in text and "Merci" in text


def test_template_errors_name_the_template_and_line(synced: Home) -> None:
    folder = synced.path / "templates"
    folder.mkdir()
    (folder / "typo.j2").write_text("Bonjour {{ buyer_name }},\nMerci {{ buyer_nmae }}\n")
    (folder / "broken.j2").write_text("Bonjour {% if %}\n")
    (folder / "escape.j2").write_text("{{ rating.__class__.__mro__ }}\n")
    review_id = str(_unanswered(synced)[0]["id"])
    typo = synced.run("templates", "render", "typo", "--review", review_id)
    assert typo.exit_code == 1 and "template 'typo' line 2" in typo.stderr and "buyer_nmae" in typo.stderr
    broken = synced.run("templates", "render", "broken", "--review", review_id)
    assert broken.exit_code == 1 and "template 'broken' line 1" in broken.stderr
    escape = synced.run("templates", "render", "escape", "--review", review_id)
    assert escape.exit_code == 1 and "Traceback" not in escape.stderr
    assert synced.run("templates", "render", "nope", "--review", review_id).exit_code == 2
    assert synced.count("replies") == 0


def test_reply_without_api_becomes_a_task_and_counts_once_done(synced: Home) -> None:
    review = _unanswered(synced)[0]
    review_id = str(review["id"])
    result = synced.ok("reviews", "reply", review_id, "--template", "thanks", "--json")
    outcome = json.loads(result.stdout)[0]
    assert outcome["state"] == "task" and outcome["task_id"]
    task = json.loads(synced.ok("tasks", "list", "--json").stdout)[0]
    assert task["ref_id"] == review_id and "back office" in task["instructions"] and "Merci" in task["body"]
    # Not answered until the seller says it was pasted.
    assert review_id in {r["id"] for r in _unanswered(synced)}
    again = synced.ok("reviews", "reply", review_id, "--text", "Merci !")  # a no-op: exit 0, says why
    assert f"waiting in task {task['id']}" in again.stderr and "nothing to do" in again.stderr
    assert synced.count("replies") == 1 and synced.count("tasks") == 1
    synced.ok("tasks", "done", str(task["id"]))
    assert review_id not in {r["id"] for r in _unanswered(synced)}
    assert synced.sql("SELECT state FROM replies") == [("manual_done",)]
    assert json.loads(synced.ok("reviews", "show", review_id, "--json").stdout)["answered"] is True
    done = synced.ok("reviews", "reply", review_id, "--text", "Merci")
    assert "nothing to do" in done.stderr and synced.count("replies") == 1


def test_the_charter_blocks_before_anything_is_queued(synced: Home) -> None:
    review_id = str(_unanswered(synced)[0]["id"])
    result = synced.run("reviews", "reply", review_id, "--text", "Écrivez-moi à jean.dupont@example.com, merci")
    assert result.exit_code == 6
    assert "PII-EMAIL" in result.stderr
    assert synced.count("replies") == 0 and synced.count("tasks") == 0


def test_bad_input(synced: Home) -> None:
    assert synced.run("reviews", "reply", "NOPE-1", "--text", "Merci").exit_code == 1
    review_id = str(_unanswered(synced)[0]["id"])
    assert synced.run("reviews", "reply", review_id).exit_code == 2  # no text source
    assert synced.run("reviews", "reply", review_id, "--text", "a", "--template", "thanks").exit_code == 2
    assert synced.run("reviews", "reply", "--template", "thanks").exit_code == 2  # neither ID nor --unanswered


def test_bulk_reply_asks_once_and_never_twice(synced: Home) -> None:
    targets = _unanswered(synced)
    assert len(targets) >= 2
    no_tty = synced.run("reviews", "reply", "--unanswered", "--rating", "4..5", "--template", "thanks")
    assert no_tty.exit_code == 2 and "--yes" in no_tty.stderr
    dry = synced.ok("reviews", "reply", "--unanswered", "--rating", "4..5", "--template", "thanks", "--dry-run")
    assert f"{len(targets)} replies" in dry.stderr and synced.count("replies") == 0
    first = synced.ok("reviews", "reply", "--unanswered", "--rating", "4..5", "--template", "thanks", "--yes", "--json")
    states = [r["state"] for r in json.loads(first.stdout)]
    assert states.count("task") == len(targets)
    assert synced.count("replies") == len(targets) == synced.count("tasks")
    second = synced.ok("reviews", "reply", "--unanswered", "--rating", "4..5", "--template", "thanks", "--yes")
    assert "Nothing to answer" in second.stderr
    assert synced.count("replies") == len(targets)


def test_replies_list_shows_the_outbox(synced: Home) -> None:
    review_id = str(_unanswered(synced)[0]["id"])
    synced.ok("reviews", "reply", review_id, "--template", "neutral")
    rows = json.loads(synced.ok("replies", "list", "--json").stdout)
    assert rows[0]["review_id"] == review_id and rows[0]["state"] == "queued" and rows[0]["task_id"]
    assert synced.run("replies", "list", "--state", "bogus").exit_code == 2


def test_bulk_reply_on_a_terminal_asks_once(synced: Home) -> None:
    args = ("reviews", "reply", "--unanswered", "--rating", "4..5", "--template", "thanks")
    tty = {"MKTCRM_FORCE_TTY": "1", "NO_COLOR": "1"}
    declined = synced.runner.invoke(app, list(args), input="n\n", env=tty)
    assert declined.exit_code == 0 and "Send or queue" in declined.stdout
    assert synced.count("replies") == 0
    accepted = synced.runner.invoke(app, list(args), input="y\n", env=tty)
    assert accepted.exit_code == 0 and accepted.stdout.count("Send or queue") == 1
    assert synced.count("replies") == synced.count("tasks") > 0


def test_edit_opens_the_editor_on_the_rendered_template(synced: Home, tmp_path: Path) -> None:
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf "Merci pour votre retour, à bientôt.\\n" > "$1"\n')
    editor.chmod(0o755)
    review_id = str(_unanswered(synced)[0]["id"])
    env = {"MKTCRM_FORCE_TTY": "1", "EDITOR": str(editor)}
    result = synced.run("reviews", "reply", review_id, "--edit", "--template", "thanks", env=env)
    assert result.exit_code == 0, result.stderr
    assert synced.sql("SELECT body FROM replies") == [("Merci pour votre retour, à bientôt.",)]
    assert synced.run("reviews", "reply", review_id, "--edit").exit_code == 2  # no terminal


def test_init_ships_default_templates(home: Home) -> None:
    home.ok("init")
    names = {p.name for p in (home.path / "templates").glob("*.j2")}
    assert {"thanks.fr.j2", "thanks.en.j2", "apology.fr.j2", "apology.en.j2", "neutral.fr.j2", "neutral.en.j2"} <= names
    assert "{{ signature }}" in (home.path / "templates" / "thanks.fr.j2").read_text()


def test_marketplace_text_reaches_a_reply_without_control_characters(synced: Home) -> None:
    review_id = str(_unanswered(synced)[0]["id"])
    db = sqlite3.connect(synced.db_path)
    db.execute("UPDATE reviews SET buyer_name = ? WHERE id = ?", ("\x1b[31mMarc\x1b[0m \x1b]0;pwn\x07L.", review_id))
    db.commit()
    db.close()
    synced.ok("reviews", "reply", review_id, "--template", "thanks")
    body = synced.sql("SELECT body FROM replies")[0][0]
    assert "\x1b" not in body and "\x07" not in body and body.startswith("Bonjour Marc L.,")
    rendered = synced.ok("templates", "render", "thanks", "--review", review_id).stdout
    assert "\x1b" not in rendered
