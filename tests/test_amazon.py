"""Amazon SP-API: `mktcrm sync` against the sandbox seller, and the sandbox against the official Swagger files."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import Home, sandbox_account
from mktcrm.connectors.amazon.feedback import parse_date
from mktcrm.connectors.amazon.sandbox.marketplace import AmazonSandbox
from mktcrm.sandbox import OBSERVERS, open_sandbox

SPECS = Path(__file__).resolve().parents[1].parent / "shared" / "specs" / "amazon-sp-api"
ORDERS, REPORTS = "/orders/2026-01-01/orders", "/reports/2021-06-30"


def _setup(home: Home, orders: int = 40, **sync: Any) -> AmazonSandbox:
    account, secrets = sandbox_account("amazon", "boutique", orders=orders)
    home.configure([account], secrets=secrets, sync=sync or None)
    sb = open_sandbox(account["endpoint"])
    assert isinstance(sb, AmazonSandbox)
    return sb


def _api(sb: AmazonSandbox) -> httpx.Client:
    """A plain client holding a valid access token, to read the sandbox's truth through its own API."""
    client = httpx.Client(transport=httpx.MockTransport(sb.handler), base_url=sb.base_url)
    form = {
        "grant_type": "refresh_token",
        "refresh_token": sb.refresh_token,
        "client_id": sb.client_id,
        "client_secret": sb.client_secret,
    }
    token = client.post("/auth/o2/token", data=form).json()["access_token"]
    client.headers["x-amz-access-token"] = token
    return client


def _calls(sb: AmazonSandbox, path: str) -> list[httpx.Request]:
    return [r for r in sb.requests if sb.strip_prefix(r.url.path).startswith(path)]


def _cursor(home: Home, stream: str) -> datetime:
    value = home.sql("SELECT cursor FROM sync_state WHERE stream = ?", stream)[0][0]
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- sync ----------------------------------------------------------------------------------------------------------


def test_full_sync_stores_what_the_sandbox_holds(home: Home) -> None:
    sb = _setup(home)
    report = json.loads(home.ok("sync", "--json").stdout)
    streams = {s["stream"]: s for s in report["accounts"][0]["streams"]}
    assert set(streams) == {"listings", "orders", "reviews"}
    orders = sb.data.orders
    feedback = sb.feedback_rows()
    assert home.count("orders") == streams["orders"]["records"] == len(orders) == 40
    assert home.count("order_lines") == sum(len(o.lines) for o in orders)
    assert home.count("listings") == len(sb.data.offers)
    assert home.count("reviews") == len(feedback) > 0
    assert {r[0] for r in home.sql("SELECT id FROM orders")} == set(sb.order_ids())
    # Repeat buyers share one key; FBA orders carry no e-mail, so no key.
    emails = {sb.buyer_email(i) for i in sb.order_ids()}
    keyed = home.sql("SELECT count(*), count(buyer_key), count(DISTINCT buyer_key) FROM orders")[0]
    assert home.count("buyers") == keyed[2] < keyed[1] <= keyed[0] and keyed[2] <= len(emails)
    # Reviews: only 1-3 stars exist in this report; keys match the orders' buyers.
    assert {r[0] for r in home.sql("SELECT rating FROM reviews")} <= {1, 2, 3}
    one = feedback[0]
    stored = home.sql("SELECT rating, body, created_at, buyer_key FROM reviews WHERE id = ?", one["Order ID"])[0]
    assert stored[:3] == (int(one["Rating"]), one["Comments"] or None, one["Date"] + "T00:00:00Z")
    assert stored[3] == home.sql("SELECT buyer_key FROM orders WHERE id = ?", one["Order ID"])[0][0]
    # Money and status from the spec's fields.
    order = _api(sb).get(ORDERS, params=_order_params()).json()["orders"][0]
    row = home.sql("SELECT total_minor, currency, status, created_at FROM orders WHERE id = ?", order["orderId"])[0]
    grand = order["proceeds"]["grandTotal"]
    assert row == (
        round(float(grand["amount"]) * 100),
        "EUR",
        order["fulfillment"]["fulfillmentStatus"],
        order["createdTime"],
    )


def _order_params(**extra: str) -> dict[str, str]:
    return {"lastUpdatedAfter": "2020-01-01T00:00:00Z", "includedData": "BUYER,PROCEEDS,FULFILLMENT", **extra}


