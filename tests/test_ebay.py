"""eBay: the real CLI against the eBay sandbox (OAuth refresh token, Fulfillment, Inventory, Feedback, disputes)."""

from __future__ import annotations

import base64
import itertools
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from conftest import ANCHOR, Home, sandbox_account
from contract import check
from mktcrm.connectors.ebay.sandbox import payloads
from mktcrm.connectors.ebay.sandbox.marketplace import EbaySandbox
from mktcrm.connectors.ebay.sandbox.payloads import COMMENT_TYPE
from mktcrm.sandbox import OBSERVERS, open_sandbox

TOKEN = "/identity/v1/oauth2/token"
ORDERS = "/sell/fulfillment/v1/order"
FEEDBACK = "/commerce/feedback/v1/feedback"
DISPUTES = "/sell/fulfillment/v1/payment_dispute_summary"
INVENTORY = "/sell/inventory/v1/inventory_item"
HOSTILE = ("[red]ALERTE[/red]", "\x1b[31m", "'); DROP TABLE reviews;--")


def _setup(home: Home, orders: int = 40, **sync: Any) -> tuple[dict[str, Any], EbaySandbox]:
    account, secrets = sandbox_account("ebay", "shop1", orders=orders)
    home.configure([account], secrets=secrets, sync=sync or None)
    sb = open_sandbox(account["base_url"])
    assert isinstance(sb, EbaySandbox)
    return account, sb


def _calls(sb: EbaySandbox, path: str) -> list[httpx.Request]:
    return [r for r in sb.requests if sb.strip_prefix(r.url.path) == path]


