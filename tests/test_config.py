"""init, config check/path, accounts: strict config with errors that name the key and the line."""

from __future__ import annotations

import json
import stat

from conftest import Home


def test_init_writes_a_private_commented_config_and_refuses_to_overwrite(home: Home) -> None:
    result = home.ok("init")
    path = home.path / "config.toml"
    assert result.stdout.strip() == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "[[accounts]]" in path.read_text() and "api_key_env" in path.read_text()
    again = home.run("init")
    assert again.exit_code == 2 and "--force" in again.stderr
    path.write_text("# mine\n")
    home.ok("init", "--force")
    assert "# mine" not in path.read_text()
    assert home.ok("config", "check").stdout.startswith(str(path))  # the template itself is valid


def test_config_path_honours_mktcrm_home_and_overrides(home: Home) -> None:
    out = home.ok("config", "path").stdout
    assert f"config\t{home.path / 'config.toml'}" in out and f"cache\t{home.path / 'mktcrm.db'}" in out
    other = home.ok("--config", "/tmp/x/c.toml", "--db", "/tmp/x/d.db", "config", "path").stdout
    assert "config\t/tmp/x/c.toml" in other and "cache\t/tmp/x/d.db" in other


def test_config_check_ok(home: Home) -> None:
    home.configure()
    assert "ok (1 accounts)" in home.ok("config", "check").stdout


def _write(home: Home, text: str) -> None:
    (home.path / "config.toml").write_text(text, encoding="utf-8")


ACCOUNT = """
[[accounts]]
name = "leclerc"
marketplace = "mirakl"
base_url = "https://leclerc.example"
api_key_env = "K"
"""


def test_a_typo_names_the_key_the_line_and_a_suggestion(home: Home) -> None:
    _write(home, ACCOUNT + 'shop_idd = "1"\n')
    result = home.run("config", "check")
    assert result.exit_code == 4
    assert "config.toml:7: unknown key 'shop_idd'" in result.stderr
    assert "did you mean 'shop_id'" in result.stderr


def test_wrong_types_and_values_are_named(home: Home) -> None:
    _write(home, "[sync]\npage_size = 500\n")
    assert "page_size must be between 1 and 100" in home.run("config", "check").stderr
    _write(home, '[sync]\nretries = "many"\n')
    result = home.run("config", "check")
    assert result.exit_code == 4 and "config.toml:2: [sync] retries must be an integer" in result.stderr
    _write(home, ACCOUNT.replace("mirakl", "rakuten"))
    assert "unknown marketplace 'rakuten'" in home.run("config", "check").stderr
    _write(home, ACCOUNT.replace('name = "leclerc"', 'name = "Le Clerc"'))
    assert "name must be" in home.run("config", "check").stderr
    _write(home, ACCOUNT + ACCOUNT)
    assert "defined twice" in home.run("config", "check").stderr
    _write(home, ACCOUNT.replace('api_key_env = "K"', ""))
    assert "missing key 'api_key_env'" in home.run("config", "check").stderr
    _write(home, ACCOUNT + 'timezone = "Mars/Olympus"\n')
    assert "unknown timezone" in home.run("config", "check").stderr


def test_invalid_toml_names_the_line(home: Home) -> None:
    _write(home, "[sync]\npage_size = = 3\n")
    result = home.run("config", "check")
    assert result.exit_code == 4 and "invalid TOML" in result.stderr and "line 2" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_config_is_exit_4_with_a_hint(home: Home) -> None:
    result = home.run("config", "check")
    assert result.exit_code == 4 and "mktcrm init" in result.stderr
    assert home.run("sync").exit_code == 4


def test_secrets_file_readable_by_others_is_refused(home: Home) -> None:
    home.configure()
    (home.path / "secrets.toml").chmod(0o644)
    result = home.run("config", "check")
    assert result.exit_code == 4 and "chmod 600" in result.stderr


def test_environment_beats_secrets_file(home: Home) -> None:
    home.configure(secrets={"MKTCRM_TEST_SHOP1_KEY": "wrong"})
    assert home.run("sync", "--quiet").exit_code == 4
    assert home.run("sync", "--quiet", env={"MKTCRM_TEST_SHOP1_KEY": "sandbox-shop1-key"}).exit_code == 0