def test_no_email_phone_or_full_name_reaches_the_cache(home: Home) -> None:
    sb = _setup(home)
    home.ok("sync", "--quiet")
    dump = "\n".join(line for line in _db_lines(home))
    assert "@marketplace.amazon" not in dump and "Rater Email" not in dump
    full_names = {f"{c.firstname} {c.lastname}" for c in sb.data.customers}
    assert not any(name in dump for name in full_names)
    for (name,) in home.sql("SELECT display_name FROM buyers"):
        assert name.endswith(".") and len(name.split()) == 2, name
    # Hostile strings are stored as data, verbatim.
    bodies = {r[0] for r in home.sql("SELECT body FROM reviews WHERE body IS NOT NULL")}
    assert any("[" in b or "\x1b" in b or "'" in b for b in bodies)


def _db_lines(home: Home) -> list[str]:
    out = []
    for table in ("orders", "order_lines", "buyers", "reviews", "listings"):
        out.extend(str(row) for row in home.sql(f"SELECT * FROM {table}"))
    return out


def test_auth_headers_token_requests_and_the_report_download(home: Home) -> None:
    sb = _setup(home)
    home.ok("sync", "--quiet")
    assert sb.token_requests == 1  # one access token for the whole run
    token = sb.requests[0]
    assert sb.strip_prefix(token.url.path) == "/auth/o2/token" and token.method == "POST"
    assert b"grant_type=refresh_token" in token.content and "x-amz-access-token" not in token.headers
    download = _calls(sb, "/report-documents/")
    assert len(download) == 1
    assert download[0].url.host != sb.requests[1].url.host
    assert "x-amz-access-token" not in download[0].headers and "authorization" not in download[0].headers
    for request in sb.requests[1:]:
        if request is not download[0]:
            assert request.headers["x-amz-access-token"].startswith("Atza|")
            assert "authorization" not in request.headers
    created = json.loads(_calls(sb, f"{REPORTS}/reports")[0].content)
    assert created["reportType"] == "GET_SELLER_FEEDBACK_DATA" and created["marketplaceIds"] == ["A13V1IB3VIYZZH"]
    assert not _calls(sb, "/orders/v0")


def test_second_sync_is_incremental(home: Home) -> None:
    sb = _setup(home)
    home.ok("sync", "--quiet")
    first = _calls(sb, ORDERS)[0].url.params
    assert "paginationToken" not in first and first["maxResultsPerPage"] == "10"
    assert {k for k in first if k.endswith("After")} == {"lastUpdatedAfter"}
    orders_cursor, reviews_cursor = _cursor(home, "orders"), _cursor(home, "reviews")
    sb.requests.clear()
    home.ok("sync", "--quiet")
    assert _calls(sb, ORDERS)[0].url.params["lastUpdatedAfter"] == _stamp(orders_cursor - timedelta(minutes=60))
    start = json.loads(_calls(sb, f"{REPORTS}/reports")[0].content)["dataStartTime"]
    assert start == _stamp(reviews_cursor - timedelta(days=3))
    # Paging tokens are sent back with every other parameter unchanged (the sandbox enforces it too).
    pages = _calls(sb, ORDERS)
    assert all(
        {k: v for k, v in p.url.params.items() if k != "paginationToken"} == dict(pages[0].url.params) for p in pages
    )


def test_new_and_updated_records_arrive_on_the_next_sync(home: Home) -> None:
    sb = _setup(home)
    home.ok("sync", "--quiet")
    at = _cursor(home, "orders") + timedelta(hours=2)
    new_ids = sb.add_orders(3, at)
    shipped = home.sql("SELECT id FROM orders WHERE status = 'UNSHIPPED' OR status = 'PENDING' LIMIT 1")[0][0]
    sb.update_order(shipped, at, "SHIPPED")
    quiet = home.sql("SELECT id FROM orders WHERE id NOT IN (SELECT id FROM reviews) LIMIT 1")[0][0]
    sb.set_feedback(quiet, 2, "Colis reçu ouvert, « emballage » déchiré.", at)
    gone = home.sql("SELECT id FROM listings ORDER BY id LIMIT 1")[0][0]
    sb.remove_listing(gone)
    home.ok("sync", "--quiet")
    assert home.count("orders") == 43 and {r[0] for r in home.sql("SELECT id FROM orders")} >= set(new_ids)
    assert home.sql("SELECT status FROM orders WHERE id = ?", shipped) == [("SHIPPED",)]
    assert home.sql("SELECT rating, body FROM reviews WHERE id = ?", quiet) == [
        (2, "Colis reçu ouvert, « emballage » déchiré.")
    ]
    assert home.sql("SELECT state FROM listings WHERE id = ?", gone) == [("removed",)]


