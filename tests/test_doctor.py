"""`mktcrm doctor` tells a cron job which kind of trouble it is: fix the key (4) or retry later (5)."""

from __future__ import annotations

import json

from conftest import Home, mirakl_account, sandbox


def test_a_busy_marketplace_is_temporary_and_said_on_stderr(home: Home) -> None:
    home.configure(sync={"retries": 2})
    sandbox().faults.server_error_next = 5
    result = home.run("doctor", "--json")
    assert result.exit_code == 5, result.stderr
    row = json.loads(result.stdout)[0]
    assert row["status"] == "fail" and row["exit_code"] == 5 and "HTTP 503" in row["detail"]
    assert result.stderr.startswith("Error: shop1: ") and "HTTP 503" in result.stderr


def test_rejected_credentials_win_over_a_busy_marketplace(home: Home) -> None:
    home.configure(
        [mirakl_account("busy"), mirakl_account("bad")],
        secrets={"MKTCRM_TEST_BUSY_KEY": "sandbox-busy-key", "MKTCRM_TEST_BAD_KEY": "wrong"},
        sync={"retries": 1},
    )
    from conftest import sandbox_url
    from mktcrm.sandbox import open_sandbox

    open_sandbox(sandbox_url("busy")).faults.rate_limit_next = 3
    result = home.run("doctor")
    assert result.exit_code == 4
    assert "Error: bad: " in result.stderr and "Error: busy: " in result.stderr


def test_no_config_is_a_config_error(home: Home) -> None:
    result = home.run("doctor")
    assert result.exit_code == 4 and "no config file" in result.stderr and "mktcrm init" in result.stderr
