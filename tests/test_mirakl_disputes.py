"""Mirakl disputes end to end: threads (M11), returns (RT11), incidents (OR11) synced through the real CLI,
and the connector's actions (RE01, OR43, M12, M10, OR64) through a real ApiClient over the sandbox.

Every exchange is checked against the seller OpenAPI by the autouse contract fixture.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import httpx
import pytest

from conftest import SPECS, Home, sandbox
from mktcrm.connectors.base import DISPUTE_STATES, Connector
from mktcrm.connectors.mirakl import MiraklConnector
from mktcrm.connectors.mirakl.disputes import RETURN_LABELS
from mktcrm.context import AppContext
from mktcrm.errors import NotSupportedError, UsageError

SPEC = SPECS / "mirakl" / "mirakl-mmp-seller-openapi.json"


def _connector(home: Home) -> Connector:
    app = AppContext.create(None, None, verbose=False, no_color=True)
    return app.connector_for(app.settings.account("shop1"))


@pytest.fixture
def shop(home: Home) -> Iterator[Home]:
    """One sandbox Mirakl account, small pages so seek paging really pages."""
    home.configure(sync={"page_size": 3})
    yield home


def _requests(path: str) -> list[httpx.Request]:
    return [r for r in sandbox().requests if r.url.path.endswith(path)]


def _last_sender(thread: Any) -> str:
    return str(thread.messages[-1].sender)


# -- threads ---------------------------------------------------------------------------------------------------


def test_threads_land_as_inquiries_with_their_messages(shop: Home) -> None:
    sb = sandbox()
    threads = list(sb.inbox.threads.values())
    assert len(threads) >= 8
    shop.ok("sync", "--stream", "threads", "--quiet")
    rows = shop.sql(
        "SELECT id, order_id, thread_id, status, next_actor, remote_status, opened_at, updated_at FROM disputes"
        " WHERE kind = 'inquiry'"
    )
    assert len(rows) == len(threads)
    by_id = {r[0]: r for r in rows}
    expected = {"CUSTOMER_USER": "awaiting_seller", "OPERATOR_USER": "awaiting_seller", "SHOP_USER": "awaiting_buyer"}
    assert {_last_sender(t) for t in threads} == set(expected)  # every case is seeded
    for t in threads:
        _id, order_id, thread_id, status, actor, remote, opened, updated = by_id[f"thread-{t.id}"]
        assert (order_id, thread_id, remote) == (t.order_id, t.id, _last_sender(t))
        assert status == expected[remote] and actor == ("buyer" if remote == "SHOP_USER" else "seller")
        assert opened <= updated
    events = shop.sql("SELECT dispute_id, event_id, kind, author, body FROM dispute_events ORDER BY at")
    assert len(events) == sum(len(t.messages) for t in threads)
    assert {e[2] for e in events} == {"message"}
    assert {e[3] for e in events} == {"customer", "seller", "operator"}
    assert any("Bonjour" in e[4] for e in events)
    # seek paging: limit = page_size, then the opaque token of the previous answer
    calls = _requests("/api/inbox/threads")
    assert len(calls) == -(-len(threads) // 3)
    first, second = calls[0].url.params, calls[1].url.params
    assert first["entity_type"] == "MMP_ORDER" and first["with_messages"] == "true" and first["limit"] == "3"
    assert "page_token" not in first and second["page_token"]


def test_threads_sync_is_incremental_and_sees_new_customer_messages(shop: Home) -> None:
    sb = sandbox()
    shop.ok("sync", "--stream", "threads", "--quiet")
    cursor = shop.sql("SELECT cursor FROM sync_state WHERE stream = 'threads'")[0][0]
    answered = next(t for t in sb.inbox.threads.values() if _last_sender(t) == "SHOP_USER")
    sb.requests.clear()
    at = datetime.fromisoformat(cursor.replace("Z", "+00:00")) + timedelta(hours=3)
    sb.add_customer_message(answered.order_id, "Toujours rien reçu, pouvez-vous vérifier ?", at)
    shop.ok("sync", "--stream", "threads", "--quiet")
    since = _requests("/api/inbox/threads")[0].url.params["updated_since"]
    expected = datetime.fromisoformat(cursor.replace("Z", "+00:00")) - timedelta(minutes=60)
    assert since == expected.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len(_requests("/api/inbox/threads")) == 1  # only the changed thread comes back
    status, actor = shop.sql("SELECT status, next_actor FROM disputes WHERE id = ?", f"thread-{answered.id}")[0]
    assert (status, actor) == ("awaiting_seller", "seller")
    bodies = [r[0] for r in shop.sql("SELECT body FROM dispute_events WHERE dispute_id = ?", f"thread-{answered.id}")]
    assert "Toujours rien reçu, pouvez-vous vérifier ?" in bodies


def test_unknown_remote_status_is_kept_and_shown(shop: Home) -> None:
    sb = sandbox()
    thread = next(iter(sb.inbox.threads.values()))
    sb.inbox.post(thread, "CHATBOT_USER", "Réponse automatique : nous revenons vers vous.", sb.now.timestamp(), ())
    ret = next(r for r in sb.inbox.returns.values() if r.state == "IN_PROGRESS")
    sb.set_return_state(ret.id, "WAITING_PICKUP", datetime.now(UTC), known_only=False)
    shop.ok("sync", "--stream", "threads", "--stream", "returns", "--quiet")
    rows = shop.sql(
        "SELECT id, status, remote_status, next_actor FROM disputes WHERE id IN (?, ?) ORDER BY id",
        f"return-{ret.id}",
        f"thread-{thread.id}",
    )
    assert rows == [
        (f"return-{ret.id}", "open", "WAITING_PICKUP", None),
        # The unknown sender is kept; whether the shop must answer is M11's own `shop_reply_needed_since`.
        (f"thread-{thread.id}", "awaiting_seller", "CHATBOT_USER", "seller"),
    ]
    author = shop.sql("SELECT author FROM dispute_events WHERE body LIKE 'Réponse automatique%'")
    assert author == [(None,)]
    listed = json.loads(shop.ok("disputes", "list", "--json").stdout)
    assert {r["id"] for r in listed} >= {f"return-{ret.id}", f"thread-{thread.id}"}


# -- returns and incidents -------------------------------------------------------------------------------------


def test_returns_land_with_mapped_states_and_move_on(shop: Home) -> None:
    sb = sandbox()
    returns = list(sb.inbox.returns.values())
    assert {r.state for r in returns} == set(MiraklConnector.dispute_states["return"])
    shop.ok("sync", "--stream", "returns", "--quiet")
    rows = {
        r[0]: r[1:]
        for r in shop.sql(
            "SELECT id, status, remote_status, reason_code, reason, order_line_id, resolved_at FROM disputes"
            " WHERE kind = 'return'"
        )
    }
    assert len(rows) == len(returns)
    table = MiraklConnector.dispute_states["return"]
    for r in returns:
        status, remote, code, reason, line, resolved = rows[f"return-{r.id}"]
        assert (status, remote, code, line) == (table[r.state], r.state, r.reason_code, r.line_id)
        # RE01 does not list Mirakl's built-in RETURN_* reasons: mktcrm's own readable label, never the code.
        assert reason == RETURN_LABELS[code] and not reason.startswith("RETURN_")
        assert (resolved is not None) == (status in ("resolved", "closed"))
    assert len(_requests("/api/returns")) == -(-len(returns) // 3)
    waiting = next(r for r in returns if r.state == "WAITING_ACCEPTANCE")
    cursor = shop.sql("SELECT cursor FROM sync_state WHERE stream = 'returns'")[0][0]
    sb.requests.clear()
    at = datetime.fromisoformat(cursor.replace("Z", "+00:00")) + timedelta(hours=2)
    sb.set_return_state(waiting.id, "IN_PROGRESS", at)
    shop.ok("sync", "--stream", "returns", "--quiet")
    assert "return_last_updated_from" in _requests("/api/returns")[0].url.params
    assert shop.sql("SELECT status, next_actor FROM disputes WHERE id = ?", f"return-{waiting.id}") == [
        ("awaiting_buyer", "buyer")
    ]
    events = shop.sql("SELECT event_id FROM dispute_events WHERE dispute_id = ? ORDER BY at", f"return-{waiting.id}")
    assert events == [("status:WAITING_ACCEPTANCE",), ("status:IN_PROGRESS",)]


def test_incidents_carry_remote_status_reason_and_a_status_event(shop: Home) -> None:
    shop.ok("sync", "--stream", "disputes", "--quiet")
    rows = shop.sql("SELECT id, status, remote_status, next_actor, reason_code, reason FROM disputes")
    assert rows and all(r[1:4] == ("awaiting_seller", "INCIDENT_OPEN", "seller") for r in rows)
    assert all(r[4] in ("1", "2", "3") and r[5] for r in rows)
    events = shop.sql("SELECT dispute_id, event_id, kind FROM dispute_events")
    assert sorted(events) == sorted((r[0], "status:INCIDENT_OPEN", "status") for r in rows)
    shop.ok("sync", "--stream", "disputes", "--quiet")  # seen again: no second event
    assert shop.count("dispute_events") == len(rows)


# -- actions ---------------------------------------------------------------------------------------------------


def test_reasons_per_purpose_are_read_once(shop: Home) -> None:
    connector = _connector(shop)
    resolve = connector.dispute_reasons("resolve")
    assert resolve and "13" not in resolve  # not a shop right
    assert connector.dispute_reasons("open")["26"] == "Autre question"
    assert set(resolve).isdisjoint(connector.dispute_reasons("open"))
    assert len(_requests("/api/reasons")) == 1
    with pytest.raises(UsageError):
        connector.dispute_reasons("refund")


def _validator(schema: str) -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    registry = Registry().with_resource("urn:m", Resource.from_contents(spec, default_specification=DRAFT202012))
    return Draft202012Validator({"$ref": f"urn:m#/components/schemas/{schema}"}, registry=registry)


def _part(request: httpx.Request, name: str) -> dict[str, Any]:
    head = b"Content-Type: " + request.headers["content-type"].encode() + b"\r\n\r\n"
    message = BytesParser(policy=HTTP).parsebytes(head + request.content)
    part = next(p for p in message.iter_parts() if p.get_param("name", header="content-disposition") == name)
    return dict(json.loads(part.get_payload(decode=True)))


def test_open_dispute_starts_a_thread_that_the_next_sync_shows(shop: Home) -> None:
    sb = sandbox()
    order = next(o for o in sb.data.orders if not sb.inbox.threads_of(o.order_id))
    connector = _connector(shop)
    with pytest.raises(UsageError):
        connector.open_dispute({"id": order.order_id}, "999", "Bonjour, un souci ?")
    assert not _requests("/threads")  # refused before any write
    opened = connector.open_dispute({"id": order.order_id}, "20", "Bonjour, votre colis part demain.")
    assert opened.kind == "inquiry" and opened.status == "awaiting_buyer" and opened.next_actor == "buyer"
    assert opened.id == f"thread-{opened.thread_id}" and opened.reason_code == "20"
    post = _requests(f"/api/orders/{order.order_id}/threads")[0]
    body = _part(post, "thread_input")
    assert not list(_validator("OR43_Request_MultipartFormData_ThreadInput").iter_errors(body))
    assert body["to"] == ["CUSTOMER"] and body["topic"] == {"type": "REASON_CODE", "value": "20"}
    assert [t.id for t in sb.inbox.threads_of(order.order_id)] == [opened.thread_id]
    shop.ok("sync", "--stream", "threads", "--quiet")
    assert shop.sql("SELECT status, remote_status FROM disputes WHERE id = ?", opened.id) == [
        ("awaiting_buyer", "SHOP_USER")
    ]
    assert connector.dispute_messages({"thread_id": opened.thread_id}).texts == ("Bonjour, votre colis part demain.",)


def test_message_goes_to_the_thread_or_opens_one(shop: Home) -> None:
    sb = sandbox()
    shop.ok("sync", "--stream", "threads", "--stream", "disputes", "--quiet")
    connector = _connector(shop)
    inquiry = shop.sql("SELECT id, thread_id, order_id FROM disputes WHERE status = 'awaiting_seller' LIMIT 1")[0]
    dispute = {"id": inquiry[0], "thread_id": inquiry[1], "order_id": inquiry[2], "kind": "inquiry"}
    message_id = connector.send_dispute_message(dispute, "Bonjour, nous regardons cela.", "k1")
    assert message_id == sb.inbox.threads[inquiry[1]].messages[-1].id
    body = _part(_requests(f"/api/inbox/threads/{inquiry[1]}/message")[0], "message_input")
    assert not list(_validator("M12_Request_MultipartFormData_MessageInput").iter_errors(body))
    assert body["to"][0] == {"type": "CUSTOMER"}
    assert "Bonjour, nous regardons cela." in connector.dispute_messages(dispute).texts
    # an incident on an order without a thread: OR43 on the order; the next message finds that thread (M11)
    incident = next(
        r
        for r in shop.sql("SELECT id, order_id, reason FROM disputes WHERE kind = 'incident'")
        if not sb.inbox.threads_of(r[1])
    )
    row = {"id": incident[0], "order_id": incident[1], "reason": incident[2], "kind": "incident"}
    connector.send_dispute_message(row, "Bonjour, nous vous remboursons.", "k2")
    (thread,) = sb.inbox.threads_of(incident[1])
    connector.send_dispute_message(row, "Le remboursement est parti.", "k3")
    assert len(sb.inbox.threads_of(incident[1])) == 1 and len(thread.messages) == 2
    assert connector.dispute_messages(row).texts == ("Bonjour, nous vous remboursons.", "Le remboursement est parti.")
    shop.ok("sync", "--stream", "threads", "--quiet")
    assert shop.sql("SELECT status FROM disputes WHERE id = ?", f"thread-{thread.id}") == [("awaiting_buyer",)]


def test_lost_answer_is_read_back_not_posted_twice(shop: Home) -> None:
    sb = sandbox()
    thread = next(t for t in sb.inbox.threads.values() if _last_sender(t) == "CUSTOMER_USER")
    dispute = {"id": f"thread-{thread.id}", "thread_id": thread.id, "order_id": thread.order_id, "kind": "inquiry"}
    connector = _connector(shop)
    before = len(thread.messages)
    sb.faults.lose_response_next = 1
    message_id = connector.send_dispute_message(dispute, "Bonjour, c'est noté.", "k")
    assert len(thread.messages) == before + 1 and message_id == thread.messages[-1].id


def test_resolve_incident_then_next_sync_marks_it_resolved(shop: Home) -> None:
    sb = sandbox()
    shop.ok("sync", "--stream", "disputes", "--quiet")
    line_id, order_id = shop.sql("SELECT id, order_id FROM disputes WHERE kind = 'incident' ORDER BY id LIMIT 1")[0]
    dispute = {"id": line_id, "order_id": order_id, "order_line_id": line_id, "kind": "incident"}
    connector = _connector(shop)
    code = next(iter(connector.dispute_reasons("resolve")))
    with pytest.raises(Exception, match="Unknown incident resolution reason"):
        connector.resolve_dispute(dispute, "13")  # an operator-only code
    sb.faults.lose_response_next = 1  # carried out, answer lost: the retry's 400 is read as "already done"
    connector.resolve_dispute(dispute, code)
    put = _requests("/resolve_incident")[-1]
    assert put.method == "PUT" and json.loads(put.content) == {"reason_code": code}
    assert sb.data.get(order_id).lines[int(line_id.rsplit("-", 1)[1]) - 1].state != "INCIDENT_OPEN"
    connector.resolve_dispute(dispute, code)  # again: already resolved, no error
    shop.ok("sync", "--stream", "disputes", "--quiet")
    status, actor, resolved = shop.sql("SELECT status, next_actor, resolved_at FROM disputes WHERE id = ?", line_id)[0]
    assert (status, actor) == ("resolved", "none") and resolved


def test_resolve_is_only_for_incidents(shop: Home) -> None:
    connector = _connector(shop)
    for kind in ("inquiry", "return"):
        with pytest.raises(NotSupportedError) as err:
            connector.resolve_dispute({"id": "x", "order_id": "X-A", "kind": kind}, "10")
        assert err.value.hint
    assert not _requests("/resolve_incident")


def test_status_table_only_uses_mktcrm_states() -> None:
    states = {s for table in MiraklConnector.dispute_states.values() for s in table.values()}
    assert states <= set(DISPUTE_STATES)
    assert {"incident", "inquiry", "return"} == set(MiraklConnector.dispute_states)


# -- sandbox contract details ----------------------------------------------------------------------------------


def test_sandbox_rejects_what_mirakl_rejects(shop: Home) -> None:
    sb = sandbox()
    order = sb.data.orders[0]
    thread = next(iter(sb.inbox.threads.values()))
    with httpx.Client(
        transport=httpx.MockTransport(sb.handler), base_url=sb.base_url, headers={"Authorization": sb.api_key}
    ) as client:

        def status(method: str, path: str, **kw: Any) -> int:
            return client.request(method, path, **kw).status_code

        assert status("GET", "/api/inbox/threads", params={"entity_id": "X"}) == 400  # needs entity_type
        assert status("GET", "/api/inbox/threads", params={"since": "2026-01-01T00:00:00Z"}) == 400
        assert status("GET", "/api/inbox/threads", params={"page_token": "garbage!"}) == 400
        assert status("GET", "/api/inbox/threads", params={"limit": "101"}) == 400
        assert status("GET", "/api/returns", params={"return_state": "LOST"}) == 400
        assert status("GET", "/api/reasons", params={"max": "10"}) == 400
        assert status("GET", "/api/inbox/threads/nope") == 404
        text = json.dumps({"body": "Bonjour", "to": [{"type": "CUSTOMER"}]})
        assert status("POST", "/api/inbox/threads/nope/message", files={"message_input": (None, text)}) == 404
        assert status("POST", f"/api/inbox/threads/{thread.id}/message", json={"body": "x"}) == 400
        bad_topic = json.dumps({"body": "Bonjour", "to": ["CUSTOMER"], "topic": {"type": "REASON_CODE", "value": "1"}})
        path = f"/api/orders/{order.order_id}/threads"
        assert status("POST", path, files={"thread_input": (None, bad_topic)}) == 400
        assert status("POST", "/api/orders/NOPE-A/threads", files={"thread_input": (None, bad_topic)}) == 404
        not_incident = next(o for o in sb.data.orders if not o.has_incident)
        resolve = f"/api/orders/{not_incident.order_id}/lines/{not_incident.order_id}-1/resolve_incident"
        assert status("PUT", resolve, json={"reason_code": "10"}) == 400
        assert status("PUT", f"/api/orders/{order.order_id}/lines/{order.order_id}-9/resolve_incident", json={}) == 404
        # seek paging both ways: previous_page_token leads back to the first page
        first = client.get("/api/returns", params={"limit": 2}).json()
        second = client.get("/api/returns", params={"page_token": first["next_page_token"], "limit": 2}).json()
        back = client.get("/api/returns", params={"page_token": second["previous_page_token"], "limit": 2}).json()
        assert [r["id"] for r in back["data"]] == [r["id"] for r in first["data"]]
        assert "previous_page_token" not in first


# -- seller moves through the CLI -------------------------------------------------------------------------------


def test_cli_open_checks_the_message_first_and_records_the_thread(shop: Home) -> None:
    shop.ok("sync", "--stream", "orders", "--quiet")
    order_id = shop.sql("SELECT id FROM orders WHERE status = 'RECEIVED' LIMIT 1")[0][0]
    refused = shop.run("disputes", "open", order_id, "--reason", "26", "--message", "Appelez-moi au 06 12 34 56 78")
    assert refused.exit_code == 6 and _requests("/threads") == []  # nothing reached the buyer
    reasons = _connector(shop).dispute_reasons("open")
    code = next(iter(reasons))
    opened = shop.ok("disputes", "open", order_id, "--reason", code, "--message", "Bonjour, votre colis est reparti.")
    dispute_id = opened.stdout.strip()
    assert dispute_id.startswith("thread-") and len(_requests("/threads")) == 1
    assert "Warning" not in opened.stderr  # a real thread: nothing to warn about
    shown = json.loads(shop.ok("disputes", "show", dispute_id, "--json").stdout)
    assert shown["kind"] == "inquiry" and shown["order_id"] == order_id


def test_a_failed_message_does_not_block_the_next_one(shop: Home) -> None:
    shop.ok("sync", "--stream", "threads", "--quiet")
    dispute_id = shop.sql("SELECT id FROM disputes WHERE kind = 'inquiry' LIMIT 1")[0][0]
    short = shop.run("disputes", "message", dispute_id, "--text", "Ok")  # Mirakl wants 3 characters or more
    assert short.exit_code == 1
    shop.ok("disputes", "message", dispute_id, "--text", "Bonjour, nous regardons votre demande.")
    states = [s for (s,) in shop.sql("SELECT state FROM dispute_messages ORDER BY id")]
    assert states == ["failed", "sent"]


def test_a_local_resolution_survives_the_next_sync_until_the_buyer_writes_again(shop: Home) -> None:
    shop.ok("sync", "--stream", "threads", "--quiet")
    dispute_id, order_id = shop.sql("SELECT id, order_id FROM disputes WHERE kind = 'inquiry' LIMIT 1")[0]
    shop.ok("disputes", "resolve", dispute_id, "--reason", "answered-by-phone")

    def status() -> str:
        return str(json.loads(shop.ok("disputes", "show", dispute_id, "--json").stdout)["status"])

    assert status() == "resolved"
    shop.ok("sync", "--stream", "threads", "--full", "--quiet")
    assert status() == "resolved"
    later = datetime.now(UTC) + timedelta(minutes=5)
    sandbox().add_customer_message(order_id, "Toujours rien reçu…", later)
    shop.ok("sync", "--stream", "threads", "--full", "--quiet")
    assert status() == "awaiting_seller"


def test_a_thread_marked_no_reply_needed_is_not_awaiting_the_seller(shop: Home) -> None:
    sb = sandbox()
    order = next(o for o in sb.data.orders if not sb.inbox.threads_of(o.order_id))
    thread_id = sb.add_customer_message(order.order_id, "Merci, bien reçu !", sb.now - timedelta(hours=5))
    shop.ok("sync", "--stream", "threads", "--quiet")
    query = "SELECT status, next_actor FROM disputes WHERE id = ?"
    assert shop.sql(query, f"thread-{thread_id}") == [("awaiting_seller", "seller")]
    sb.mark_no_reply_needed(thread_id, sb.now - timedelta(hours=1))
    shop.ok("sync", "--stream", "threads", "--quiet")
    assert shop.sql(query, f"thread-{thread_id}") == [("awaiting_buyer", "buyer")]
    remote = shop.sql("SELECT remote_status FROM disputes WHERE id = ?", f"thread-{thread_id}")
    assert remote == [("NO_STORE_REPLY_NEEDED",)]
