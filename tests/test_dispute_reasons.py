"""`disputes reasons`: the codes each account accepts, asked from the marketplace (Mirakl RE01)."""

from __future__ import annotations

import json

from conftest import Home, mirakl_account, sandbox_account


def test_reasons_per_account_and_action_match_what_open_and_resolve_accept(home: Home) -> None:
    ebay, ebay_secrets = sandbox_account("ebay", "ebay-fr")
    shop = mirakl_account("shop1")
    home.configure([shop, ebay], secrets={shop["api_key_env"]: "sandbox-shop1-key", **ebay_secrets})
    result = home.ok("disputes", "reasons", "--json")
    rows = json.loads(result.stdout)
    assert list(rows[0]) == ["account", "marketplace", "action", "code", "label"]
    mirakl_open = {r["code"]: r["label"] for r in rows if r["account"] == "shop1" and r["action"] == "open"}
    assert mirakl_open == {
        "20": "Où en est ma commande ?",
        "21": "Question sur un produit",
        "22": "Retour ou échange",
        "26": "Autre question",
    }
    resolve = {r["code"] for r in rows if r["account"] == "shop1" and r["action"] == "resolve"}
    assert resolve == {"10", "11", "12"}
    assert [r["code"] for r in rows if r["account"] == "ebay-fr"] == ["accept"]
    assert "ebay-fr: open: any code (kept with the local dispute)" in result.stderr
    only = json.loads(home.ok("disputes", "reasons", "-a", "shop1", "--action", "resolve", "--json").stdout)
    assert {r["code"] for r in only} == resolve and {r["action"] for r in only} == {"resolve"}
    bad = home.run("disputes", "reasons", "--action", "close")
    assert bad.exit_code == 2 and bad.stderr.startswith("Error: unknown action 'close'")
    assert home.run("disputes", "reasons", "-a", "nope").exit_code == 2


def test_one_account_refused_is_reported_and_the_others_listed(home: Home) -> None:
    good, bad = mirakl_account("shop1"), mirakl_account("shop2")
    home.configure([good, bad], secrets={good["api_key_env"]: "sandbox-shop1-key", bad["api_key_env"]: "wrong"})
    result = home.run("disputes", "reasons", "--json")
    assert result.exit_code == 3
    assert {r["account"] for r in json.loads(result.stdout)} == {"shop1"}
    assert "Error:" in result.stderr and "shop2" in result.stderr and "Traceback" not in result.stderr
    alone = home.run("disputes", "reasons", "-a", "shop2")
    assert alone.exit_code == 4
