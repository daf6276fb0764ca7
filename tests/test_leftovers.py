"""Issue 11, item 6 leftovers: each ordinary condition is one line and a documented code, never an internal error."""

from __future__ import annotations

import json

import pytest

from conftest import Home, sandbox_account, sandbox_url
from mktcrm.sandbox import open_sandbox


def _clean(stderr: str) -> None:
    assert "internal error" not in stderr and "Traceback" not in stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("tasks", "done", "99999999999999999999"), "ID"),
        (("tasks", "done", "0"), "ID"),
        (("tasks", "done", "-3"), "ID"),
        (("demo", "--seed", "-1"), "--seed"),
        (("sandbox", "serve", "--seed", "-1"), "--seed"),
    ],
)
def test_out_of_range_ids_and_seeds_are_usage_errors(synced: Home, args: tuple[str, ...], says: str) -> None:
    result = synced.run(*args)
    assert result.exit_code == 2, result.stderr
    assert says in result.stderr
    _clean(result.stderr)


def test_the_largest_task_id_sqlite_holds_is_simply_not_found(synced: Home) -> None:
    result = synced.run("tasks", "done", str(2**63 - 1))
    assert result.exit_code == 1 and "no task" in result.stderr
    _clean(result.stderr)


def test_truncated_json_from_amazon_create_report_is_a_remote_error(home: Home) -> None:
    account, secrets = sandbox_account("amazon", "amazon-fr")
    home.configure([account], secrets=secrets)
    sandbox = open_sandbox(account["endpoint"])
    sandbox.faults.malformed_next = 1  # the first API answer of a reviews sync is createReport's
    result = home.run("sync", "--stream", "reviews", "--json")
    assert result.exit_code == 1, result.stderr
    stream = json.loads(result.stdout)["accounts"][0]["streams"][0]
    assert "/reports" in stream["error"] and "not JSON" in stream["error"]
    assert [r.url.path for r in sandbox.requests if r.method == "POST"][-1].endswith("/reports")
    _clean(result.stderr)
    assert home.run("sync", "--stream", "reviews").exit_code == 0  # the next run is fine


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("Bonjour {{ buyer_name }\\n", 1),
        ("Bonjour,\\n\\n{% if rating > 3 %}Merci !\\n", 3),
        ("Merci\\n{% for x in %}{% endfor %}", 2),
    ],
)
def test_config_check_rejects_an_inline_template_that_does_not_compile(home: Home, source: str, line: int) -> None:
    home.configure()
    with (home.path / "config.toml").open("a", encoding="utf-8") as f:
        f.write(f'\n[templates]\nbroken = "{source}"\n')
    result = home.run("config", "check")
    assert result.exit_code == 4, result.stderr
    assert f"template 'broken' line {line}:" in result.stderr and "Hint: fix it in config" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 2
    _clean(result.stderr)


def test_config_check_names_the_template_file_that_does_not_compile(home: Home) -> None:
    home.configure()
    folder = home.path / "templates"
    folder.mkdir()
    (folder / "merci.fr.j2").write_text("Bonjour,\n{{ signature ", encoding="utf-8")
    result = home.run("config", "check")
    assert result.exit_code == 4
    assert "template 'merci.fr' line 2:" in result.stderr and str(folder / "merci.fr.j2") in result.stderr
    (folder / "merci.fr.j2").write_text("Bonjour,\n{{ signature }}", encoding="utf-8")
    assert "ok (1 accounts)" in home.ok("config", "check").stdout


def test_a_garbled_answer_to_a_mirakl_message_is_read_back_not_posted_twice(home: Home) -> None:
    home.configure()
    home.ok("sync", "--stream", "threads", "--quiet")
    dispute_id, thread_id = home.sql(
        "SELECT id, thread_id FROM disputes WHERE kind = 'inquiry' AND status = 'awaiting_seller' ORDER BY id LIMIT 1"
    )[0]
    sandbox = open_sandbox(sandbox_url("shop1"))
    thread = sandbox.inbox.threads[thread_id]
    text = "Bonjour, nous regardons votre demande aujourd'hui."
    sandbox.faults.malformed_next = 1  # M12 stores the message, its 200 answer arrives cut in half
    home.ok("disputes", "message", dispute_id, "--text", text)
    assert [m.body for m in thread.messages if m.sender == "SHOP_USER"].count(text) == 1
    assert home.sql("SELECT state FROM dispute_messages") == [("sent",)]


def test_a_cache_path_under_a_regular_file_is_one_line(home: Home) -> None:
    home.configure()
    blocker = home.path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    result = home.run("--db", str(blocker / "mktcrm.db"), "reviews", "list")
    assert result.exit_code == 1 and result.stderr.startswith("Error: cannot create the cache")
    assert "Hint:" in result.stderr and len(result.stderr.strip().splitlines()) == 2
    _clean(result.stderr)


def test_a_file_name_with_a_nul_character_is_a_usage_error(home: Home) -> None:
    """Found by the long property run: the OS refuses such a path before any file is opened."""
    result = home.run("charter", "check", "--", "a\x00b")
    assert result.exit_code == 2 and "NUL character" in result.stderr
    _clean(result.stderr)