def test_token_expiring_mid_sync_is_refreshed_once(home: Home) -> None:
    sb = _setup(home)
    statuses: list[int] = []

    def expire_after_first_page(sandbox: Any, request: httpx.Request, response: httpx.Response) -> None:
        if sandbox is sb and sb.strip_prefix(request.url.path) == ORDERS:
            statuses.append(response.status_code)
            if len(statuses) == 1:
                sb.faults.expire_token_next = 1  # the token dies between page 1 and page 2

    OBSERVERS.append(expire_after_first_page)
    try:
        home.ok("sync", "--stream", "orders", "--quiet")
    finally:
        OBSERVERS.remove(expire_after_first_page)
    assert sb.token_requests == 2
    assert statuses == [200, 401, 200, 200, 200]
    assert home.count("orders") == 40


def test_wrong_refresh_token_is_exit_4_and_never_printed(home: Home) -> None:
    account, secrets = sandbox_account("amazon", "boutique")
    secrets[account["refresh_token_env"]] = "Atzr|not-the-token-s3cr3t"
    home.configure([account], secrets=secrets)
    result = home.run("sync")
    assert result.exit_code == 4, result.stderr
    assert "invalid_grant" in result.stderr and account["refresh_token_env"] in result.stderr
    output = result.stdout + result.stderr
    assert "s3cr3t" not in output and secrets[account["lwa_client_secret_env"]] not in output
    assert "Traceback" not in output


def test_rate_limit_with_and_without_retry_after(home: Home) -> None:
    sb = _setup(home)
    sb.faults.rate_limit_next, sb.faults.retry_after = 2, "0"
    home.ok("sync", "--stream", "orders", "--quiet")
    assert home.count("orders") == 40 and len(_calls(sb, ORDERS)) == 4 + 2
    sb.requests.clear()
    sb.faults.rate_limit_next, sb.faults.retry_after = 10, None
    result = home.run("sync", "--stream", "orders")
    assert result.exit_code == 5 and "rate limited" in result.stderr and "3 tries" in result.stderr
    assert len(_calls(sb, ORDERS)) == 3


def test_quota_exceeded_answer_is_amazons() -> None:
    sb = open_sandbox("sandbox://amazon/quota?orders=5&anchor=2026-11-20")
    sb.faults.rate_limit_next = 1
    response = _api(sb).get(ORDERS, params=_order_params())
    assert response.status_code == 429 and response.headers["x-amzn-RequestId"]
    assert response.json() == {
        "errors": [
            {"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource.", "details": ""}
        ]
    }


def test_empty_shop(home: Home) -> None:
    _setup(home, orders=0)
    home.ok("sync", "--quiet")
    for table in ("listings", "orders", "order_lines", "buyers", "reviews"):
        assert home.count(table) == 0, table


def test_pagination_that_would_loop_forever_is_detected(home: Home) -> None:
    sb = _setup(home)
    sb.faults.ignore_offset = True
    result = home.run("sync", "--stream", "orders")
    assert result.exit_code == 1 and "same page twice" in result.stderr


def test_disputes_are_not_supported(home: Home) -> None:
    _setup(home)
    result = home.run("sync", "--stream", "disputes", "--json")
    stream = json.loads(result.stdout)["accounts"][0]["streams"][0]
    assert stream["status"] == "unsupported" and stream["error"] == "not supported by amazon"
    assert "A-to-z" in stream["hint"]


@pytest.mark.parametrize("compression", ["GZIP", None])
def test_feedback_report_gzip_or_plain(home: Home, compression: str | None) -> None:
    sb = _setup(home)
    sb.report_compression = compression
    home.ok("sync", "--stream", "reviews", "--quiet")
    assert home.count("reviews") == len(sb.feedback_rows())
    document = _api(sb).get(f"{REPORTS}/documents/{_document_id(sb)}").json()
    assert document.get("compressionAlgorithm") == compression


