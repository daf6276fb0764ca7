"""`mktcrm sync` against sandbox Mirakl operators: counts, incremental cursors, resume, faults, exit codes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
from filelock import FileLock

from conftest import Home, mirakl_account, sandbox, sandbox_url


def _or11(requests: list[httpx.Request]) -> list[httpx.Request]:
    return [r for r in requests if r.url.path.endswith("/api/orders") and "has_incident" not in r.url.params]


def _truth(url: str) -> dict[str, int]:
    """What the sandbox holds, read through its own HTTP API with a plain client."""
    sb = sandbox(url)
    client = httpx.Client(transport=httpx.MockTransport(sb.handler), base_url=sb.base_url)
    headers = {"Authorization": sb.api_key}
    orders = client.get("/api/orders", params={"paginate": "false"}, headers=headers).json()["orders"]
    reviews = sum(
        client.get(f"/api/orders/{o['order_id']}/evaluation", headers=headers).status_code == 200 for o in orders
    )
    incidents = sum(line["order_line_state"] == "INCIDENT_OPEN" for o in orders for line in o["order_lines"])
    offers = client.get("/api/offers", params={"max": 100}, headers=headers).json()["total_count"]
    sb.requests.clear()
    return {"orders": len(orders), "reviews": reviews, "disputes": incidents, "listings": offers}


def test_sync_stores_everything_the_sandbox_holds(home: Home) -> None:
    home.configure()
    truth = _truth(sandbox_url("shop1"))
    result = home.ok("sync", "--json")
    report = json.loads(result.stdout)
    assert report["status"] == "ok"
    streams = {s["stream"]: s for s in report["accounts"][0]["streams"]}
    for table in ("orders", "reviews", "disputes", "listings"):
        where = " WHERE kind = 'incident'" if table == "disputes" else ""
        assert home.sql(f"SELECT count(*) FROM {table}{where}")[0][0] == truth[table], table
        assert streams[table]["records"] == truth[table]
    assert truth["reviews"] > 5 and truth["disputes"] >= 1
    # Order lines and buyers come with the orders; buyer keys are HMACs, not marketplace ids.
    assert home.count("order_lines") >= truth["orders"]
    assert home.count("buyers") < truth["orders"]
    raw_ids = {json.loads(r[0])["customer"]["customer_id"] for r in home.sql("SELECT raw FROM orders")}
    keys = {r[0] for r in home.sql("SELECT buyer_key FROM orders")}
    assert not raw_ids & keys
    assert home.sql("SELECT status, accounts FROM sync_runs") == [("ok", '["shop1"]')]


def test_every_request_carries_the_raw_shop_key(synced: Home) -> None:
    sb = sandbox()
    synced.ok("sync", "--quiet")
    assert sb.requests
    for request in sb.requests:
        assert request.headers["Authorization"] == sb.api_key  # raw key, no "Bearer"
        assert request.headers["User-Agent"].startswith("mktcrm/")


def test_second_sync_is_incremental_with_lookback(synced: Home) -> None:
    sb = sandbox()
    sb.requests.clear()
    cursor = synced.sql("SELECT cursor FROM sync_state WHERE stream = 'orders'")[0][0]
    synced.ok("sync", "--stream", "orders", "--quiet")
    first = _or11(sb.requests)[0]
    expected = datetime.fromisoformat(cursor.replace("Z", "+00:00")) - timedelta(minutes=60)
    assert first.url.params["start_update_date"] == expected.strftime("%Y-%m-%dT%H:%M:%SZ")

    later = datetime.fromisoformat(cursor.replace("Z", "+00:00")) + timedelta(hours=2)
    new_ids = sb.add_orders(3, at=later)
    before = synced.count("orders")
    synced.ok("sync", "--stream", "orders", "--quiet")
    assert synced.count("orders") == before + 3
    assert {r[0] for r in synced.sql("SELECT id FROM orders")} >= set(new_ids)


def test_new_evaluation_and_incident_arrive_on_next_sync(synced: Home) -> None:
    sb = sandbox()
    order_id, cursor = synced.sql(
        "SELECT o.id, s.cursor FROM orders o, sync_state s WHERE s.stream = 'orders' AND o.status = 'RECEIVED'"
        " AND o.id NOT IN (SELECT id FROM reviews) LIMIT 1"
    )[0]
    at = datetime.fromisoformat(cursor.replace("Z", "+00:00")) + timedelta(hours=1)
    sb.set_evaluation(order_id, 2, "Colis reçu ouvert.", at)
    sb.open_incident(order_id, at)
    synced.ok("sync", "--quiet")
    assert synced.sql("SELECT rating, body FROM reviews WHERE id = ?", order_id) == [(2, "Colis reçu ouvert.")]
    assert synced.sql("SELECT status FROM disputes WHERE order_id = ? AND kind = 'incident'", order_id) == [
        ("awaiting_seller",)
    ]


def test_interrupted_sync_resumes_at_the_page_it_stopped(home: Home) -> None:
    home.configure()
    sb = sandbox()
    sb.faults.fail_at_offset = 20
    failed = home.run("sync", "--stream", "orders")
    assert failed.exit_code == 5, failed.stderr
    assert "HTTP 500" in failed.stderr
    assert home.count("orders") == 20  # two pages of 10 committed, nothing half-written
    resume = json.loads(home.sql("SELECT resume FROM sync_state WHERE stream = 'orders'")[0][0])
    assert resume["token"] == 20
    assert home.sql("SELECT status FROM sync_runs") == [("failed",)]

    sb.faults.fail_at_offset = None
    sb.requests.clear()
    result = home.ok("sync", "--stream", "orders", "--json")
    assert _or11(sb.requests)[0].url.params["offset"] == "20"
    stream = json.loads(result.stdout)["accounts"][0]["streams"][0]
    assert stream["resumed"] is True
    assert home.count("orders") == 40
    assert home.sql("SELECT resume FROM sync_state WHERE stream = 'orders'") == [(None,)]


def test_full_sync_ignores_the_cursor(synced: Home) -> None:
    sb = sandbox()
    sb.requests.clear()
    synced.ok("sync", "--stream", "orders", "--full", "--quiet")
    assert "start_update_date" not in _or11(sb.requests)[0].url.params


def test_wrong_key_is_exit_4_and_never_printed(home: Home) -> None:
    home.configure(secrets={"MKTCRM_TEST_SHOP1_KEY": "not-the-key-s3cr3t"})
    result = home.run("sync")
    assert result.exit_code == 4
    assert "rejected the credentials" in result.stderr
    assert "MKTCRM_TEST_SHOP1_KEY" in result.stderr
    assert "s3cr3t" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_missing_secret_is_exit_4(home: Home) -> None:
    home.configure(secrets={})
    result = home.run("sync")
    assert result.exit_code == 4
    assert "MKTCRM_TEST_SHOP1_KEY is not set" in result.stderr


def test_one_failing_account_does_not_stop_the_others(home: Home) -> None:
    home.configure(
        [mirakl_account("good"), mirakl_account("bad")],
        secrets={"MKTCRM_TEST_GOOD_KEY": "sandbox-good-key", "MKTCRM_TEST_BAD_KEY": "wrong"},
    )
    result = home.run("sync", "--json")
    assert result.exit_code == 3
    report = {a["account"]: a for a in json.loads(result.stdout)["accounts"]}
    assert report["good"]["status"] == "ok" and report["bad"]["status"] == "failed"
    assert [s["status"] for s in report["bad"]["streams"]] == ["failed"] + ["skipped"] * 5
    assert home.sql("SELECT DISTINCT account FROM orders") == [("good",)]
    assert home.sql("SELECT status FROM sync_runs") == [("partial",)]


def test_rate_limit_with_retry_after_is_retried(home: Home) -> None:
    home.configure()
    sb = sandbox()
    sb.faults.rate_limit_next = 2
    sb.faults.retry_after = "0"
    home.ok("sync", "--stream", "orders", "--quiet")
    assert home.count("orders") == 40
    statuses = [r for r in sb.requests if r.url.path.endswith("/api/orders")]
    assert len(statuses) == 4 + 2  # four pages, two of them asked twice more


def test_rate_limit_without_retry_after_backs_off_then_gives_up(home: Home) -> None:
    home.configure()
    sb = sandbox()
    sb.faults.rate_limit_next = 10
    sb.faults.retry_after = None
    result = home.run("sync", "--stream", "orders")
    assert result.exit_code == 5
    assert "rate limited" in result.stderr and "3 tries" in result.stderr
    assert len(sb.requests) == 3


def test_retry_after_beyond_the_budget_stops_at_once(home: Home) -> None:
    home.configure()
    sb = sandbox()
    sb.faults.rate_limit_next = 1
    sb.faults.retry_after = "3600"
    result = home.run("sync", "--stream", "orders")
    assert result.exit_code == 5
    assert "3600" in result.stderr
    assert "rate limited (HTTP 429)" in result.stderr  # the cause, not only "stopped waiting"
    assert len(sb.requests) == 1


def test_server_errors_are_retried(home: Home) -> None:
    home.configure()
    sandbox().faults.server_error_next = 2
    home.ok("sync", "--stream", "orders", "--quiet")
    assert home.count("orders") == 40


def test_malformed_json_is_exit_1_without_traceback(home: Home) -> None:
    home.configure()
    sandbox().faults.malformed_next = 1
    result = home.run("sync", "--stream", "listings")
    assert result.exit_code == 1
    assert "not JSON" in result.stderr and "Traceback" not in result.stderr


def test_pagination_that_would_loop_forever_is_detected(home: Home) -> None:
    home.configure()
    sandbox().faults.ignore_offset = True
    result = home.run("sync", "--stream", "orders")
    assert result.exit_code == 1
    assert "same page twice" in result.stderr
    assert max(map(len, result.stderr.splitlines())) < 300  # a few ids, not the whole page on one line


def test_a_second_sync_waits_for_the_lock_then_exits_5(home: Home) -> None:
    home.configure(sync={"lock_timeout_seconds": 0.2})
    with FileLock(f"{home.db_path}.lock"):
        result = home.run("sync")
    assert result.exit_code == 5
    assert "another sync" in result.stderr
    # Readers are not blocked by a sync.
    assert home.run("orders", "list").exit_code == 0


def test_quiet_sync_prints_nothing(synced: Home) -> None:
    result = synced.run("sync", "--quiet")
    assert result.exit_code == 0
    assert result.stdout == "" and result.stderr == ""


def test_unknown_account_and_stream_are_usage_errors(home: Home) -> None:
    home.configure()
    assert home.run("sync", "nope").exit_code == 2
    result = home.run("sync", "--stream", "nope")
    assert result.exit_code == 2 and "listings" in result.stderr


def test_disputes_closed_remotely_are_marked_resolved(synced: Home) -> None:
    sb = sandbox()
    open_incidents = "FROM disputes WHERE kind = 'incident' AND status = 'awaiting_seller'"
    order_id = synced.sql(f"SELECT order_id {open_incidents} ORDER BY id LIMIT 1")[0][0]
    open_before = synced.sql(f"SELECT count(*) {open_incidents}")[0][0]
    sb.close_incident(order_id, datetime.now(UTC))
    synced.ok("sync", "--stream", "disputes", "--quiet")
    status, resolved = synced.sql(
        "SELECT status, resolved_at FROM disputes WHERE order_id = ? AND kind = 'incident'", order_id
    )[0]
    assert status == "resolved" and resolved
    assert synced.sql(f"SELECT count(*) {open_incidents}")[0][0] == open_before - 1


def test_sync_counts_new_and_changed_records_per_stream(synced: Home) -> None:
    sb = sandbox()
    cursor = synced.sql("SELECT cursor FROM sync_state WHERE stream = 'orders'")[0][0]
    later = datetime.fromisoformat(cursor.replace("Z", "+00:00")) + timedelta(hours=1)
    first, second = (r[0] for r in synced.sql("SELECT id FROM orders ORDER BY id LIMIT 2"))
    sb.update_order(first, at=later, state="SHIPPED")
    sb.update_order(second, at=later, state="SHIPPED")
    result = synced.ok("sync", "--stream", "orders", "--json")
    stream = json.loads(result.stdout)["accounts"][0]["streams"][0]
    # Read: the 2 updated orders plus whatever the lookback re-read; only the 2 differ from the cache.
    assert (stream["new"], stream["changed"]) == (0, 2)
    assert stream["unchanged"] == stream["records"] - 2
    assert "0 new, 2 changed (orders " in result.stderr and "(2 changed)" in result.stderr
    assert synced.sql("SELECT count(*) FROM orders WHERE status = 'SHIPPED' AND id IN (?, ?)", first, second) == [(2,)]
    added = sb.add_orders(3, at=later + timedelta(hours=1))
    again = json.loads(synced.ok("sync", "--stream", "orders", "--json").stdout)["accounts"][0]["streams"][0]
    assert (again["new"], again["changed"]) == (3, 0) and len(added) == 3


def test_first_sync_counts_everything_as_new(home: Home) -> None:
    home.configure()
    report = json.loads(home.ok("sync", "--json").stdout)["accounts"][0]
    by_stream = {s["stream"]: s for s in report["streams"]}
    assert by_stream["orders"]["new"] == home.count("orders") == 40
    assert all(s["changed"] == 0 and s["new"] == s["records"] for s in report["streams"])
