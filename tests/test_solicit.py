"""`mktcrm solicit`: Amazon review requests, eligibility with reasons, exactly once through the outbox."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from conftest import Home, mirakl_account, sandbox_account
from mktcrm.connectors.amazon.sandbox import payloads as pl
from mktcrm.connectors.amazon.sandbox.marketplace import AmazonSandbox
from mktcrm.sandbox import open_sandbox

DAY = 86_400
CREATE = "/solicitations/productReviewAndSellerFeedback"


def _setup(home: Home, *, mirakl: bool = False) -> tuple[AmazonSandbox, dict[str, str]]:
    """An Amazon shop whose shipped orders were delivered at chosen days ago (by this machine's clock)."""
    account, secrets = sandbox_account("amazon", "boutique", orders=60)
    accounts = [account, mirakl_account("shop1")] if mirakl else [account]
    home.configure(accounts, secrets={**secrets, "MKTCRM_TEST_SHOP1_KEY": "sandbox-shop1-key"})
    sb = open_sandbox(account["endpoint"])
    assert isinstance(sb, AmazonSandbox)
    shipped = [
        pl.order_id(sb.data, o) for o in sb.data.orders if pl.STATUS.get(o.state) == "SHIPPED" and not o.evaluation
    ]
    now = time.time()
    picked = {"eligible": 10, "early": 2, "late": 40, "edge_in": 5.01, "edge_out": 4.9, "feedback": 12}
    chosen = dict(zip(picked, shipped, strict=False))
    for name, days in picked.items():
        sb.set_delivery(chosen[name], now - days * DAY)
    sb.set_feedback(chosen["feedback"], 2, "Colis abîmé", sb.now)
    chosen["pending"] = next(pl.order_id(sb.data, o) for o in sb.data.orders if pl.STATUS.get(o.state) == "UNSHIPPED")
    chosen["cancelled"] = next(pl.order_id(sb.data, o) for o in sb.data.orders if pl.STATUS.get(o.state) == "CANCELLED")
    home.ok("sync", "boutique", "--quiet")
    return sb, chosen


def _rows(result: Any) -> dict[str, dict[str, Any]]:
    return {r["order_id"]: r for r in json.loads(result.stdout)}


def _posts(sb: AmazonSandbox) -> list[httpx.Request]:
    return [r for r in sb.requests if r.method == "POST" and r.url.path.endswith(CREATE)]


def test_dry_run_says_for_each_order_why_or_until_when(home: Home) -> None:
    sb, ids = _setup(home)
    result = home.ok("solicit", "--since", "3650d", "--dry-run", "--json")
    rows = _rows(result)
    assert len(rows) == home.count("orders")
    verdict = {name: (rows[i]["state"], rows[i]["detail"]) for name, i in ids.items()}
    assert verdict["eligible"][0] == "eligible" and verdict["eligible"][1].startswith("eligible until ")
    assert verdict["edge_in"][0] == "eligible"  # 5 days and a quarter hour after delivery
    assert verdict["early"] == ("not eligible", verdict["early"][1]) and verdict["early"][1].startswith("too early")
    assert verdict["edge_out"][1].startswith("too early: from ")  # 4.9 days: not yet
    assert verdict["late"][1].startswith("too late: the window closed on ")
    assert verdict["feedback"] == ("not eligible", "the buyer already left feedback (2★)")
    assert verdict["pending"][1].startswith("not delivered yet (UNSHIPPED")
    assert verdict["cancelled"] == ("not eligible", "cancelled")
    assert rows[ids["eligible"]]["delivered_at"] is not None and rows[ids["pending"]]["delivered_at"] is None
    assert "Dry run:" in result.stderr and _posts(sb) == [] and home.count("solicitations") == 0


def test_eligible_orders_are_asked_once_and_a_rerun_asks_nothing(home: Home) -> None:
    sb, ids = _setup(home)
    planned = {
        i
        for i, r in _rows(home.ok("solicit", "--since", "3650d", "--dry-run", "--json")).items()
        if r["state"] == "eligible"
    }
    assert ids["eligible"] in planned and ids["late"] not in planned
    first = _rows(home.ok("solicit", "--since", "3650d", "--json"))
    assert {i for i, r in first.items() if r["state"] == "sent"} == planned == sb.solicited
    assert len(_posts(sb)) == len(planned)
    assert home.sql("SELECT count(*), min(state), max(state) FROM solicitations") == [(len(planned), "sent", "sent")]
    again = _rows(home.ok("solicit", "--since", "3650d", "--json"))
    assert len(_posts(sb)) == len(planned)  # nothing asked twice
    assert all(again[i]["state"] == "skipped" and again[i]["detail"].startswith("already asked on ") for i in planned)


def test_a_lost_answer_is_read_back_never_sent_twice(home: Home) -> None:
    sb, _ = _setup(home)
    planned = sorted(
        i
        for i, r in _rows(home.ok("solicit", "--since", "3650d", "--dry-run", "--json")).items()
        if r["state"] == "eligible"
    )
    original = sb.handler

    def lose_first_post(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith(CREATE) and not _posts(sb):
            sb.faults.lose_response_next = 1  # Amazon records the request, the answer never arrives
        return original(request)

    sb.handler = lose_first_post  # type: ignore[method-assign]
    result = home.run("solicit", "--since", "3650d", "--json")
    assert result.exit_code == 5  # unknown whether it arrived: the row waits in `sending`
    assert home.sql("SELECT state FROM solicitations WHERE order_id = ?", planned[0]) == [("sending",)]
    assert len(_posts(sb)) == len(planned)  # the other orders went on
    home.ok("solicit", "--since", "3650d")
    assert home.sql("SELECT state FROM solicitations WHERE order_id = ?", planned[0]) == [("sent",)]
    assert len(_posts(sb)) == len(planned)  # the lost one was read back (no longer offered), not posted again
    assert sb.solicited == set(planned)


def test_amazons_refusal_is_stated_and_not_retried(home: Home) -> None:
    sb, ids = _setup(home)
    sb.solicited.add(ids["eligible"])  # asked by hand in Seller Central: Amazon no longer offers it
    rows = _rows(home.ok("solicit", "--since", "3650d", "--json"))
    assert rows[ids["eligible"]]["state"] == "skipped"
    assert rows[ids["eligible"]]["detail"] == "the marketplace does not offer a review request for it now"
    assert home.sql("SELECT count(*) FROM solicitations WHERE order_id = ?", ids["eligible"]) == [(0,)]


def test_the_sandbox_refuses_like_the_spec_says() -> None:
    sb = open_sandbox("sandbox://amazon/refus?orders=30&anchor=2026-11-20")
    assert isinstance(sb, AmazonSandbox)
    shipped = [pl.order_id(sb.data, o) for o in sb.data.orders if pl.STATUS.get(o.state) == "SHIPPED"]
    sb.set_delivery(shipped[0], time.time() - 10 * DAY)
    sb.set_delivery(shipped[1], time.time() - 31 * DAY)
    client = httpx.Client(transport=httpx.MockTransport(sb.handler), base_url=sb.base_url)
    token = client.post(
        "/auth/o2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": sb.refresh_token,
            "client_id": sb.client_id,
            "client_secret": sb.client_secret,
        },
    ).json()["access_token"]
    client.headers["x-amz-access-token"] = token
    market = {"marketplaceIds": pl.MARKETPLACE_FR}
    actions = client.get(f"/solicitations/v1/orders/{shipped[0]}", params=market).json()["_links"]["actions"]
    assert [a["name"] for a in actions] == ["productReviewAndSellerFeedback"]
    first = client.post(f"/solicitations/v1/orders/{shipped[0]}{CREATE}", params=market)
    assert first.status_code == 201 and first.json() == {}
    second = client.post(f"/solicitations/v1/orders/{shipped[0]}{CREATE}", params=market)
    assert second.status_code == 400 and second.json()["errors"][0]["code"] == "InvalidInput"
    assert client.get(f"/solicitations/v1/orders/{shipped[0]}", params=market).json()["_links"]["actions"] == []
    late = client.post(f"/solicitations/v1/orders/{shipped[1]}{CREATE}", params=market)
    assert late.status_code == 400 and "5 to 30 days" in late.json()["errors"][0]["message"]
    assert client.post(f"/solicitations/v1/orders/{shipped[0]}{CREATE}").status_code == 400  # no marketplace
    assert client.get("/solicitations/v1/orders/402-9999999-0000000", params=market).status_code == 404


def test_marketplaces_without_the_api_say_so(home: Home) -> None:
    _setup(home, mirakl=True)
    result = home.ok("solicit", "--dry-run", "--json")
    assert "shop1: Mirakl has no review-request API" in result.stderr
    assert {r["account"] for r in json.loads(result.stdout)} <= {"boutique"}
    refused = home.run("solicit", "--account", "shop1")
    assert refused.exit_code == 1 and refused.stderr.startswith("Error: not supported by mirakl")
    assert "Hint: Mirakl has no review-request API" in refused.stderr and "Traceback" not in refused.stderr
    capabilities = json.loads(home.ok("accounts", "--capabilities", "--json").stdout)
    assert {r["account"]: r["solicit"] for r in capabilities} == {"boutique": "api", "shop1": "none"}


def test_an_order_with_a_claim_or_a_return_is_not_asked(home: Home) -> None:
    """Amazon claims are not synced (no API); a dispute the cache holds for the order still counts."""
    import sqlite3

    sb, ids = _setup(home)
    db = sqlite3.connect(home.db_path)
    with db:
        for dispute, kind, order in (("c1", "claim", ids["eligible"]), ("r1", "return", ids["edge_in"])):
            db.execute(
                "INSERT INTO disputes (account, id, marketplace, kind, order_id, status, raw)"
                " VALUES ('boutique', ?, 'amazon', ?, ?, 'open', '{}')",
                (dispute, kind, order),
            )
    db.close()
    rows = _rows(home.ok("solicit", "--since", "3650d", "--json"))
    assert (rows[ids["eligible"]]["state"], rows[ids["eligible"]]["detail"]) == ("skipped", "disputed")
    assert rows[ids["edge_in"]]["detail"] == "returned or refunded"
    assert not {ids["eligible"], ids["edge_in"]} & sb.solicited


def test_an_automation_rule_asks_the_eligible_orders_once_and_waits_for_early_ones(home: Home) -> None:
    import tomllib

    import tomli_w

    sb, ids = _setup(home)
    eligible = {i for i, r in _rows(home.ok("solicit", "--since", "3650d", "--dry-run", "--json")).items()
                if r["state"] == "eligible"}  # fmt: skip
    config = home.path / "config.toml"
    doc = tomllib.loads(config.read_text(encoding="utf-8"))
    doc["automation"] = {"rules": {"ask": {"trigger": "order", "action": "solicit", "cap": 1000}}}
    config.write_text(tomli_w.dumps(doc), encoding="utf-8")

    planned = {s["ref_id"]: s for s in json.loads(home.ok("automate", "run", "--dry-run", "--json").stdout)}
    assert {i for i, s in planned.items() if s["state"] == "planned"} == eligible
    assert planned[ids["early"]]["state"] == "waiting" and planned[ids["early"]]["detail"].startswith("too early")
    assert planned[ids["late"]]["state"] == "skipped" and planned[ids["cancelled"]]["detail"] == "cancelled"
    assert _posts(sb) == []

    home.ok("automate", "run", "--json")
    assert sb.solicited == eligible and len(_posts(sb)) == len(eligible)
    logged = dict(home.sql("SELECT ref_id, state FROM automation_log WHERE rule = 'ask'"))
    assert {i for i, s in logged.items() if s == "solicited"} == eligible
    assert ids["early"] not in logged and logged[ids["late"]] == "skipped"  # an early order is tried again later

    again = json.loads(home.ok("automate", "run", "--json").stdout)
    assert len(_posts(sb)) == len(eligible)  # nothing asked twice
    assert {ids["early"], ids["edge_out"], ids["pending"]} <= {s["ref_id"] for s in again}
    assert all(s["state"] == "waiting" for s in again)