def _ts(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_full_sync_stores_what_the_sandbox_holds(home: Home) -> None:
    _, sb = _setup(home)
    result = home.ok("sync", "--json")
    assert json.loads(result.stdout)["status"] == "ok"
    data = sb.data
    assert home.count("orders") == len(data.ds.orders) == 40
    assert home.count("order_lines") == sum(len(o.lines) for o in data.ds.orders)
    assert home.count("listings") == len(data.inventory)
    assert home.count("reviews") == len(data.rated_orders()) > 5  # buyers' feedback only, not role SELLER
    assert home.count("disputes") == len(data.disputes) >= 2
    # Buyers: keyed hashes of the username; repeat buyers share a key; never e-mail, phone or full name.
    assert home.count("buyers") == len({o.customer for o in data.ds.orders}) < 40
    usernames = {data.username(o.customer) for o in data.ds.orders}
    assert not usernames & {r[0] for r in home.sql("SELECT buyer_key FROM orders")}
    dump = "\n".join(
        str(row) for t in ("orders", "buyers", "reviews", "disputes") for row in home.sql(f"SELECT * FROM {t}")
    )
    assert "@members.ebay.fr" not in dump and "primaryPhone" not in dump and "fullName" not in dump
    names = [r[0] for r in home.sql("SELECT display_name FROM buyers WHERE display_name IS NOT NULL")]
    assert names and all(n.endswith(".") and len(n.split()) == 2 for n in names)
    # Listings: price and state come from the SKU's offer; never-offered SKUs are inactive without price.
    offer = data.inventory[0]
    assert home.sql("SELECT title, price_minor, currency FROM listings WHERE sku = ?", offer.shop_sku) == [
        (offer.title, round(offer.price * 100), "EUR")
    ]
    unoffered = data.inventory[7].shop_sku
    assert home.sql("SELECT state, price_minor FROM listings WHERE id = ?", unoffered) == [("inactive", None)]
    # Accents and hostile strings arrive byte for byte.
    bodies = "\n".join(r[0] or "" for r in home.sql("SELECT body FROM reviews"))
    assert any(h in bodies for h in HOSTILE) and any(c in bodies for c in "éèàç")


def test_auth_headers_scopes_and_marketplace_id(home: Home) -> None:
    account, sb = _setup(home)
    home.ok("sync", "--quiet")
    tokens = _calls(sb, TOKEN)
    assert len(tokens) == 1
    basic = base64.b64encode(f"{sb.client_id}:{sb.client_secret}".encode()).decode()
    assert tokens[0].headers["Authorization"] == f"Basic {basic}"
    form = dict(parse_qsl(tokens[0].content.decode()))
    assert form["grant_type"] == "refresh_token" and form["refresh_token"] == sb.refresh_token
    assert "https://api.ebay.com/oauth/api_scope/sell.fulfillment.readonly" in form["scope"].split()
    api = [r for r in sb.requests if r not in tokens]
    assert api and all(r.headers["X-EBAY-C-MARKETPLACE-ID"] == account["marketplace_id"] == "EBAY_FR" for r in api)
    assert all(r.headers["Authorization"].startswith("Bearer v^1.1#") for r in api)
    assert "X-EBAY-C-MARKETPLACE-ID" not in tokens[0].headers


def test_second_sync_is_incremental_and_new_records_arrive(home: Home) -> None:
    _, sb = _setup(home)
    home.ok("sync", "--quiet")
    cursor = home.sql("SELECT cursor FROM sync_state WHERE stream = 'orders'")[0][0]
    sb.requests.clear()
    home.ok("sync", "--stream", "orders", "--quiet")
    since = datetime.fromisoformat(cursor.replace("Z", "+00:00")) - timedelta(minutes=60)
    assert _calls(sb, ORDERS)[0].url.params["filter"] == f"lastmodifieddate:[{_ts(since)}..]"

    later = datetime.fromisoformat(cursor.replace("Z", "+00:00")) + timedelta(hours=2)
    new_ids = sb.add_orders(3, at=later)
    shipped = new_ids[0]
    sb.update_order(shipped, later + timedelta(minutes=5), "SHIPPED")
    rated = next(o for o in sb.data.ds.orders if o.evaluation is None and o.state == "CLOSED")
    feedback_id = sb.leave_feedback(sb.data.order_id(rated), 2, "Colis abîmé, déçue.", later)
    dispute = next(d for d in sb.data.disputes if d.status != "CLOSED")
    sb.set_dispute_status(dispute.dispute_id, "CLOSED", later)
    home.ok("sync", "--quiet")
    assert {r[0] for r in home.sql("SELECT id FROM orders")} >= set(new_ids)
    assert home.sql("SELECT status FROM orders WHERE id = ?", shipped) == [("FULFILLED",)]
    assert home.sql("SELECT rating, rating_raw, body FROM reviews WHERE id = ?", feedback_id) == [
        (1, "NEGATIVE", "Colis abîmé, déçue.")
    ]
    assert home.sql("SELECT status, resolved_at FROM disputes WHERE id = ?", dispute.dispute_id) == [
        ("resolved", later.strftime("%Y-%m-%dT%H:%M:%SZ"))
    ]


def test_token_expiring_mid_sync_is_refreshed_once(home: Home) -> None:
    _, sb = _setup(home)

    def expire_after_a_few(sandbox: Any, request: httpx.Request, response: httpx.Response) -> None:
        if sandbox is sb and len(sb.requests) == 4:
            sb.faults.expire_token_next = 1

    OBSERVERS.append(expire_after_a_few)
    try:
        result = home.run("sync", "--json")
    finally:
        OBSERVERS.remove(expire_after_a_few)
    assert result.exit_code == 0, result.stderr
    assert len(_calls(sb, TOKEN)) == 2
    assert [r.status_code for r in []] == []
    assert home.count("orders") == 40 and home.count("listings") == len(sb.data.inventory)


def test_wrong_refresh_token_is_exit_4_and_never_printed(home: Home) -> None:
    account, secrets = sandbox_account("ebay", "shop1")
    env = account["refresh_token_env"]
    home.configure([account], secrets={**secrets, env: "v^1.1#wrong-s3cr3t-token"})
    result = home.run("sync")
    assert result.exit_code == 4
    assert "invalid_grant" in result.stderr or "refused the refresh token" in result.stderr
    assert "s3cr3t" not in result.stdout + result.stderr and "Traceback" not in result.stderr
    assert home.count("orders") == 0


def test_wrong_client_secret_is_exit_4(home: Home) -> None:
    account, secrets = sandbox_account("ebay", "shop1")
    home.configure([account], secrets={**secrets, account["client_secret_env"]: "PRD-wrong-c3rt"})
    result = home.run("sync")
    assert result.exit_code == 4 and "c3rt" not in result.stdout + result.stderr


def _throttle_after_token(home: Home, sb: EbaySandbox, n: int, retry_after: str | None) -> Any:
    """429s on the next `n` API calls, armed once the token is fetched (the token call is not retried)."""
    sb.faults.retry_after = retry_after

    def arm(sandbox: Any, request: httpx.Request, response: httpx.Response) -> None:
        if sandbox is sb and sb.strip_prefix(request.url.path) == TOKEN:
            sb.faults.rate_limit_next = n

    OBSERVERS.append(arm)
    try:
        return home.run("sync", "--stream", "orders")
    finally:
        OBSERVERS.remove(arm)


def test_rate_limit_with_retry_after_is_retried(home: Home) -> None:
    _, sb = _setup(home)
    result = _throttle_after_token(home, sb, 2, "0")
    assert result.exit_code == 0, result.stderr
    assert home.count("orders") == 40
    assert len(_calls(sb, ORDERS)) == 4 + 2


def test_rate_limit_without_retry_after_backs_off_then_gives_up(home: Home) -> None:
    _, sb = _setup(home)
    result = _throttle_after_token(home, sb, 10, None)
    assert result.exit_code == 5
    assert "rate limited" in result.stderr and "3 tries" in result.stderr
    assert len(_calls(sb, ORDERS)) == 3


def test_empty_shop(home: Home) -> None:
    _setup(home, orders=0)
    home.ok("sync", "--quiet")
    for table in ("listings", "orders", "order_lines", "buyers", "reviews", "disputes"):
        assert home.count(table) == 0, table


def test_pagination_that_would_loop_forever_is_detected(home: Home) -> None:
    _, sb = _setup(home)
    sb.faults.ignore_offset = True
    result = home.run("sync", "--stream", "orders")
    assert result.exit_code == 1
    assert "same page twice" in result.stderr


def test_feedback_is_read_newest_first_and_stops_early(home: Home) -> None:
    _, sb = _setup(home, orders=400)
    home.ok("sync", "--stream", "reviews", "--quiet")
    first = _calls(sb, FEEDBACK)
    total = len(sb.data.rated_orders())
    assert home.count("reviews") == total and len(first) == -(-total // 25)  # limit never below eBay's 25
    params = first[0].url.params
    assert (params["user_id"], params["feedback_type"], params["sort"]) == (sb.data.seller, "FEEDBACK_RECEIVED", "TIME")
    assert params["filter"] == "role:BUYER" and params["limit"] == "25"

    sb.requests.clear()
    home.ok("sync", "--stream", "reviews", "--quiet")
    again = _calls(sb, FEEDBACK)
    assert 1 <= len(again) < len(first) and [r.url.params["offset"] for r in again] == [
        str(25 * i) for i in range(len(again))
    ]
    cursor = home.sql("SELECT cursor FROM sync_state WHERE stream = 'reviews'")[0][0]
    since = (datetime.fromisoformat(cursor.replace("Z", "+00:00")) - timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    client = _client(sb)
    last = client.get(FEEDBACK, params=dict(again[-1].url.params)).json()["feedbackEntries"]
    assert max(e["feedbackEnteredDate"][:19] + "Z" for e in last) < since  # stopped on a page older than since


def test_rating_mapping(home: Home) -> None:
    _, sb = _setup(home, orders=200)
    home.ok("sync", "--stream", "reviews", "--quiet")
    rows = home.sql("SELECT id, rating, rating_raw FROM reviews")
    assert {(raw, rating) for _, rating, raw in rows} == {("POSITIVE", 5), ("NEUTRAL", 3), ("NEGATIVE", 1)}
    expected = {
        sb.data.feedback_id(o): COMMENT_TYPE[o.evaluation.grade] for o in sb.data.rated_orders() if o.evaluation
    }
    assert {i: raw for i, _, raw in rows} == expected
    replies = home.sql("SELECT reply_body FROM reviews WHERE reply_body IS NOT NULL")
    assert replies and all(r[0].startswith(("Bonjour", "Merci")) for r in replies)


def test_payment_disputes_are_read_in_90_day_windows(home: Home) -> None:
    _, sb = _setup(home)
    now = datetime.now(UTC)
    ids = [sb.data.order_id(o) for o in sb.data.ds.orders[:3]]
    old = sb.add_dispute(ids[0], "ACTION_NEEDED", now - timedelta(days=400))
    mid = sb.add_dispute(ids[1], "OPEN", now - timedelta(days=150))
    odd = sb.add_dispute(ids[2], "SOMETHING_NEW", now - timedelta(days=10))
    home.ok("sync", "--stream", "disputes", "--quiet")
    windows = [
        (
            datetime.fromisoformat(r.url.params["open_date_from"][:-1] + "+00:00"),
            datetime.fromisoformat(r.url.params["open_date_to"][:-1] + "+00:00"),
        )
        for r in _calls(sb, DISPUTES)
    ]
    assert len(windows) == 6
    assert all(timedelta(0) < end - start <= timedelta(days=90) for start, end in windows)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(windows))  # contiguous
    assert now - windows[0][0] < timedelta(days=548) and abs(windows[-1][1] - now) < timedelta(minutes=5)
    rows = {r[0]: r[1:] for r in home.sql("SELECT id, status, respond_by, amount_minor, currency, kind FROM disputes")}
    assert len(rows) == len(sb.data.disputes)
    assert rows[old][0] == "awaiting_seller" and rows[old][1] is not None and rows[old][3] == "EUR"
    assert rows[mid][0] == "open" and rows[odd][0] == "open" and rows[mid][4] == "payment_dispute"
    raw = json.loads(home.sql("SELECT raw FROM disputes WHERE id = ?", odd)[0][0])
    assert raw["paymentDisputeStatus"] == "SOMETHING_NEW"


def test_doctor_names_the_seller(home: Home) -> None:
    _, sb = _setup(home)
    result = home.ok("doctor")
    assert sb.data.seller in result.stdout and "EBAY_FR" in result.stdout


# -- the sandbox itself ------------------------------------------------------------------------------------
def _client(sb: EbaySandbox, scope: str | None = None) -> httpx.Client:
    client = httpx.Client(transport=httpx.MockTransport(sb.handler), base_url=sb.base_url)
    form = {"grant_type": "refresh_token", "refresh_token": sb.refresh_token, **({"scope": scope} if scope else {})}
    answer = client.post(TOKEN, data=form, auth=(sb.client_id, sb.client_secret))
    assert answer.status_code == 200, answer.text
    client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    client.headers["X-EBAY-C-MARKETPLACE-ID"] = "EBAY_FR"
    return client


@pytest.fixture
def sb() -> EbaySandbox:
    box = open_sandbox(f"sandbox://ebay/contract?seed=5&orders=300&anchor={ANCHOR}")
    assert isinstance(box, EbaySandbox)
    return box


def test_every_answer_validates_against_the_spec(sb: EbaySandbox) -> None:
    client = _client(sb)
    now = datetime.now(UTC)
    sku = sb.data.inventory[0].shop_sku
    calls = [
        (ORDERS, {"filter": f"lastmodifieddate:[{_ts(now - timedelta(days=700))}..]", "limit": "200"}),
        (ORDERS, {"orderIds": sb.data.order_id(sb.data.ds.orders[0])}),
        ("/sell/inventory/v1/inventory_item", {"limit": "200"}),
        ("/sell/inventory/v1/offer", {"sku": sku}),
        (FEEDBACK, {"user_id": sb.data.seller, "feedback_type": "FEEDBACK_RECEIVED", "limit": "200"}),
        (DISPUTES, {"open_date_from": _ts(now - timedelta(days=89)), "open_date_to": _ts(now)}),
        (DISPUTES, {"open_date_from": _ts(now - timedelta(days=179)), "open_date_to": _ts(now - timedelta(days=89))}),
    ]
    seen: Counter[str] = Counter()
    for path, params in calls:
        response = client.get(path, params=params)
        assert response.status_code == 200, response.text
        request = response.request
        assert check("ebay", request, sb.strip_prefix(request.url.path), response) == [], path
        seen[path] += len(next(v for v in response.json().values() if isinstance(v, list)))
    assert all(seen.values()), seen
    # The validator really checks: a wrong type is caught.
    bad = httpx.Response(200, json={"orders": [{"lineItems": [{"quantity": "two"}]}], "total": 1})
    assert check("ebay", client.build_request("GET", ORDERS), ORDERS, bad)


def test_unknown_parameter_bad_auth_and_scope(sb: EbaySandbox) -> None:
    client = _client(sb, scope="https://api.ebay.com/oauth/api_scope/sell.inventory.readonly")
    unknown = client.get("/sell/inventory/v1/inventory_item", params={"page": "1"})
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["parameters"][0]["value"] == "page"
    assert client.get(ORDERS).status_code == 403  # token without the fulfillment scope
    assert client.get("/sell/inventory/v1/offer", params={"sku": "nope"}).status_code == 404
    assert client.get(FEEDBACK, params={"user_id": sb.data.seller}).status_code == 403
    anonymous = httpx.Client(transport=httpx.MockTransport(sb.handler), base_url=sb.base_url)
    error = anonymous.get(ORDERS).json()["errors"][0]
    assert (error["errorId"], error["domain"]) == (1001, "OAuth")
    wrong = anonymous.post(
        TOKEN, data={"grant_type": "refresh_token", "refresh_token": "x"}, auth=(sb.client_id, sb.client_secret)
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    full = _client(sb)
    too_long = {"open_date_from": "2026-01-01T00:00:00.000Z", "open_date_to": "2026-06-01T00:00:00.000Z"}
    assert full.get(DISPUTES, params=too_long).status_code == 400
    assert (
        full.get(
            FEEDBACK, params={"user_id": sb.data.seller, "feedback_type": "FEEDBACK_RECEIVED", "limit": "10"}
        ).status_code
        == 400
    )


def test_data_is_stable_per_seed_and_scales() -> None:
    a = open_sandbox(f"sandbox://ebay/s1?seed=9&orders=300&anchor={ANCHOR}")
    b = EbaySandbox("s1", seed=9, orders=300, anchor=a.anchor)
    assert isinstance(a, EbaySandbox)
    assert [a.data.order_id(o) for o in a.data.ds.orders] == [b.data.order_id(o) for o in b.data.ds.orders]
    assert [d.dispute_id for d in a.data.disputes] == [d.dispute_id for d in b.data.disputes]
    users = Counter(a.data.username(o.customer) for o in a.data.ds.orders)
    assert max(users.values()) >= 2  # repeat buyers
    grades = Counter(o.evaluation.grade for o in a.data.rated_orders() if o.evaluation)
    assert grades[5] > grades[3] > 0 and grades[1] + grades[2] > 0


@pytest.mark.parametrize("counting", ["records", "pages"])
def test_inventory_follows_next_links_whatever_offset_counts(home: Home, counting: str) -> None:
    _, sb = _setup(home, page_size=5)
    sb.offset_counts = counting
    home.ok("sync", "--stream", "listings", "--quiet")
    assert home.count("listings") == len(sb.data.inventory) > 10
    offsets = [r.url.params["offset"] for r in _calls(sb, INVENTORY)]
    step = 1 if counting == "pages" else 5
    assert offsets == [str(i * step) for i in range(len(offsets))]  # eBay's own links, never computed


def test_a_short_inventory_snapshot_marks_nothing_removed(home: Home) -> None:
    _, sb = _setup(home)
    home.ok("sync", "--stream", "listings", "--quiet")
    sb.inventory_short = 5  # the answer's total says 5 more items than the pages hold
    home.ok("sync", "--stream", "listings", "--quiet")
    assert home.sql("SELECT count(*) FROM listings WHERE state = 'removed'") == [(0,)]
    sb.inventory_short = 0
    sb.data.inventory.pop()  # really gone: a complete read marks it
    home.ok("sync", "--stream", "listings", "--quiet")
    assert home.sql("SELECT count(*) FROM listings WHERE state = 'removed'") == [(1,)]


@pytest.mark.parametrize("counting", ["records", "pages"])
def test_feedback_and_disputes_follow_next_links_whatever_offset_counts(home: Home, counting: str) -> None:
    _, sb = _setup(home, orders=200, page_size=5)
    now = datetime.now(UTC)
    for i, order in enumerate(sb.data.ds.orders[:12]):  # 12 + the data's own, 5 a page: several pages a window
        sb.add_dispute(sb.data.order_id(order), "OPEN", now - timedelta(days=3, hours=i))
    sb.offset_counts = counting
    home.ok("sync", "--stream", "reviews", "--stream", "disputes", "--quiet")
    assert home.count("reviews") == len(sb.data.rated_orders()) > 50
    assert home.count("disputes") == len(sb.data.disputes) >= 12
    step = {"records": {FEEDBACK: 25, DISPUTES: 5}, "pages": {FEEDBACK: 1, DISPUTES: 1}}[counting]
    for path in (FEEDBACK, DISPUTES):
        calls = _calls(sb, path)
        runs = [list(g) for _, g in itertools.groupby(calls, key=lambda r: r.url.params.get("open_date_from"))]
        assert any(len(run) > 1 for run in runs)  # some window (or the feedback list) took several pages
        for run in runs:  # eBay's own links, never an offset computed here
            assert [r.url.params["offset"] for r in run] == [str(i * step[path]) for i in range(len(run))]


def test_a_client_computing_offsets_itself_misses_records(home: Home) -> None:
    """What the connector used to do (offset += records read) loses feedback when eBay counts pages."""
    _, sb = _setup(home, orders=200)
    sb.offset_counts = "pages"
    client = _client(sb)
    query = {"user_id": sb.data.seller, "feedback_type": "FEEDBACK_RECEIVED", "sort": "TIME", "limit": 25}
    computed: list[str] = []
    while True:
        body = client.get(FEEDBACK, params={**query, "offset": len(computed)}).json()
        entries = body["feedbackEntries"]
        computed += [e["feedbackId"] for e in entries]
        if not entries or len(computed) >= body["pagination"]["total"]:
            break
    assert len(set(computed)) < len(sb.data.rated_orders())  # the second request skipped 24 pages
    home.ok("sync", "--stream", "reviews", "--quiet")
    assert home.count("reviews") == len(sb.data.rated_orders())  # following `next` reads them all


def test_a_spent_daily_quota_stops_the_stream_says_when_and_the_next_sync_resumes(home: Home) -> None:
    _, sb = _setup(home, orders=400)
    sb.daily_quota = {FEEDBACK: 2}  # two getFeedback calls left today
    result = home.run("sync", "--stream", "reviews")
    assert result.exit_code == 5
    error = result.stderr
    assert "shop1" in error and "HTTP 429" in error and "UTC: a spent call quota" in error
    assert "resumes where this one stopped" in error and "Traceback" not in error
    assert "00:00 UTC" in error  # eBay's Retry-After ends at midnight UTC in the sandbox
    assert len(_calls(sb, FEEDBACK)) == 3  # two pages, then one refused call: no retries against a spent quota
    assert home.count("reviews") == 50
    sb.requests.clear()
    sb.daily_quota = {FEEDBACK: 100}  # the next day, with calls enough
    home.ok("sync", "--stream", "reviews", "--quiet")
    assert _calls(sb, FEEDBACK)[0].url.params["offset"] == "50"  # resumed at eBay's own next link
    assert home.count("reviews") == len(sb.data.rated_orders())


def test_a_partially_refunded_order_counts_only_what_the_seller_kept(home: Home) -> None:
    """Order 13-00014-03515: 83.98 + 364.98 = 448.96 paid, the 83.98 line refunded: 364.98 kept."""
    _, sb = _setup(home)
    home.ok("sync", "--stream", "orders", "--quiet")
    assert home.sql("SELECT status, total_minor FROM orders WHERE id = '13-00014-03515'") == [("FULFILLED", 36498)]
    kpi = json.loads(home.ok("kpi", "--period", "3650d", "--json").stdout)
    revenue = Decimal(next(r for r in kpi if r.get("account") == "shop1")["revenue"])
    gross = sum(
        Decimal(payloads.order(sb.data, o)["pricingSummary"]["total"]["value"])
        for o in sb.data.ds.orders
        if payloads.order(sb.data, o)["cancelStatus"]["cancelState"] != "CANCELED"
    )
    assert revenue == gross - Decimal("83.98")  # the one partial refund in this shop, and nothing else