def test_accounts_lists_capabilities_and_never_secrets(home: Home) -> None:
    home.configure()
    rows = json.loads(home.ok("accounts", "--json").stdout)
    assert rows[0]["account"] == "shop1" and rows[0]["marketplace"] == "mirakl"
    assert rows[0]["capability_matrix"]["reply_review"] == "manual"
    assert rows[0]["capability_matrix"]["sync_orders"] == "api"
    everything = home.ok("accounts", "--json").stdout + home.ok("accounts").stdout + home.ok("config", "check").stdout
    assert "sandbox-shop1-key" not in everything


def test_bad_cache_file_is_reported_and_left_alone(home: Home) -> None:
    home.configure()
    home.db_path.write_bytes(b"not a database at all" * 100)
    result = home.run("orders", "list")
    assert result.exit_code == 1 and "is not a mktcrm cache" in result.stderr
    assert home.db_path.read_bytes() == b"not a database at all" * 100


def test_base_url_must_be_https_except_on_loopback(home: Home) -> None:
    _write(home, ACCOUNT.replace("https://leclerc.example", "http://leclerc.example"))
    result = home.run("config", "check")
    assert result.exit_code == 4 and "must start with https://" in result.stderr
    _write(home, ACCOUNT.replace("https://leclerc.example", "http://127.0.0.1:8765/leclerc"))
    assert home.run("config", "check", env={"K": "x"}).exit_code == 0


def test_bad_sandbox_url_fails_that_account_only(home: Home) -> None:
    from conftest import mirakl_account

    home.configure([mirakl_account("good"), mirakl_account("odd", base_url="sandbox://nowhere/odd")])
    result = home.run("sync", "--quiet")
    assert result.exit_code == 3
    assert "bad sandbox URL" in result.stderr and "Traceback" not in result.stderr
    assert home.count("orders") > 0


def test_values_that_would_fail_later_are_refused_now(home: Home) -> None:
    cases = {
        ACCOUNT + 'country = "XX"\n': "no public-holiday calendar",
        ACCOUNT + 'deadlines = { incidnt = "4d" }\n': "did you mean 'incident'",
        ACCOUNT + 'deadlines = { incident = "4 days" }\n': "invalid dispute deadline",
        "[brand]\nforbidden = [1]\n": "forbidden must be a list of non-empty strings",
        "[sync]\nlock_timeout_seconds = -1\n": "lock_timeout_seconds must be zero or more",
        "[sync]\nbackoff_seconds = -0.5\n": "backoff_seconds must be zero or more",
    }
    for text, message in cases.items():
        _write(home, text)
        result = home.run("config", "check", env={"K": "x"})
        assert result.exit_code == 4 and message in result.stderr, (text, result.stderr)


def test_a_secret_pasted_into_an_env_field_is_refused_and_never_echoed(home: Home) -> None:
    key = "sk-live-4f9a8b7c6d5e"
    _write(home, ACCOUNT.replace('api_key_env = "K"', f'api_key_env = "{key}"'))
    for command in (("config", "check"), ("sync",), ("doctor",), ("accounts",)):
        result = home.run(*command)
        assert result.exit_code == 4, command
        assert "api_key_env must be the NAME of an environment variable" in result.stderr, command
        assert key not in result.stdout + result.stderr, command
    assert not home.db_path.exists() or all(key not in str(r) for r in home.sql("SELECT report FROM sync_runs"))


def test_non_finite_and_absurd_durations_are_config_errors(home: Home) -> None:
    for line, key in (
        ("lock_timeout_seconds = nan", "lock_timeout_seconds"),
        ("backoff_seconds = inf", "backoff_seconds"),
        ("lookback_minutes = 99999999999", "lookback_minutes"),
        ("retry_budget_seconds = -1.5", "retry_budget_seconds"),
    ):
        _write(home, f"[sync]\n{line}\n" + ACCOUNT)
        for command in (("config", "check"), ("sync",)):
            result = home.run(*command)
            assert result.exit_code == 4, (line, command, result.stderr)
            assert f"config.toml:2: [sync] {key} must be zero or more and at most" in result.stderr, line
            assert "internal error" not in result.stderr


def test_secrets_file_that_is_not_utf8_is_a_config_error(home: Home) -> None:
    home.configure()
    secrets = home.path / "secrets.toml"
    secrets.write_bytes(b'MKTCRM_TEST_SHOP1_KEY = "caf\xe9"\n')
    secrets.chmod(0o600)
    result = home.run("sync")
    assert result.exit_code in (3, 4) and "secrets.toml is not UTF-8 text" in result.stderr
    assert "internal error" not in result.stderr
