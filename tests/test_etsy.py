"""Etsy Open API v3: the real CLI against the Etsy sandbox (auth, paging, incremental sync, faults, contract)."""

from __future__ import annotations

import json
import stat
import tomllib
from collections.abc import Generator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from conftest import Home, sandbox_account
from contract import check as contract_check
from mktcrm.connectors.etsy.sandbox.marketplace import TOKEN_PATH, EtsySandbox
from mktcrm.errors import AuthError
from mktcrm.http.client import ApiClient
from mktcrm.sandbox import OBSERVERS, open_sandbox

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _setup(home: Home, orders: int = 40, name: str = "atelier") -> EtsySandbox:
    account, secrets = sandbox_account("etsy", name, orders=orders)
    home.configure([account], secrets=secrets)
    sb = open_sandbox(account["base_url"])
    assert isinstance(sb, EtsySandbox)
    return sb


def _client(sb: EtsySandbox, api_key: str | None = None, bearer: bool = True) -> httpx.Client:
    """A plain client with valid credentials (a token minted through the sandbox's own endpoint)."""
    headers = {"x-api-key": api_key or sb.api_key}
    if bearer:
        form = {"grant_type": "refresh_token", "client_id": sb.keystring, "refresh_token": sb.refresh_token}
        with httpx.Client(transport=httpx.MockTransport(sb.handler), base_url=sb.base_url) as minting:
            headers["Authorization"] = "Bearer " + minting.post(TOKEN_PATH, data=form).json()["access_token"]
    return httpx.Client(transport=httpx.MockTransport(sb.handler), base_url=sb.base_url, headers=headers)