def _document_id(sb: AmazonSandbox) -> str:
    return f"amzn1.spdoc.1.4.eu.{max(sb.reports)}.sbx"


def test_feedback_report_with_iso_dates_cancelled_and_fatal(home: Home) -> None:
    sb = _setup(home)
    sb.report_dates = "iso"
    home.ok("sync", "--stream", "reviews", "--quiet")
    expected = {(r["Order ID"], r["Date"] + "T00:00:00Z") for r in sb.feedback_rows()}
    assert set(home.sql("SELECT id, created_at FROM reviews")) == expected
    sb.report_status = "CANCELLED"  # Amazon's answer when there is no data
    home.ok("sync", "--stream", "reviews", "--quiet")
    sb.report_status = "FATAL"
    result = home.run("sync", "--stream", "reviews")
    assert result.exit_code == 1 and "FATAL" in result.stderr


# Every numeric form a marketplace writes, with a day of 1-12 so that the order cannot be guessed from the value.
@pytest.mark.parametrize(
    ("marketplace", "cell", "expected"),
    [
        ("ATVPDKIKX0DER", "5/1/26", "2026-05-01"),  # amazon.com: month first
        ("ATVPDKIKX0DER", "11/19/26", "2026-11-19"),
        ("A2EUQ1WTGCTBG2", "5/1/26", "2026-01-05"),  # amazon.ca: day first
        ("A1AM78C64UM0Y8", "5/1/26", "2026-01-05"),  # amazon.com.mx: day first
        ("A13V1IB3VIYZZH", "05/01/2026", "2026-01-05"),  # amazon.fr
        ("A1PA6795UKMFR9", "5.1.26", "2026-01-05"),  # amazon.de: dotted, day first
        ("A1VC38T7YXB528", "26/1/5", "2026-01-05"),  # amazon.co.jp: year first
        ("A2NODRKZP88ZB9", "2026-01-05", "2026-01-05"),  # amazon.se: ISO
        ("A13V1IB3VIYZZH", "2026-01-05T23:30:00+01:00", "2026-01-05"),  # ISO is read everywhere
        ("UNKNOWN", "5/1/26", "2026-01-05"),  # an unknown marketplace: day first, then checked
    ],
)
def test_report_dates_follow_the_marketplace(marketplace: str, cell: str, expected: str) -> None:
    from mktcrm.connectors.amazon.feedback import date_order

    assert parse_date(cell, date_order(marketplace)) == expected + "T00:00:00Z"


def test_a_date_impossible_in_the_marketplace_form_is_refused_not_guessed() -> None:
    assert parse_date("11/19/26", "dmy") is None  # month 19 on a day-first marketplace
    assert parse_date("19/11/26", "mdy") is None
    assert parse_date("junk", "dmy") is None and parse_date("31.2.26", "dmy") is None


@pytest.mark.parametrize(
    ("marketplace", "header"),
    [
        ("A1PA6795UKMFR9", "Datum"),
        ("A1RKKUPIHCS9HS", "Fecha"),
        ("A1AM78C64UM0Y8", "Fecha"),
        ("APJ6JRA9NG5V4", "Data"),
        ("A1VC38T7YXB528", "日付"),
        ("ATVPDKIKX0DER", "Date"),
        ("A2EUQ1WTGCTBG2", "Date"),
    ],
)
def test_localized_feedback_reports_are_read_by_column_position(home: Home, marketplace: str, header: str) -> None:
    account, secrets = sandbox_account("amazon", "boutique", orders=40)
    account["marketplace_ids"] = [marketplace]
    home.configure([account], secrets=secrets)
    sb = open_sandbox(account["endpoint"])
    assert isinstance(sb, AmazonSandbox)
    sb.report_compression = None
    ids = sb.order_ids()
    for n, day in enumerate((3, 7, 12)):  # days that read as months too: the order must come from the table
        at = (sb.now - timedelta(days=40 + 31 * n)).replace(day=day, hour=10)
        sb.set_feedback(ids[n], 1 + n % 3, f"Colis abîmé n°{n}", at)
    report = json.loads(home.ok("sync", "--stream", "reviews", "--json").stdout)
    stream = report["accounts"][0]["streams"][0]
    expected = {(r["Order ID"], int(r["Rating"]), r["Date"] + "T00:00:00Z") for r in sb.feedback_rows()}
    assert len(expected) >= 6 and stream["skipped"] == 0 and stream["status"] == "ok"
    assert set(home.sql("SELECT id, rating, created_at FROM reviews")) == expected
    download = [r for r in sb.requests if "/report-documents/" in r.url.path][-1]
    first_line = sb.handler(download).content.decode().splitlines()[0]
    assert first_line.startswith(header)  # the sandbox did send the localized header


