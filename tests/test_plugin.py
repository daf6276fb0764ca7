"""A marketplace is one plug-in: Bazaar, defined only in tests/plugin_shop, goes through the real CLI.

It is registered at run time (`connectors.register`), as an installed package would be through the
`mktcrm.marketplaces` entry-point group; sync, reply by API, KPIs, charter and deadlines all find it
through the registry, and nothing under src/ names it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import Home, sandbox_account
from contract import ContractChecker
from mktcrm import connectors
from mktcrm.core import charter, deadlines
from mktcrm.sandbox import open_sandbox

ORDERS = 20  # the sandbox cancels every tenth one
SRC = Path(__file__).resolve().parents[1] / "src" / "mktcrm"


@pytest.fixture
def bazaar(home: Home) -> Iterator[Home]:
    connectors.register("bazaar", "plugin_shop:BazaarConnector")
    try:
        account, secrets = sandbox_account("bazaar", "bazaar-fr", orders=ORDERS)
        home.configure([account], secrets=secrets)
        home.sandbox = open_sandbox(account["base_url"])  # type: ignore[attr-defined]
        yield home
    finally:
        connectors.unregister("bazaar")


def test_the_plug_in_is_nowhere_in_the_product_code() -> None:
    assert "bazaar" not in connectors.names()
    assert not [p for p in SRC.rglob("*.py") if "bazaar" in p.read_text(encoding="utf-8").lower()]


def test_registry_finds_the_plug_in_and_what_it_declares(bazaar: Home) -> None:
    assert "bazaar" in connectors.names() and "bazaar" in charter.marketplaces()
    assert connectors.get("bazaar").label == "Bazaar"
    assert charter.targets("bazaar") == ["review_reply"]
    rule = deadlines.rule_for("bazaar", "claim")
    assert rule is not None and rule.amount == 2 and rule.unit == "calendar_days"
    matrix = {r["marketplace"]: r for r in json.loads(bazaar.ok("marketplaces", "--json").stdout)}
    assert matrix["bazaar"]["reply"] == "api" and matrix["bazaar"]["disputes"] == "none"
    assert json.loads(bazaar.ok("doctor", "--json").stdout)[0]["detail"] == "shop Bazaar bazaar-fr"


def test_an_account_may_override_a_deadline_of_the_plug_ins_own_kind(bazaar: Home) -> None:
    account, secrets = sandbox_account("bazaar", "bazaar-fr", orders=ORDERS)
    bazaar.configure([{**account, "deadlines": {"haggle": "3bd", "claim": "24h"}}], secrets=secrets)
    assert "ok (1 accounts)" in bazaar.ok("config", "check").stdout
    bazaar.configure([{**account, "deadlines": {"haggel": "3bd"}}], secrets=secrets)
    typo = bazaar.run("config", "check")
    assert typo.exit_code == 4 and "did you mean 'haggle'" in typo.stderr


def test_sync_reply_and_kpis_through_the_real_cli(bazaar: Home, contract: ContractChecker) -> None:
    bazaar.ok("sync", "--quiet")
    assert bazaar.count("orders") == ORDERS and bazaar.count("reviews") == ORDERS // 2
    assert contract.checked > 3  # its auth rule was checked on every request (the fixture asserts no problem)

    rows = json.loads(bazaar.ok("reviews", "list", "--unanswered", "--rating", "4..5", "--json").stdout)
    review = rows[0]
    text = "Merci pour votre avis !"
    outcome = json.loads(bazaar.ok("reviews", "reply", review["id"], "--text", text, "--json").stdout)[0]
    assert outcome["state"] == "sent"
    assert bazaar.sandbox.reply_of(review["id"]) == text  # type: ignore[attr-defined]
    too_long = bazaar.run("reviews", "reply", rows[1]["id"], "--text", "Merci. " * 40)
    assert too_long.exit_code == 6 and "MKT-LEN" in too_long.stdout + too_long.stderr
    assert bazaar.sandbox.reply_of(rows[1]["id"]) is None  # type: ignore[attr-defined]

    kpi = {r["account"]: r for r in json.loads(bazaar.ok("kpi", "--period", "all", "--json").stdout)}
    live = [n for n in range(ORDERS) if n % 10 != 9]
    assert kpi["bazaar-fr"]["marketplace"] == "bazaar" and kpi["bazaar-fr"]["orders"] == len(live)
    assert kpi["bazaar-fr"]["revenue"] == f"{sum(1000 + 100 * n for n in live) / 100:.2f}"