def _all(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        body = client.get(path, params={**params, "limit": 100, "offset": len(out)}).json()
        out += body["results"]
        if len(out) >= body["count"] or not body["results"]:
            return out


def _truth(sb: EtsySandbox) -> dict[str, list[dict[str, Any]]]:
    """What the sandbox holds, read through its own HTTP API."""
    shop = f"/v3/application/shops/{sb.shop_id}"
    with _client(sb) as client:
        listings = [
            x
            for s in ("active", "inactive", "sold_out", "draft", "expired")
            for x in _all(client, f"{shop}/listings", state=s)
        ]
        truth = {
            "listings": listings,
            "orders": _all(client, f"{shop}/receipts"),
            "reviews": _all(client, f"{shop}/reviews"),
        }
    sb.requests.clear()
    return truth


def _api(sb: EtsySandbox, suffix: str) -> list[httpx.Request]:
    return [r for r in sb.requests if r.url.path.endswith(suffix)]


def _tokens(sb: EtsySandbox) -> int:
    return len(_api(sb, TOKEN_PATH))


@pytest.fixture
def synced(home: Home) -> Generator[tuple[Home, EtsySandbox], None, None]:
    sb = _setup(home)
    home.ok("sync", "--quiet")
    yield home, sb


def test_full_sync_stores_what_the_shop_holds(home: Home) -> None:
    sb = _setup(home)
    truth = _truth(sb)
    report = json.loads(home.ok("sync", "--json").stdout)
    streams = {s["stream"]: s["records"] for s in report["accounts"][0]["streams"]}
    assert streams == {k: len(v) for k, v in truth.items()}
    assert {r[0] for r in home.sql("SELECT id FROM listings")} == {str(x["listing_id"]) for x in truth["listings"]}
    assert {r[0] for r in home.sql("SELECT id FROM orders")} == {str(x["receipt_id"]) for x in truth["orders"]}
    assert {r[0] for r in home.sql("SELECT id FROM reviews")} == {str(x["transaction_id"]) for x in truth["reviews"]}
    assert {r[0] for r in home.sql("SELECT DISTINCT state FROM listings")} == {
        "active",
        "inactive",
        "sold_out",
        "draft",
        "expired",
    }
    # totals, statuses and lines as Etsy says; ratings 1-5 with French text and hostile strings kept verbatim
    by_id = {str(x["receipt_id"]): x for x in truth["orders"]}
    for oid, status, total in home.sql("SELECT id, status, total_minor FROM orders"):
        refunded = sum(r["amount"]["amount"] for r in by_id[oid]["refunds"])  # all in cents, EUR
        assert status == by_id[oid]["status"] and total == by_id[oid]["grandtotal"]["amount"] - refunded
    assert home.count("order_lines") == sum(len(x["transactions"]) for x in truth["orders"])
    assert {r[0] for r in home.sql("SELECT rating FROM reviews")} <= {1, 2, 3, 4, 5}
    bodies = " ".join(r[0] or "" for r in home.sql("SELECT body FROM reviews"))
    assert "é" in bodies and ("[red]" in bodies or "DROP TABLE" in bodies or "\x1b[" in bodies)
    # buyers: repeat buyers share a key; no e-mail anywhere; names shortened to "First L."
    assert 0 < home.count("buyers") < home.count("orders")
    dump = "\n".join(str(row) for t in ("orders", "buyers", "reviews") for row in home.sql(f"SELECT * FROM {t}"))
    assert "@example.com" not in dump and "buyer_email" not in dump
    ids = {str(x["buyer_user_id"]) for x in truth["orders"]}
    assert not ids & {r[0] for r in home.sql("SELECT buyer_key FROM buyers")}
    for (name,) in home.sql("SELECT display_name FROM buyers"):
        assert name.endswith(".") and len(name.split()[-1]) == 2, name


def test_every_request_carries_keystring_and_shared_secret(synced: tuple[Home, EtsySandbox]) -> None:
    home, sb = synced
    sb.requests.clear()
    home.ok("sync", "--quiet")
    calls = [r for r in sb.requests if not r.url.path.endswith(TOKEN_PATH)]
    assert len(calls) > 5 and _tokens(sb) == 1
    for request in calls:
        assert request.headers["x-api-key"] == f"{sb.keystring}:{sb.shared_secret}"
        assert request.headers["Authorization"].startswith("Bearer ")
        assert request.headers["User-Agent"].startswith("mktcrm/")
    token = _api(sb, TOKEN_PATH)[0]
    assert token.method == "POST" and "x-api-key" not in token.headers
    assert dict(httpx.QueryParams(token.content.decode())) == {
        "grant_type": "refresh_token",
        "client_id": sb.keystring,
        "refresh_token": sb.refresh_token,
    }


def test_price_divisor_gives_minor_units(synced: tuple[Home, EtsySandbox]) -> None:
    home, _sb = synced
    rows = home.sql("SELECT price_minor, currency, raw FROM listings")
    divisors = set()
    for minor, currency, raw in rows:
        price = json.loads(raw)["price"]
        divisors.add(price["divisor"])
        assert currency == price["currency_code"] == "EUR"
        assert minor * price["divisor"] == price["amount"] * 100, price
    assert divisors == {100, 1000}  # the sandbox uses both; 1000 would be stored x10 if the divisor were ignored
    lines = home.sql("SELECT l.quantity, l.price_minor, o.raw FROM order_lines l JOIN orders o ON o.id = l.order_id")
    for quantity, minor, raw in lines[:20]:
        tx = json.loads(raw)["transactions"][0]
        if tx["quantity"] == quantity:
            assert minor % quantity == 0


def test_second_sync_is_incremental_and_sees_changes(synced: tuple[Home, EtsySandbox]) -> None:
    home, sb = synced
    cursors = dict(home.sql("SELECT stream, cursor FROM sync_state"))
    assert cursors["listings"] is None  # a snapshot stream
    orders_cursor = datetime.fromisoformat(cursors["orders"].replace("Z", "+00:00"))
    reviews_cursor = datetime.fromisoformat(cursors["reviews"].replace("Z", "+00:00"))
    later = max(orders_cursor, reviews_cursor) + timedelta(hours=2)
    new = sb.add_receipts(2, at=later)
    old = int(home.sql("SELECT id FROM orders WHERE status = 'paid' ORDER BY created_at LIMIT 1")[0][0])
    sb.update_receipt(old, later, shipped=True)
    sb.set_review(old, 2, "Colis reçu abîmé, « très déçue »", later)
    sb.requests.clear()
    home.ok("sync", "--quiet")
    receipts = _api(sb, "/receipts")[0].url.params
    assert int(receipts["min_last_modified"]) == int((orders_cursor - timedelta(minutes=60)).timestamp())
    assert (receipts["sort_on"], receipts["sort_order"]) == ("created", "asc")
    reviews = _api(sb, "/reviews")[0].url.params
    assert int(reviews["min_created"]) == int((reviews_cursor - timedelta(days=7)).timestamp())
    calls = [r.url.params for r in _api(sb, "/receipts")]
    assert len([c for c in calls if "min_last_modified" in c]) == 1  # only the changed receipts, one page
    window = [int(c["min_created"]) for c in calls if "min_created" in c]  # then the recent window by creation
    assert window and set(window) == {int((orders_cursor - timedelta(minutes=60, days=60)).timestamp())}
    assert {str(i) for i in new} <= {r[0] for r in home.sql("SELECT id FROM orders")}
    assert home.sql("SELECT status FROM orders WHERE id = ?", str(old)) == [("completed",)]
    review = home.sql("SELECT rating, body FROM reviews WHERE id = ?", str(old * 10))
    assert review == [(2, "Colis reçu abîmé, « très déçue »")]


def test_deleted_listing_is_marked_removed(synced: tuple[Home, EtsySandbox]) -> None:
    home, sb = synced
    listing = int(home.sql("SELECT id FROM listings WHERE state = 'active' LIMIT 1")[0][0])
    sb.set_listing_state(listing, None)
    home.ok("sync", "--stream", "listings", "--quiet")
    assert home.sql("SELECT state FROM listings WHERE id = ?", str(listing)) == [("removed",)]


def test_token_refresh_mid_sync(home: Home) -> None:
    sb = _setup(home)

    def expire_after_first_page(sandbox: Any, request: httpx.Request, response: httpx.Response) -> None:
        if sandbox is sb and request.url.path.endswith("/receipts") and len(_api(sb, "/receipts")) == 1:
            sb.faults.expire_token_next = 1

    OBSERVERS.append(expire_after_first_page)
    try:
        result = home.run("sync", "--stream", "orders")
    finally:
        OBSERVERS.remove(expire_after_first_page)
    assert result.exit_code == 0, result.stderr
    assert _tokens(sb) == 2  # the first token, then exactly one refresh after the 401
    assert len(_api(sb, "/receipts")) == 4 + 1  # four pages, the second one resent with the new token
    assert home.count("orders") == 40


def test_wrong_refresh_token_is_exit_4_and_secrets_are_never_printed(home: Home) -> None:
    account, secrets = sandbox_account("etsy", "atelier")
    secrets["MKTCRM_ATELIER_REFRESH_TOKEN"] = "123.not-the-refresh-s3cr3t"
    home.configure([account], secrets=secrets)
    result = home.run("--verbose", "sync")
    assert result.exit_code == 4
    assert "refused the refresh token" in result.stderr and "invalid_grant" in result.stderr
    assert "MKTCRM_ATELIER_REFRESH_TOKEN" in result.stderr
    out = result.stdout + result.stderr
    assert "s3cr3t" not in out and secrets["MKTCRM_ATELIER_SHARED_SECRET"] not in out


def test_wrong_shared_secret_is_exit_4_and_verbose_log_hides_the_key(home: Home) -> None:
    account, secrets = sandbox_account("etsy", "atelier")
    secrets["MKTCRM_ATELIER_SHARED_SECRET"] = "wrong-shared-s3cr3t"
    home.configure([account], secrets=secrets)
    result = home.run("--verbose", "sync", "--stream", "orders")
    assert result.exit_code == 4
    assert "rejected the credentials (HTTP 401" in result.stderr
    assert "debug: atelier: GET /v3/application/shops/" in result.stderr
    assert "s3cr3t" not in result.stdout + result.stderr


def test_keystring_only_api_key_is_refused_with_exit_4() -> None:
    """Older SDKs send only the keystring: Etsy now answers 403, which mktcrm reports as exit 4."""
    sb = open_sandbox("sandbox://etsy/atelier?seed=3&orders=10")
    assert isinstance(sb, EtsySandbox)
    with _client(sb, api_key=sb.keystring) as client:
        response = client.get(f"/v3/application/shops/{sb.shop_id}/receipts")
    assert response.status_code == 403
    assert response.json() == {"error": "Shared secret is required in x-api-key header"}

    class KeystringOnly(httpx.Auth):
        def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
            request.headers["x-api-key"] = sb.keystring
            request.headers["User-Agent"] = "legacy-etsy-sdk/2.0"  # an old client, on purpose
            yield request

    api = ApiClient(sb.base_url, account="atelier", auth=KeystringOnly(), transport=httpx.MockTransport(sb.handler))
    with pytest.raises(AuthError) as caught:
        api.get_json("/v3/application/users/me")
    assert caught.value.exit_code == 4 and "Shared secret is required" in caught.value.message


def test_sandbox_refuses_bad_auth_and_unknown_parameters() -> None:
    sb = open_sandbox("sandbox://etsy/atelier?seed=3&orders=10")
    assert isinstance(sb, EtsySandbox)
    receipts = f"/v3/application/shops/{sb.shop_id}/receipts"
    with _client(sb) as client:
        assert client.get(receipts, params={"min_last_modifed": 1795000000}).status_code == 400
        bad = client.get(receipts, params={"limit": 101})
        assert bad.status_code == 400 and set(bad.json()) == {"error"}
        assert client.get(receipts, params={"min_last_modified": 5}).status_code == 400
        ok = client.get(receipts, params={"limit": 5})
        assert ok.status_code == 200 and len(ok.json()["results"]) == 5
        assert {"x-limit-per-second", "x-remaining-this-second", "x-limit-per-day", "x-remaining-today"} <= set(
            ok.headers
        )
        assert client.get(receipts, headers={"Authorization": "Bearer nope"}).status_code == 401
        assert client.get(receipts, headers={"x-api-key": "other:key"}).status_code == 401
        assert client.get("/v3/application/shops/1/receipts").status_code == 403
    with _client(sb, bearer=False) as client:
        assert client.get(receipts).status_code == 401  # OAuth operation without a token
        assert client.get(f"/v3/application/shops/{sb.shop_id}/reviews").status_code == 200  # API key only
        form = {"grant_type": "refresh_token", "client_id": sb.keystring, "refresh_token": "x"}
        refused = client.post(TOKEN_PATH, data=form)
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
        form["client_id"] = "other"
        assert client.post(TOKEN_PATH, data=form).status_code == 401


@pytest.mark.parametrize("retry_after", ["0", None])
def test_rate_limit_is_retried(home: Home, retry_after: str | None) -> None:
    sb = _setup(home)
    home.ok("sync", "--stream", "listings", "--quiet")
    sb.requests.clear()
    sb.faults.rate_limit_next = 2
    sb.faults.retry_after = retry_after
    home.ok("sync", "--stream", "orders", "--quiet")
    assert home.count("orders") == 40
    limited = _api(sb, "/receipts")
    assert len(limited) == 4 + 2  # four pages of 10, the first asked twice more


def test_rate_limit_answer_has_etsy_shape() -> None:
    sb = open_sandbox("sandbox://etsy/atelier?seed=3&orders=10")
    sb.faults.rate_limit_next = 1
    sb.faults.retry_after = "1"
    with httpx.Client(transport=httpx.MockTransport(sb.handler), base_url=sb.base_url) as client:
        response = client.get("/v3/application/users/me")
    assert response.status_code == 429 and response.headers["retry-after"] == "1"
    assert response.json() == {"error": "Exceeded per second rate limit"}


def test_empty_shop(home: Home) -> None:
    _setup(home, orders=0, name="vide")
    home.ok("sync", "--quiet")
    for table in ("listings", "orders", "order_lines", "buyers", "reviews"):
        assert home.count(table) == 0, table


def test_pagination_that_would_loop_forever_stops(home: Home) -> None:
    sb = _setup(home)
    sb.faults.ignore_offset = True
    result = home.run("sync", "--stream", "orders")
    assert result.exit_code == 1
    assert "same page twice" in result.stderr
    assert len(_api(sb, "/receipts")) == 2


def test_disputes_are_not_supported(home: Home) -> None:
    _setup(home)
    result = home.run("sync", "--stream", "disputes")
    assert result.exit_code == 0
    assert "not supported by etsy" in result.stderr and "Shop Manager" in result.stderr
    assert home.count("disputes") == 0


def test_doctor_names_the_shop(home: Home) -> None:
    sb = _setup(home)
    result = home.ok("doctor")
    assert f"shop {sb.shop_name} (id {sb.shop_id}" in result.stdout


def test_every_answer_validates_against_the_spec() -> None:
    sb = open_sandbox("sandbox://etsy/atelier?seed=5&orders=300&anchor=2026-11-20")
    assert isinstance(sb, EtsySandbox)
    ids = sb.add_receipts(1, datetime(2026, 11, 20, 1, tzinfo=UTC))
    sb.set_review(ids[0], 1, "Déçue 😡 [red]x[/red]", datetime(2026, 11, 20, 2, tzinfo=UTC))
    shop = f"/v3/application/shops/{sb.shop_id}"
    checked = 0

    def valid(client: httpx.Client, path: str, **params: Any) -> dict[str, Any]:
        nonlocal checked
        response = client.get(path, params=params)
        assert response.status_code == 200, response.text
        problems = contract_check("etsy", response.request, path, response)
        assert not problems, problems
        checked += 1
        body: dict[str, Any] = response.json()
        return body

    with _client(sb) as client:
        # negative controls: the checker resolves the spec's refs and sees wrong types
        bad = httpx.Response(200, json={"count": 1, "results": [{"receipt_id": "x", "grandtotal": {"amount": 1.5}}]})
        assert (
            len(contract_check("etsy", client.build_request("GET", f"{shop}/receipts"), f"{shop}/receipts", bad)) >= 1
        )
        valid(client, "/v3/application/users/me")
        valid(client, shop)
        states = set()
        for state in ("active", "inactive", "sold_out", "draft", "expired"):
            body = valid(client, f"{shop}/listings", state=state, limit=100)
            states |= {x["state"] for x in body["results"]}
        assert states == {"active", "inactive", "sold_out", "draft", "expired"}
        statuses = set()
        for offset in range(0, 301, 100):
            body = valid(client, f"{shop}/receipts", limit=100, offset=offset)
            statuses |= {x["status"] for x in body["results"]}
        assert {"paid", "completed", "canceled", "fully refunded"} <= statuses
        for offset in range(0, 200, 100):
            valid(client, f"{shop}/reviews", limit=100, offset=offset)
    assert checked >= 12


def test_a_receipt_changed_without_a_new_update_time_is_still_seen(synced: tuple[Home, EtsySandbox]) -> None:
    """Etsy: receipt rows are not updated on every change; the recent window by creation catches them."""
    home, sb = synced
    cursor = datetime.fromisoformat(home.sql("SELECT cursor FROM sync_state WHERE stream = 'orders'")[0][0][:19])
    later = cursor.replace(tzinfo=UTC) + timedelta(hours=3)
    before = (cursor - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")  # outside the 1-hour lookback
    recent = home.sql(
        "SELECT id FROM orders WHERE status IN ('paid', 'completed') AND created_at < ? ORDER BY created_at DESC",
        before,
    )[0][0]
    sb.update_receipt(int(recent), later, refunded=True, touch=False)
    home.ok("sync", "--stream", "orders", "--quiet")
    assert home.sql("SELECT status FROM orders WHERE id = ?", recent) == [("fully refunded",)]
    # A fully refunded receipt is a sale that was placed, but not revenue (docs/kpis.md): counted, not summed.
    kpi = json.loads(home.ok("kpi", "--period", "3650d", "--json").stdout)
    row = next(r for r in kpi if r.get("account") == "atelier")
    placed, paid = home.sql(
        "SELECT count(*), sum(CASE WHEN status != 'fully refunded' THEN total_minor END) FROM orders"
        " WHERE status NOT IN ('canceled', 'cancelled')"
    )[0]
    assert row["orders"] == placed
    assert Decimal(row["revenue"]) * 100 == paid


def test_a_rotated_refresh_token_is_kept_for_the_next_run(home: Home) -> None:
    sb = _setup(home)
    sb.rotate_refresh = True
    first = home.ok("sync", "--stream", "orders", "--json")
    kept = tomllib.loads((home.path / "secrets.toml").read_text(encoding="utf-8"))
    assert sb.refresh_token in kept.values()  # the new token, for the next run
    assert stat.S_IMODE((home.path / "secrets.toml").stat().st_mode) == 0o600
    second = home.ok("sync", "--stream", "orders", "--quiet")  # signs in with it (the old one is void now)
    assert sb.token_requests == 2
    for out in (first.stdout, first.stderr, second.stdout, second.stderr):
        assert "refresh" not in out


def test_a_sync_stays_under_etsys_per_second_limit(home: Home) -> None:
    account, secrets = sandbox_account("etsy", "atelier", orders=40)
    home.configure([account], secrets=secrets, sync={"retries": 1})
    sb = open_sandbox(account["base_url"])
    assert isinstance(sb, EtsySandbox)
    sb.limit_per_second, sb.enforce_rate_limit = 4, True  # past it: 429, and a 429 fails this sync
    home.ok("sync", "--quiet")
    assert home.count("orders") == 40 and len(sb.requests) > 8  # enough calls to cross 4 in a second


def test_a_partially_refunded_receipt_counts_only_what_the_seller_kept(synced: tuple[Home, EtsySandbox]) -> None:
    """Receipt 3100000001: 48.90 + 199.00 = 247.90 paid; the 48.90 line is refunded, so revenue keeps 199.00."""
    home, sb = synced

    def revenue() -> Decimal:
        kpi = json.loads(home.ok("kpi", "--period", "3650d", "--json").stdout)
        return Decimal(next(r for r in kpi if r.get("account") == "atelier")["revenue"])

    assert home.sql("SELECT status, total_minor FROM orders WHERE id = '3100000001'") == [("completed", 24790)]
    before = revenue()
    sb.update_receipt(3100000001, datetime.now(UTC), refund_lines=1)
    home.ok("sync", "--stream", "orders", "--quiet")
    assert home.sql("SELECT status, total_minor FROM orders WHERE id = '3100000001'") == [("partially refunded", 19900)]
    assert revenue() == before - Decimal("48.90")