def test_unparseable_feedback_rows_are_counted_and_exit_3(home: Home) -> None:
    sb = _setup(home)
    sb.report_junk = 2
    result = home.run("sync", "--stream", "reviews", "--json")
    assert result.exit_code == 3, result.stderr
    stream = json.loads(result.stdout)["accounts"][0]["streams"][0]
    assert stream["status"] == "partial" and stream["skipped"] == 2
    # The header is line 1 and one good row line 2: the first bad row is line 3.
    assert stream["first_bad"] == "A13V1IB3VIYZZH report line 3: rating 'fünf' is not 1-5"
    assert "2 record(s) skipped as unparseable" in result.stderr and "line 3" in result.stderr
    assert home.count("reviews") == len(sb.feedback_rows())  # the good rows are all stored
    assert home.sql("SELECT count(*) FROM reviews WHERE id = '402-0000000-0000000'") == [(0,)]


def test_doctor_names_the_store(home: Home) -> None:
    _setup(home)
    result = home.ok("doctor")
    assert "Amazon.fr" in result.stdout and "store" in result.stdout


# -- the sandbox against the Swagger files -------------------------------------------------------------------------


@cache
def _validator(spec_name: str, definition: str) -> Any:
    from jsonschema import Draft4Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    spec = json.loads((SPECS / spec_name).read_text(encoding="utf-8"))
    uri = f"urn:amazon:{spec_name}"
    registry: Registry[Any] = Registry().with_resource(uri, Resource.from_contents(spec, default_specification=DRAFT4))
    return Draft4Validator({"$ref": f"{uri}#/definitions/{definition}"}, registry=registry)


def _valid(spec_name: str, definition: str, body: Any) -> None:
    errors = list(_validator(spec_name, definition).iter_errors(body))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def test_every_response_body_validates_against_the_spec() -> None:
    sb = open_sandbox("sandbox://amazon/contrat?seed=5&orders=60&anchor=2026-11-20")
    assert isinstance(sb, AmazonSandbox)
    api = _api(sb)
    orders_spec, listings_spec, reports_spec = (
        "orders_2026-01-01.json",
        "listingsItems_2021-08-01.json",
        "reports_2021-06-30.json",
    )
    assert list(_validator(orders_spec, "SearchOrdersResponse").iter_errors({"orders": [{"orderId": "x"}]}))
    every = "BUYER,RECIPIENT,PROCEEDS,FULFILLMENT,TAX"
    for params in (_order_params(), _order_params(includedData=every), {"createdAfter": "2026-01-01T00:00:00Z"}):
        body = api.get(ORDERS, params={**params, "maxResultsPerPage": "100"}).json()
        assert len(body["orders"]) == 60
        _valid(orders_spec, "SearchOrdersResponse", body)
    statuses = {o["fulfillment"]["fulfillmentStatus"] for o in api.get(ORDERS, params=_order_params()).json()["orders"]}
    assert {"SHIPPED", "CANCELLED"} <= statuses
    path = f"/listings/2021-08-01/items/{sb.seller_id}"
    listings = api.get(
        path,
        params={"marketplaceIds": "A13V1IB3VIYZZH", "includedData": "summaries,offers,fulfillmentAvailability,issues"},
    )
    assert listings.headers["x-amzn-RateLimit-Limit"] == "5.0"
    _valid(listings_spec, "ItemSearchResults", listings.json())
    _valid(
        "sellers.json", "GetMarketplaceParticipationsResponse", api.get("/sellers/v1/marketplaceParticipations").json()
    )
    created = api.post(
        f"{REPORTS}/reports", json={"reportType": "GET_SELLER_FEEDBACK_DATA", "marketplaceIds": ["A13V1IB3VIYZZH"]}
    )
    assert created.status_code == 202
    _valid(reports_spec, "CreateReportResponse", created.json())
    report_id = created.json()["reportId"]
    seen = set()
    for _ in range(3):
        report = api.get(f"{REPORTS}/reports/{report_id}").json()
        _valid(reports_spec, "Report", report)
        seen.add(report["processingStatus"])
    assert "DONE" in seen
    document = api.get(f"{REPORTS}/documents/{report['reportDocumentId']}").json()
    _valid(reports_spec, "ReportDocument", document)
    content = httpx.Client(transport=httpx.MockTransport(sb.handler)).get(document["url"]).content
    lines = gzip.decompress(content).decode().splitlines()
    assert lines[0].split("\t")[:2] == ["Date", "Évaluation"] and len(lines[0].split("\t")) == 6  # amazon.fr
    for status, response in (
        (400, api.get(ORDERS, params={"lastUpdatedAfter": "2026-01-01T00:00:00Z", "updatedSince": "x"})),
        (
            400,
            api.get(
                ORDERS, params={"lastUpdatedAfter": "2026-01-01T00:00:00Z", "createdAfter": "2026-01-01T00:00:00Z"}
            ),
        ),
        (400, api.get(path, params={"marketplaceIds": "A13V1IB3VIYZZH", "pageSize": "21"})),
        (401, api.get(ORDERS, params=_order_params(), headers={"x-amz-access-token": "Atza|forged"})),
        (404, api.get(f"{REPORTS}/reports/42")),
    ):
        assert response.status_code == status, response.text
        _valid(orders_spec, "ErrorList", response.json())
        assert response.headers["x-amzn-RequestId"]


