"""Tests of the Mirakl sandbox itself: contract (spec schemas, paging, filters, errors), data, faults, serving."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from mktcrm.connectors.mirakl.sandbox.marketplace import MiraklSandbox
from mktcrm.sandbox import open_sandbox, reset_sandboxes
from mktcrm.sandbox.server import serve

SPEC = Path(__file__).parents[1].parent / "shared/specs/mirakl/mirakl-mmp-seller-openapi.json"
URL = "sandbox://mirakl/intermarche?seed=7&orders=300&anchor=2026-11-20"
RICH_MARKUP = ("[red]ALERTE[/red]", "[link=http://x]clic[/link]")
ANSI = ("\x1b[31m", "\x1b]0;title\x07")
SQL = "'); DROP TABLE reviews;--"


@pytest.fixture(autouse=True)
def _fresh_registry() -> Iterator[None]:
    reset_sandboxes()
    yield
    reset_sandboxes()


def _client(sb: MiraklSandbox, key: str | None = "default") -> httpx.Client:
    headers = {"Authorization": sb.api_key if key == "default" else key} if key is not None else {}
    return httpx.Client(transport=httpx.MockTransport(sb.handler), base_url=sb.base_url, headers=headers)


def _all_orders(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/orders", params={"paginate": "false", **params})
    assert response.status_code == 200, response.text
    return response.json()["orders"]


# -- contract: every 200 body validates against the spec's response schema ---------------------------------


def _validators() -> dict[str, Any]:
    """Validators for the 200 schema of A01/OF21/OR11/OR51, refs resolved inside the spec file."""
    if not SPEC.exists():
        pytest.skip(f"Mirakl spec not found at {SPEC}")
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    from contract import load_spec  # the spec as servers behave: nullable where its words say "Null when"

    spec = load_spec(SPEC)
    registry = Registry().with_resource(
        "urn:mirakl-seller", Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    checker = FormatChecker(formats=())

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value: object) -> bool:
        return not isinstance(value, str) or ("T" in value and datetime.fromisoformat(value).tzinfo is not None)

    out = {}
    for code, path in (
        ("A01", "/api/account"),
        ("OF21", "/api/offers"),
        ("OR11", "/api/orders"),
        ("OR51", "/api/orders/{order_id}/evaluation"),
        ("M11", "/api/inbox/threads"),
        ("M10", "/api/inbox/threads/{thread_id}"),
        ("RT11", "/api/returns"),
        ("RE01", "/api/reasons"),
    ):
        op = spec["paths"][path]["get"]
        assert op["operationId"] == code
        pointer = "/paths/" + path.replace("~", "~0").replace("/", "~1")
        pointer += "/get/responses/200/content/application~1json/schema"
        out[code] = Draft202012Validator(
            {"$ref": f"urn:mirakl-seller#{pointer}"}, registry=registry, format_checker=checker
        )
    return out


def _assert_valid(validator: Any, body: Any) -> None:
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def test_every_response_body_validates_against_the_spec() -> None:
    v = _validators()
    sb = open_sandbox(URL)
    # exercise the rarer shapes too: new order, incident, fresh evaluation on an order that had none
    new_ids = sb.add_orders(2, sb.now + timedelta(hours=1))
    sb.open_incident(new_ids[0], sb.now + timedelta(hours=2))
    bare = next(o for o in sb.data.orders if o.evaluation is None and o.state == "CLOSED")
    sb.set_evaluation(bare.order_id, 2, "Déçue 😡 [red]x[/red]", sb.now + timedelta(hours=3))
    # negative controls: the validators really resolve the spec's refs and check date-time formats
    assert list(v["OR11"].iter_errors({"orders": [{"order_id": "X"}], "total_count": 1}))
    assert list(v["OR51"].iter_errors({"grade": "5"}))
    bad_date = {
        "assessments": [],
        "customer_id": "c",
        "date": "2026-11-20",
        "firstname": "a",
        "grade": 5,
        "last_updated_date": "2026-11-20T00:00:00Z",
        "lastname": "b",
        "visible": True,
    }
    assert [e.validator for e in v["OR51"].iter_errors(bad_date)] == ["format"]
    with _client(sb) as client:
        _assert_valid(v["A01"], client.get("/api/account").json())
        _assert_valid(v["OF21"], client.get("/api/offers", params={"paginate": "false"}).json())
        body = client.get("/api/orders", params={"paginate": "false"}).json()
        _assert_valid(v["OR11"], body)
        orders = body["orders"]
        states = Counter(o["order_state"] for o in orders)
        line_states = Counter(ln["order_line_state"] for o in orders for ln in o["order_lines"])
        assert {"CLOSED", "RECEIVED", "SHIPPED", "WAITING_ACCEPTANCE", "CANCELED", "REFUSED"} <= set(states)
        assert line_states["INCIDENT_OPEN"] > 0 and line_states["REFUNDED"] > 0
        evaluated = [o.order_id for o in sb.data.orders if o.evaluation is not None]
        assert len(evaluated) > 50
        for order_id in evaluated:
            response = client.get(f"/api/orders/{order_id}/evaluation")
            assert response.status_code == 200
            _assert_valid(v["OR51"], response.json())


def test_inbox_returns_and_reasons_validate_and_are_seeded() -> None:
    v = _validators()
    sb = open_sandbox(URL)
    again = MiraklSandbox("intermarche", seed=7, orders=300, anchor=sb.anchor)
    assert [t.id for t in again.inbox.threads.values()] == list(sb.inbox.threads)  # same seed, same inbox
    assert {t.order_id for t in sb.inbox.threads.values()} == {o.order_id for o in sb.data.orders if o.has_message}
    with _client(sb) as client:
        threads, token = [], None
        while True:
            params: dict[str, Any] = {"with_messages": "true", "limit": 7, **({"page_token": token} if token else {})}
            body = client.get("/api/inbox/threads", params=params).json()
            _assert_valid(v["M11"], body)
            threads += body["data"]
            token = body.get("next_page_token")
            if not token:
                break
        assert sorted(t["id"] for t in threads) == sorted(sb.inbox.threads)
        assert [t["date_updated"] for t in threads] == sorted((t["date_updated"] for t in threads), reverse=True)
        senders = Counter(t["messages"][-1]["from"]["type"] for t in threads)
        assert set(senders) == {"CUSTOMER_USER", "SHOP_USER", "OPERATOR_USER"}
        _assert_valid(v["M10"], client.get(f"/api/inbox/threads/{threads[0]['id']}").json())
        returns = client.get("/api/returns", params={"limit": 100}).json()
        _assert_valid(v["RT11"], returns)
        assert len({r["state"] for r in returns["data"]}) == 7
        _assert_valid(v["RE01"], client.get("/api/reasons").json())
        incident_lines = [
            ln
            for o in _all_orders(client, has_incident="true")
            for ln in o["order_lines"]
            if ln["order_line_state"] == "INCIDENT_OPEN"
        ]
        assert incident_lines and all(ln["order_line_state_reason_label"] for ln in incident_lines)


def test_account_reports_shop_kpis() -> None:
    sb = open_sandbox(URL)
    with _client(sb) as client:
        account = client.get("/api/account").json()
    visible = [o.evaluation.grade for o in sb.data.orders if o.evaluation and o.evaluation.visible]
    assert account["shop_id"] == 2071 and account["currency_iso_code"] == "EUR"
    assert account["orders_count"] == 300 and account["evaluations_count"] == len(visible)
    assert account["grade"] == round(sum(visible) / len(visible), 2)
    assert account["offers_count"] == sum(1 for o in sb.data.offers if o.active)


# -- data ---------------------------------------------------------------------------------------------------


def test_same_seed_gives_same_bytes_and_operators_differ() -> None:
    def snapshot(url: str) -> tuple[bytes, bytes]:
        reset_sandboxes()
        sb = open_sandbox(url)
        with _client(sb) as client:
            orders = client.get("/api/orders", params={"max": 100, "offset": 50}).content
            offers = client.get("/api/offers", params={"paginate": "false"}).content
        return orders, offers

    assert snapshot(URL) == snapshot(URL)
    assert snapshot(URL)[0] != snapshot(URL.replace("seed=7", "seed=8"))[0]
    leclerc = open_sandbox("sandbox://mirakl/leclerc?seed=7&orders=300&anchor=2026-11-20")
    intermarche = open_sandbox(URL)
    assert {o.category.code for o in leclerc.data.offers}.isdisjoint({o.category.code for o in intermarche.data.offers})


def test_data_is_french_skewed_and_carries_hostile_strings() -> None:
    sb = open_sandbox("sandbox://mirakl/intermarche?seed=3&orders=2000&anchor=2026-11-20")
    orders = sb.data.orders
    evals = [o.evaluation for o in orders if o.evaluation is not None]
    comments = [e.comment for e in evals if e.comment]
    names = [f"{c.firstname} {c.lastname}" for c in sb.data.customers]
    done = [o for o in orders if o.state in ("RECEIVED", "CLOSED")]
    assert 0.45 < len(evals) / len(done) < 0.65
    assert 0.08 < sum(1 for e in evals if e.reply) / len(evals) < 0.22
    grades = Counter(e.grade for e in evals)
    assert grades[5] + grades[4] > 0.7 * len(evals) and grades[1] + grades[2] > 0
    assert any(300 <= len(c) <= 600 for c in comments)
    assert any(ch in "".join(names) for ch in "éèëïç") and any("é" in c for c in comments)
    buyers = Counter(o.customer for o in orders)
    assert 0.22 < sum(1 for n in buyers.values() if n > 1) / len(buyers) < 0.35
    assert 0.03 <= sum(o.has_incident for o in orders) / len(orders) <= 0.05
    for needle in (*RICH_MARKUP, *ANSI, SQL, "😡"):
        assert any(needle in c for c in comments), needle
    for needle in ("[red]", "[link=", "\x1b[31m", SQL):
        assert any(needle in n for n in names), needle
    hostile = sum(1 for c in comments if "\x1b" in c or "[red]" in c or "[link=" in c or SQL in c)
    assert hostile < 0.05 * len(comments)


# -- paging and filters -------------------------------------------------------------------------------------


def test_offset_paging_total_count_and_clamp() -> None:
    sb = open_sandbox(URL)
    with _client(sb) as client:
        first = client.get("/api/orders").json()
        assert first["total_count"] == 300 and len(first["orders"]) == 10
        assert len(client.get("/api/orders", params={"max": 500}).json()["orders"]) == 100
        seen: list[str] = []
        offset = 0
        while True:
            page = client.get("/api/orders", params={"max": 37, "offset": offset}).json()
            seen += [o["order_id"] for o in page["orders"]]
            offset += 37
            if offset >= page["total_count"]:
                break
        everything = _all_orders(client)
        assert seen == [o["order_id"] for o in everything] and len(set(seen)) == 300
        keys = [(o["created_date"], o["order_id"]) for o in everything]
        assert keys == sorted(keys)
        desc = _all_orders(client, order="desc")
        assert [o["order_id"] for o in desc] == seen[::-1]
        past_end = client.get("/api/orders", params={"offset": 1000}).json()
        assert past_end == {"orders": [], "total_count": 300}
        offers = client.get("/api/offers", params={"max": 5, "sort": "price", "order": "desc"}).json()
        assert offers["total_count"] == len(sb.data.offers) and len(offers["offers"]) == 5
        prices = [o["price"] for o in offers["offers"]]
        assert prices == sorted(prices, reverse=True)


def test_start_update_date_filter_is_inclusive_and_sees_mutations() -> None:
    sb = open_sandbox(URL)
    cutoff = sorted(o.updated for o in sb.data.orders)[250]
    cutoff_dt = datetime.fromtimestamp(cutoff, UTC)
    expected = {o.order_id for o in sb.data.orders if o.updated >= cutoff}
    with _client(sb) as client:
        got = _all_orders(client, start_update_date=cutoff_dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
        assert {o["order_id"] for o in got} == expected
        plus2 = (cutoff_dt + timedelta(hours=2)).replace(tzinfo=None).isoformat() + "+02:00"
        assert len(_all_orders(client, start_update_date=plus2)) == len(expected)
        upto = _all_orders(client, end_update_date=cutoff_dt.isoformat())
        assert len(upto) == 300 - len(expected) + sum(1 for o in sb.data.orders if o.updated == cutoff)

        later = sb.now + timedelta(hours=5)
        new_ids = sb.add_orders(3, later)
        old = sb.data.orders[0].order_id
        sb.update_order(old, later + timedelta(minutes=1), state="CLOSED")
        fresh = _all_orders(client, start_update_date=later.isoformat())
        assert {o["order_id"] for o in fresh} == {*new_ids, old}
        assert all(o["order_state"] in ("WAITING_ACCEPTANCE", "CLOSED") for o in fresh)
        assert client.get("/api/orders").json()["total_count"] == 303


def test_state_id_and_incident_filters() -> None:
    sb = open_sandbox(URL)
    with _client(sb) as client:
        closed = _all_orders(client, order_state_codes="CLOSED,RECEIVED")
        assert closed and all(o["order_state"] in ("CLOSED", "RECEIVED") for o in closed)
        ids = [o.order_id for o in sb.data.orders[5:8]]
        assert [o["order_id"] for o in _all_orders(client, order_ids=",".join(ids))] == ids
        with_incident = _all_orders(client, has_incident="true")
        without = _all_orders(client, has_incident="false")
        assert len(with_incident) + len(without) == 300 and with_incident
        assert all(
            o["has_incident"] and any(ln["order_line_state"] == "INCIDENT_OPEN" for ln in o["order_lines"])
            for o in with_incident
        )
        target = without[0]["order_id"]
        sb.open_incident(target, sb.now + timedelta(minutes=5))
        assert target in {o["order_id"] for o in _all_orders(client, has_incident="true")}
        sb.close_incident(target, sb.now + timedelta(minutes=6))
        sb.close_incident(with_incident[0]["order_id"], sb.now + timedelta(minutes=7), refund=True)
        still_open = {o["order_id"] for o in _all_orders(client, has_incident="true")}
        assert target not in still_open and with_incident[0]["order_id"] not in still_open
        refunded = _all_orders(client, order_ids=with_incident[0]["order_id"])[0]["order_lines"][0]
        assert refunded["order_line_state"] == "REFUNDED" and refunded["refunds"]


# -- errors and faults --------------------------------------------------------------------------------------


def test_auth_and_shop_id() -> None:
    sb = open_sandbox(URL.replace("anchor", "key=s3cret-key&anchor"))
    for key in (None, "wrong-key", "Bearer s3cret-key"):
        with _client(sb, key=key) as client:
            response = client.get("/api/orders")
        assert response.status_code == 401
        assert response.json() == {"status": 401, "message": "Unauthorized"}
        assert "s3cret" not in response.text and "wrong" not in response.text
        assert response.headers["content-type"] == "application/json"
    with _client(sb) as client:
        assert client.get("/api/account", params={"shop_id": 2071}).status_code == 200
        forbidden = client.get("/api/account", params={"shop_id": 9999})
        assert forbidden.status_code == 403 and forbidden.json()["status"] == 403


def test_rate_limit_server_error_and_malformed_faults() -> None:
    sb = open_sandbox(URL)
    with _client(sb) as client:
        sb.faults.rate_limit_next = 2
        for _ in range(2):
            limited = client.get("/api/orders")
            assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
            assert limited.json()["status"] == 429
        assert client.get("/api/orders").status_code == 200
        sb.faults.rate_limit_next, sb.faults.retry_after = 1, None
        assert "Retry-After" not in client.get("/api/orders").headers
        sb.faults.server_error_next = 1
        unavailable = client.get("/api/orders")
        assert unavailable.status_code == 503
        assert unavailable.json() == {"status": 503, "message": "Service Unavailable"}
        sb.faults.malformed_next = 1
        broken = client.get("/api/orders")
        assert broken.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            broken.json()
        assert client.get("/api/orders").json()["total_count"] == 300
    assert len(sb.requests) == 7 and all(r.url.path == "/intermarche/api/orders" for r in sb.requests)


def test_fail_at_offset_and_pagination_loop() -> None:
    sb = open_sandbox(URL)
    with _client(sb) as client:
        sb.faults.fail_at_offset = 100
        assert client.get("/api/orders", params={"max": 100, "offset": 0}).status_code == 200
        crash = client.get("/api/orders", params={"max": 100, "offset": 100})
        assert crash.status_code == 500 and crash.json()["status"] == 500
        assert client.get("/api/orders", params={"max": 100, "offset": 200}).status_code == 500
        sb.faults.fail_at_offset = None
        sb.faults.ignore_offset = True
        first = client.get("/api/orders", params={"offset": 0}).json()["orders"]
        assert client.get("/api/orders", params={"offset": 10}).json()["orders"] == first


def test_not_found_and_bad_requests() -> None:
    sb = open_sandbox(URL)
    no_eval = next(o.order_id for o in sb.data.orders if o.evaluation is None)
    with _client(sb) as client:
        missing = client.get(f"/api/orders/{no_eval}/evaluation")
        assert missing.status_code == 404
        assert missing.json() == {"status": 404, "message": "Evaluation not found"}
        unknown = client.get("/api/orders/NOPE-A/evaluation")
        assert unknown.json() == {"status": 404, "message": "Order not found"}
        assert client.get("/api/nothing").json() == {"status": 404, "message": "Not Found"}
        assert client.post("/api/orders").status_code == 405
        for params, name in (
            ({"start_update_date": "yesterday"}, "start_update_date"),
            ({"max": "ten"}, "max"),
            ({"offset": "-1"}, "offset"),
            ({"order": "sideways"}, "order"),
            ({"sort": "dateUpdated"}, "sort"),
            ({"order_state_codes": "SHIPPED,LOST"}, "order_state_codes"),
            ({"order_ids": ",".join(f"X{i}" for i in range(101))}, "order_ids"),
            ({"has_incident": "yes"}, "has_incident"),
            ({"updated_since": "2026-01-01T00:00:00Z"}, "updated_since"),
        ):
            response = client.get("/api/orders", params=params)
            assert response.status_code == 400, params
            assert response.json()["status"] == 400 and name in response.json()["message"]
    # the unprefixed path works too
    with httpx.Client(transport=httpx.MockTransport(sb.handler), base_url="http://sandbox.invalid") as bare:
        assert bare.get("/api/account", headers={"Authorization": sb.api_key}).status_code == 200


def test_set_evaluation_is_served_and_bumps_the_order() -> None:
    sb = open_sandbox(URL)
    order = next(o for o in sb.data.orders if o.evaluation is None and o.state == "CLOSED")
    at = sb.now + timedelta(days=1)
    sb.set_evaluation(order.order_id, 1, "Colis jamais arrivé", at)
    with _client(sb) as client:
        evaluation = client.get(f"/api/orders/{order.order_id}/evaluation").json()
        assert evaluation["grade"] == 1 and evaluation["comment"] == "Colis jamais arrivé"
        assert evaluation["date"] == evaluation["last_updated_date"] == at.strftime("%Y-%m-%dT%H:%M:%SZ")
        bumped = _all_orders(client, start_update_date=at.isoformat())
        assert [o["order_id"] for o in bumped] == [order.order_id]
        assert bumped[0]["customer"]["customer_id"] == evaluation["customer_id"]
    with pytest.raises(ValueError, match="timezone-aware"):
        sb.update_order(order.order_id, datetime(2026, 11, 21))
    with pytest.raises(KeyError, match="NOPE"):
        sb.open_incident("NOPE", at)


# -- registry and served mode -------------------------------------------------------------------------------


def test_open_sandbox_registry_and_defaults() -> None:
    sb = open_sandbox("sandbox://mirakl/leclerc?orders=30")
    assert open_sandbox("sandbox://mirakl/leclerc?orders=30") is sb
    assert open_sandbox("sandbox://mirakl/leclerc?orders=31") is not sb
    assert sb.api_key == "sandbox-leclerc-key" and sb.shop_id == 2071
    assert sb.base_url == "http://sandbox.invalid/leclerc" and sb.now.date() == datetime.now(UTC).date()
    reset_sandboxes()
    assert open_sandbox("sandbox://mirakl/leclerc?orders=30") is not sb
    with pytest.raises(ValueError, match="mirakl"):
        open_sandbox("sandbox://rakuten/fr")
    with pytest.raises(ValueError, match="seed"):
        open_sandbox("sandbox://mirakl/leclerc?seed=abc")
    with pytest.raises(ValueError, match="valid"):
        open_sandbox("sandbox://mirakl/leclerc?colour=red")


def test_served_on_a_real_loopback_port() -> None:
    sb = open_sandbox("sandbox://mirakl/intermarche?seed=2&orders=20&anchor=2026-11-20")
    with pytest.raises(ValueError, match="loopback"):
        serve([sb], host="0.0.0.0")
    server = serve([sb])
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        base = server.url_for("intermarche")
        assert base.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=base, headers={"Authorization": sb.api_key}, timeout=5) as client:
            response = client.get("/api/orders", params={"max": 5, "start_update_date": "2026-01-01T00:00:00+01:00"})
            assert response.status_code == 200 and len(response.json()["orders"]) == 5
            assert response.headers["content-type"] == "application/json"
            assert client.get("/api/account", headers={"Authorization": "nope"}).status_code == 401
        assert httpx.get(base.rsplit("/", 1)[0] + "/unknown/api/account", timeout=5).status_code == 404
        assert sb.requests[0].url.params["start_update_date"] == "2026-01-01T00:00:00+01:00"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
