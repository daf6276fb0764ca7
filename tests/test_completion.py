"""Shell completion through Typer's `_MKTCRM_COMPLETE` protocol, as bash, zsh and fish call it on Tab."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Home, mirakl_account, sandbox_account


def complete(home: Home, shell: str, line: str) -> list[str]:
    """What the shell would offer for `line` (the last word is being typed; "" after a trailing space)."""
    env = {"_MKTCRM_COMPLETE": f"complete_{shell}", "_TYPER_COMPLETE_ARGS": line}
    if shell == "bash":
        words = line.split() + ([""] if line.endswith(" ") else [])
        env |= {"COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)}
    if shell == "fish":
        env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    result = home.runner.invoke(__import__("mktcrm.cli").cli.app, [], env=env, prog_name="mktcrm")
    assert result.exit_code == 0, result.output
    return [line for line in result.stdout.splitlines() if line]


@pytest.fixture
def shops(home: Home) -> Home:
    ebay, ebay_secrets = sandbox_account("ebay", "ebay-fr")
    shop = mirakl_account("shop1")
    home.configure([shop, ebay], secrets={shop["api_key_env"]: "sandbox-shop1-key", **ebay_secrets})
    home.ok("sync", "--quiet")
    return home


def test_commands_and_accounts_in_bash_zsh_and_fish(shops: Home) -> None:
    assert complete(shops, "bash", "mktcrm dis") == ["disputes"]
    assert complete(shops, "bash", "mktcrm sync ") == ["shop1", "ebay-fr"]
    assert complete(shops, "bash", "mktcrm orders list --account e") == ["ebay-fr"]
    zsh = "\n".join(complete(shops, "zsh", "mktcrm reviews list -a "))
    assert '"shop1":"mirakl"' in zsh and '"ebay-fr":"ebay"' in zsh  # zsh shows the marketplace beside each
    assert complete(shops, "fish", "mktcrm kpi --account sh") == ["shop1\tmirakl"]


def test_dispute_ids_open_first_and_by_prefix(shops: Home) -> None:
    ids = complete(shops, "bash", "mktcrm disputes show ")
    cached = shops.sql("SELECT id, status FROM disputes")
    assert sorted(ids) == sorted(i for i, _ in cached)
    closed = {i for i, s in cached if s in ("resolved", "closed")}
    assert all(i not in closed for i in ids[: len(ids) - len(closed)])  # the ones to act on come first
    some = ids[0]
    assert some in complete(shops, "bash", f"mktcrm disputes note {some[:6]}")
    assert complete(shops, "bash", "mktcrm disputes show zz-none") == []


def test_reason_codes_follow_the_dispute_and_the_action(shops: Home) -> None:
    incident = shops.sql("SELECT id FROM disputes WHERE account = 'shop1' AND kind = 'incident' LIMIT 1")[0][0]
    assert complete(shops, "bash", f"mktcrm disputes resolve {incident} --reason ") == ["10", "11", "12"]
    payment = shops.sql("SELECT id FROM disputes WHERE account = 'ebay-fr' LIMIT 1")[0][0]
    assert complete(shops, "bash", f"mktcrm disputes resolve {payment} -r ") == ["accept"]
    order = shops.sql("SELECT id FROM orders WHERE account = 'shop1' LIMIT 1")[0][0]
    assert complete(shops, "bash", f"mktcrm disputes open {order} --reason 2") == ["20", "21", "22", "26"]
    fish = complete(shops, "fish", f"mktcrm disputes open {order} --reason 26")
    assert fish == ["26\tAutre question"]
    assert complete(shops, "bash", "mktcrm disputes reasons --action r") == ["resolve"]


def test_template_names_with_their_language_base(home: Home) -> None:
    (home.path / "templates").mkdir()
    (home.path / "templates" / "sorry.fr.j2").write_text("Désolé {{ buyer_name }}", encoding="utf-8")
    names = complete(home, "bash", "mktcrm templates show ")
    assert {"thanks", "thanks.fr", "thanks.en", "sorry", "sorry.fr"} <= set(names)
    assert complete(home, "bash", "mktcrm reviews reply --template so") == ["sorry", "sorry.fr"]
    assert complete(home, "bash", "mktcrm disputes message X -t sorry.") == ["sorry.fr"]


def test_no_config_and_no_cache_offer_nothing_and_create_nothing(home: Home) -> None:
    assert complete(home, "bash", "mktcrm sync ") == []
    assert complete(home, "bash", "mktcrm disputes show ") == []
    assert not home.db_path.exists()  # completion never creates the cache


def test_show_and_install_completion(home: Home, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A terminal's shell is detected; here the shell is named, as `--show-completion zsh` allows without one.
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    # typer reads that variable when it builds the command (conftest builds it once per process): build anew.
    import typer.main

    import conftest
    from mktcrm.cli import app

    monkeypatch.setattr(conftest, "_ROOT_COMMAND", typer.main.get_command(app))
    shown = home.run("--show-completion", "bash")
    assert shown.exit_code == 0 and "_MKTCRM_COMPLETE=complete_bash" in shown.stdout
    for shell in ("zsh", "fish"):
        assert "_MKTCRM_COMPLETE=complete_" + shell in home.run("--show-completion", shell).stdout
    user = tmp_path / "user"
    user.mkdir()
    installed = home.run("--install-completion", "bash", env={"HOME": str(user)})
    assert installed.exit_code == 0, installed.output
    assert "mktcrm" in (user / ".bashrc").read_text(encoding="utf-8")


def test_completing_a_command_name_imports_no_command_module(home: Home) -> None:
    probe = (
        "import json, sys\n"
        "from mktcrm.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('mktcrm.commands.'))))\n"
    )
    env = {
        **os.environ,
        "MKTCRM_HOME": str(home.path),
        "_MKTCRM_COMPLETE": "complete_bash",
        "COMP_WORDS": "mktcrm d",
        "COMP_CWORD": "1",
    }
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=False)
    lines = out.stdout.strip().splitlines()
    assert lines[:-1] == ["doctor", "due", "demo", "disputes", "db"]
    assert json.loads(lines[-1]) == []