def test_sandbox_token_endpoint_and_download_rules() -> None:
    sb = open_sandbox("sandbox://amazon/regles?orders=10&anchor=2026-11-20")
    assert isinstance(sb, AmazonSandbox)
    client = httpx.Client(transport=httpx.MockTransport(sb.handler), base_url=sb.base_url)
    form = {
        "grant_type": "refresh_token",
        "refresh_token": "nope",
        "client_id": sb.client_id,
        "client_secret": sb.client_secret,
    }
    assert client.post("/auth/o2/token", data=form).json()["error"] == "invalid_grant"
    assert client.post("/auth/o2/token", data={**form, "client_secret": "x"}).status_code == 401
    assert client.get(ORDERS, params=_order_params()).status_code == 401  # no token at all
    api = _api(sb)
    assert api.get(ORDERS, params={"includedData": "BUYER"}).status_code == 400  # neither After given
    report_id = api.post(
        f"{REPORTS}/reports", json={"reportType": "GET_SELLER_FEEDBACK_DATA", "marketplaceIds": ["A13V1IB3VIYZZH"]}
    ).json()["reportId"]
    api.get(f"{REPORTS}/reports/{report_id}")
    url = api.get(f"{REPORTS}/documents/amzn1.spdoc.1.4.eu.{report_id}.sbx").json()["url"]
    assert api.get(url).status_code == 400  # the SP-API token must not travel to the document host
    assert client.get(url.split("?")[0]).status_code == 403  # unsigned


def test_interrupted_orders_sync_resumes_with_the_same_query(home: Home) -> None:
    sb = _setup(home)
    sb.faults.fail_at_offset = 20
    failed = home.run("sync", "--stream", "orders")
    assert failed.exit_code == 5 and home.count("orders") == 20
    sb.faults.fail_at_offset = None
    sb.requests.clear()
    home.ok("sync", "--stream", "orders", "--quiet")
    resumed = _calls(sb, ORDERS)
    assert "paginationToken" in resumed[0].url.params and len(resumed) == 2
    assert home.count("orders") == 40


def test_listings_past_the_1000_item_cap_are_all_read(home: Home) -> None:
    sb = _setup(home, orders=24_000, page_size=20)
    sb.rate_limits["searchListingsItems"] = "200"  # this seller's usage plan (the header paces the client)
    assert len(sb.data.offers) == 1200
    home.ok("sync", "--stream", "listings", "--quiet")
    assert home.count("listings") == 1200
    windows = [r for r in _calls(sb, "/listings/") if "createdAfter" in r.url.params]
    assert windows and all(int(r.url.params["pageSize"]) == 20 for r in _calls(sb, "/listings/"))
    assert home.sql("SELECT count(*) FROM listings WHERE state = 'removed'") == [(0,)]
