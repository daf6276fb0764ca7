"""`accounts --capabilities`, `marketplaces`, `doctor`, and honest "not supported" answers."""

from __future__ import annotations

import json

from conftest import Home, mirakl_account, sandbox


def test_marketplaces_matrix_matches_the_research(home: Home) -> None:
    rows = {r["marketplace"]: r for r in json.loads(home.ok("marketplaces", "--json").stdout)}
    from mktcrm import connectors

    assert sorted(rows) == connectors.names()
    assert rows["ebay"]["reply"] == "api" and rows["ebay"]["disputes"] == "api"
    assert rows["amazon"]["reply"] == "manual" and rows["amazon"]["disputes"] == "none"
    assert rows["etsy"]["reply"] == "manual" and rows["etsy"]["message"] == "none"
    assert rows["mirakl"]["open"] == "api" and rows["mirakl"]["resolve"] == "api"  # OR43 opens a thread
    assert rows["amazon"]["open"] == "none"


def test_accounts_capabilities_is_one_column_per_action(home: Home) -> None:
    home.configure()
    rows = json.loads(home.ok("accounts", "--capabilities", "--json").stdout)
    assert list(rows[0]) == [
        "account",
        "marketplace",
        "listings",
        "orders",
        "reviews",
        "reply",
        "disputes",
        "open",
        "message",
        "resolve",
        "solicit",
    ]
    table = home.run("accounts", "-c", env={"MKTCRM_FORCE_TTY": "1", "NO_COLOR": "1", "COLUMNS": "60"}).stdout
    assert "RESOLVE" in table and "manual" in table  # no column dropped on a narrow terminal


def test_doctor_one_line_per_account_and_exit_4_on_failure(home: Home) -> None:
    home.configure(
        [mirakl_account("good"), mirakl_account("bad")],
        secrets={"MKTCRM_TEST_GOOD_KEY": "sandbox-good-key", "MKTCRM_TEST_BAD_KEY": "nope-s3cret"},
    )
    result = home.run("doctor", "--json")
    assert result.exit_code == 4
    rows = {r["account"]: r for r in json.loads(result.stdout)}
    assert rows["good"]["status"] == "ok" and "shop" in rows["good"]["detail"]
    assert rows["good"]["clock_skew_s"] is not None and abs(rows["good"]["clock_skew_s"]) <= 2
    assert rows["bad"]["status"] == "fail" and "rejected the credentials" in rows["bad"]["detail"]
    assert "s3cret" not in result.stdout + result.stderr
    assert home.run("doctor", "--account", "good").exit_code == 0


def test_doctor_flags_a_skewed_clock(home: Home) -> None:
    home.configure()
    sandbox().faults.clock_offset_s = 900
    result = home.run("doctor", "--json")
    assert result.exit_code == 4
    row = json.loads(result.stdout)[0]
    assert row["status"] == "fail" and "clock" in row["detail"] and row["clock_skew_s"] >= 890


def test_unsupported_action_names_what_to_do_instead() -> None:
    import pytest

    from mktcrm import connectors
    from mktcrm.errors import NotSupportedError

    with pytest.raises(NotSupportedError) as caught:
        connectors.get("etsy").require("message_dispute")
    assert "not supported by etsy" in caught.value.message and "Shop Manager" in (caught.value.hint or "")
    connectors.get("ebay").require("reply_review")  # supported: no error


def test_marketplaces_says_what_none_means_for_a_local_open(home: Home) -> None:
    shown = home.run("marketplaces", env={"MKTCRM_FORCE_TTY": "1", "NO_COLOR": "1", "COLUMNS": "200"})
    assert shown.exit_code == 0
    assert "its --message is a local note, never sent to the buyer" in " ".join(shown.stderr.split())
    assert home.ok("marketplaces", "--json").stderr == ""  # scripts get the data only
