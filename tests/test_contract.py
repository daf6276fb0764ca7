"""The contract checker itself: it sees the suite's traffic and catches what it must."""

from __future__ import annotations

import httpx

from conftest import Home
from contract import ContractChecker, check, operations


def _get(path: str, headers: dict[str, str] | None = None, **params: str) -> httpx.Request:
    return httpx.Request("GET", f"http://sandbox.invalid{path}", params=params, headers=headers or {})


MIRAKL_KEY = {"Authorization": "k"}


def test_a_sync_is_checked_request_by_request(home: Home, contract: ContractChecker) -> None:
    home.configure()
    home.ok("sync", "--quiet")
    assert contract.checked > 10 and contract.problems == []


def test_every_marketplace_spec_loads() -> None:
    from mktcrm import connectors

    for marketplace in connectors.names():
        assert len(operations(marketplace)) > 5, marketplace


def test_unknown_operation_parameter_and_auth_are_caught() -> None:
    assert check("mirakl", _get("/api/orders", MIRAKL_KEY, max="10", offset="0"), "/api/orders", None) == []
    assert "no such operation" in check("mirakl", _get("/api/nope", MIRAKL_KEY), "/api/nope", None)[0]
    unknown = check("mirakl", _get("/api/orders", MIRAKL_KEY, updated_since="x"), "/api/orders", None)
    assert "'updated_since' is not in the spec" in unknown[0]
    bearer = check("mirakl", _get("/api/orders", {"Authorization": "Bearer k"}), "/api/orders", None)
    assert "raw shop key" in bearer[0]
    listings = "/listings/2021-08-01/items/SELLER1"
    no_token = check("amazon", _get(listings), listings, None)
    assert any("x-amz-access-token" in p for p in no_token)
    assert any("required query parameter" in p for p in no_token)


def test_deprecated_operations_are_caught() -> None:
    path = "/orders/v0/orders"
    problems = check("amazon", _get(path, {"x-amz-access-token": "t"}, MarketplaceIds="A1"), path, None)
    assert any("deprecated" in p for p in problems)


def test_answers_are_validated_against_the_response_schema() -> None:
    request = _get("/api/orders", MIRAKL_KEY)
    bad = httpx.Response(200, json={"orders": [{"order_id": 1}], "total_count": "many"})
    problems = check("mirakl", request, "/api/orders", bad)
    assert problems and "does not match the spec" in problems[0]
    good = httpx.Response(200, json={"orders": [], "total_count": 0})
    assert check("mirakl", request, "/api/orders", good) == []
