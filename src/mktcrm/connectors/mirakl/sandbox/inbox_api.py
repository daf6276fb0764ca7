"""HTTP side of the Mirakl inbox, returns and reasons: M10, M11, M12, OR43, OR64, RE01, RT11.

Seek paging as Mirakl does it: ``limit`` (M11 default 50, RT11 default 10, at most 100) and an opaque
``page_token`` that carries the position *and* the filters of the first call, so later pages ignore the
other query parameters. M12/OR43 read a multipart body whose JSON part is ``message_input`` /
``thread_input``; bad parts, unknown reason codes and impossible transitions answer 400.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Sequence
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import httpx

from mktcrm.sandbox.base import ApiError
from mktcrm.sandbox.params import check_names, datetime_param, int_param
from mktcrm.sandbox.records import INCIDENT_OPEN

from . import params as qp
from .inbox import MAX_MESSAGES, REASONS, RETURN_STATES, SHOP, Inbox, Return, Thread, reasons_of
from .inbox_payloads import return_body, thread_body

M11_PARAMS = frozenset({"shop_id", "entity_type", "entity_id", "updated_since", "with_messages", "channel_codes"})
RT11_PARAMS = frozenset(
    {
        "shop_id",
        "return_id",
        "return_state",
        "return_creation_date_from",
        "return_creation_date_to",
        "return_last_updated_from",
        "return_last_updated_to",
        "order_commercial_id",
        "order_line_id",
        "return_rma",
        "customer_id",
    }
)
SEEK = frozenset({"limit", "page_token", "sort"})
ENTITY_TYPES = ("MMP_ORDER", "MMP_OFFER", "MPS_ORDER", "MPS_SERVICE", "SELLER_OPERATOR")
MAX_LIMIT = 100
Key = tuple[float, str]


# -- seek paging ----------------------------------------------------------------------------------------------
def _encode(payload: dict[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str) -> dict[str, Any]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(payload, dict) or payload.get("dir") not in ("after", "before"):
            raise ValueError
        return payload
    except ValueError:
        raise ApiError(400, "Invalid value for parameter 'page_token'") from None


def seek_page(
    params: httpx.QueryParams,
    allowed: frozenset[str],
    sorts: dict[str, bool],
    default_limit: int,
    select: Callable[[dict[str, Any]], list[Any]],
    key: Callable[[Any], Key],
) -> tuple[list[Any], dict[str, str]]:
    """One seek page: (items, token fields). Filters come from the first call, then ride in the token."""
    check_names(params, allowed | SEEK)
    limit = int_param(params, "limit", default_limit)
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(400, f"Invalid value for parameter 'limit': between 1 and {MAX_LIMIT}")
    raw_token = params.get("page_token")
    if raw_token:
        state = _decode(raw_token)
        query, desc = state["q"], bool(state["desc"])
    else:
        sort = params.get("sort", next(iter(sorts)))
        if sort not in sorts:
            raise ApiError(400, f"Invalid value for parameter 'sort': expected one of {', '.join(sorts)}")
        query = {name: params.get_list(name) for name in sorted(set(params) - SEEK)}
        desc, state = sorts[sort], {"dir": "after", "at": None}
    items = sorted(select(query), key=key, reverse=desc)
    keys = [list(key(i)) for i in items]
    at = state["at"]
    if at is None:
        start = 0
    elif state["dir"] == "after":
        start = next((n for n, k in enumerate(keys) if (k < at if desc else k > at)), len(items))
    else:
        end = next((n for n, k in enumerate(keys) if (k <= at if desc else k >= at)), len(items))
        start = max(0, end - limit)
    page = items[start : start + limit]
    tokens: dict[str, str] = {}
    if page and start + limit < len(items):
        last = keys[start + len(page) - 1]
        tokens["next_page_token"] = _encode({"dir": "after", "at": last, "q": query, "desc": desc})
    if page and start > 0:
        tokens["previous_page_token"] = _encode({"dir": "before", "at": keys[start], "q": query, "desc": desc})
    return page, tokens


def _values(query: dict[str, list[str]], name: str) -> list[str] | None:
    values = [part.strip() for raw in query.get(name, []) for part in raw.split(",") if part.strip()]
    return values or None


def _stamp(query: dict[str, list[str]], name: str) -> float | None:
    return datetime_param(httpx.QueryParams({name: query[name][-1]}), name) if query.get(name) else None


# -- operations -----------------------------------------------------------------------------------------------
def list_threads(inbox: Inbox, params: httpx.QueryParams) -> dict[str, Any]:
    """M11: threads on orders (the sandbox has no offer or operator-only threads), newest update first."""

    def select(query: dict[str, list[str]]) -> list[Thread]:
        types = _values(query, "entity_type")
        ids = _values(query, "entity_id")
        if ids is not None and types is None:
            raise ApiError(400, "Parameter 'entity_id' needs 'entity_type'")
        for t in types or ():
            if t not in ENTITY_TYPES:
                raise ApiError(400, f"Invalid value for parameter 'entity_type': {t[:40]!r}")
        since = _stamp(query, "updated_since")
        channels = _values(query, "channel_codes")
        if (types is not None and "MMP_ORDER" not in types) or (channels is not None and "FR" not in channels):
            return []
        return [
            t
            for t in inbox.threads.values()
            if (since is None or t.updated >= since) and (ids is None or t.order_id in ids)
        ]

    page, tokens = seek_page(
        params, M11_PARAMS, {"date,DESC": True, "date,ASC": False}, 50, select, lambda t: (t.updated, t.id)
    )
    token = params.get("page_token")
    query = _decode(token)["q"] if token else {n: params.get_list(n) for n in params}
    flag = (_values(query, "with_messages") or ["false"])[0].lower()
    if flag not in ("true", "false"):
        raise ApiError(400, "Invalid value for parameter 'with_messages': expected true or false")
    return {"data": [thread_body(inbox, t, flag == "true") for t in page], **tokens}


def get_thread(inbox: Inbox, thread_id: str, params: httpx.QueryParams) -> dict[str, Any]:
    """M10, messages included."""
    check_names(params, frozenset({"shop_id"}))
    return thread_body(inbox, _thread(inbox, thread_id), True)


def reply(inbox: Inbox, thread_id: str, request: httpx.Request) -> dict[str, Any]:
    """M12: the shop answers in a thread; recipients are participant objects."""
    check_names(request.url.params, frozenset({"shop_id"}))
    thread = _thread(inbox, thread_id)
    data = multipart_json(request, "message_input")
    body = _body(data)
    to = data.get("to")
    if not isinstance(to, list) or not to or not all(isinstance(x, dict) for x in to):
        raise ApiError(400, "message_input.to: a non-empty list of recipients {type, id} is required")
    kinds = _recipients([x.get("type") for x in to])
    if len(thread.messages) >= MAX_MESSAGES:
        raise ApiError(400, f"A thread holds at most {MAX_MESSAGES} messages")
    topic = data.get("topic")
    if topic is not None:
        thread.topic_type, thread.topic_value = _topic(topic)
    message = inbox.post(thread, SHOP, body, time.time(), kinds)
    return {"message_id": message.id, "thread_id": thread.id}


def new_thread(inbox: Inbox, order_id: str, request: httpx.Request) -> dict[str, Any]:
    """OR43: the shop starts a thread on an order; recipients are plain participant types."""
    check_names(request.url.params, frozenset({"shop_id"}))
    if order_id not in inbox.ds.by_id:
        raise ApiError(404, "Order not found")
    data = multipart_json(request, "thread_input")
    body = _body(data)
    to = data.get("to")
    if not isinstance(to, list) or not to:
        raise ApiError(400, "thread_input.to: a non-empty list of participant types is required")
    kinds = _recipients(to)
    if "topic" not in data:
        raise ApiError(400, "thread_input.topic is required")
    thread, message = inbox.open_thread(order_id, _topic(data["topic"]), SHOP, body, time.time(), kinds)
    return {"message_id": message.id, "thread_id": thread.id}


def resolve_incident(inbox: Inbox, order_id: str, line_id: str, request: httpx.Request) -> None:
    """OR64: the line leaves INCIDENT_OPEN (back to the order's state); 400 when it is not in an incident."""
    check_names(request.url.params, frozenset({"shop_id"}))
    order = inbox.ds.by_id.get(order_id)
    if order is None:
        raise ApiError(404, "Order not found")
    prefix, _, index = line_id.rpartition("-")
    if prefix != order_id or not index.isdigit() or not 1 <= int(index) <= len(order.lines):
        raise ApiError(404, "Order line not found")
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise ApiError(400, 'Expected a JSON body {"reason_code": …}')
    try:
        data = json.loads(request.content or b"null")
    except ValueError:
        raise ApiError(400, "The body is not valid JSON") from None
    code = data.get("reason_code") if isinstance(data, dict) else None
    if not isinstance(code, str) or not code:
        raise ApiError(400, "reason_code is required")
    if code not in reasons_of("INCIDENT_CLOSE"):
        raise ApiError(400, f"Unknown incident resolution reason code {code[:40]!r}")
    line = order.lines[int(index) - 1]
    if line.state != INCIDENT_OPEN:
        raise ApiError(400, f"Order line {line_id} has no open incident (state {line.state})")
    line.state = order.state
    order.updated = max(order.updated, time.time())


def reasons(params: httpx.QueryParams) -> dict[str, Any]:
    """RE01: the operator's reasons, sorted by type then the back-office order; no paging (total_count is deprecated).

    Mirakl's built-in return reasons (`RETURN_*`, used by RT11) are not operator reasons: RE01 leaves them out.
    """
    check_names(params, qp.COMMON)
    rows = [
        {"code": c, "type": t, "label": label, "is_shop_right": right}
        for c, t, label, right in REASONS
        if t != "RETURN"
    ]
    return {"reasons": rows, "total_count": len(rows)}


def list_returns(inbox: Inbox, params: httpx.QueryParams) -> dict[str, Any]:
    """RT11 with its filters, by creation date ascending (the documented default)."""

    def select(query: dict[str, list[str]]) -> list[Return]:
        states = _values(query, "return_state")
        for s in states or ():
            if s not in RETURN_STATES:
                raise ApiError(400, f"Invalid value for parameter 'return_state': {s[:40]!r}")
        lists = {n: _values(query, n) for n in ("return_id", "order_commercial_id", "order_line_id", "return_rma")}
        c_from, c_to = _stamp(query, "return_creation_date_from"), _stamp(query, "return_creation_date_to")
        u_from, u_to = _stamp(query, "return_last_updated_from"), _stamp(query, "return_last_updated_to")
        customers = _values(query, "customer_id")

        def keep(r: Return) -> bool:
            fields = {
                "return_id": r.id,
                "order_commercial_id": r.order_id[:-2],
                "order_line_id": r.line_id,
                "return_rma": r.rma,
            }
            if any(v is not None and fields[n] not in v for n, v in lists.items()):
                return False
            if customers is not None:
                ds = inbox.ds
                if ds.customers[ds.get(r.order_id).customer].customer_id not in customers:
                    return False
            return (
                _within(r.created, c_from, c_to)
                and _within(r.updated, u_from, u_to)
                and (states is None or r.state in states)
            )

        return [r for r in inbox.returns.values() if keep(r)]

    sorts = {"date_created": False, "date_created,ASC": False, "date_created,DESC": True}
    page, tokens = seek_page(params, RT11_PARAMS, sorts, 10, select, lambda r: (r.created, r.id))
    return {"data": [return_body(inbox, r) for r in page], **tokens}


# -- helpers --------------------------------------------------------------------------------------------------
def _within(value: float, low: float | None, high: float | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _thread(inbox: Inbox, thread_id: str) -> Thread:
    thread = inbox.threads.get(thread_id)
    if thread is None:
        raise ApiError(404, "Thread not found")
    return thread


def _body(data: dict[str, Any]) -> str:
    body = data.get("body")
    if not isinstance(body, str) or not 3 <= len(body) <= 50_000:
        raise ApiError(400, "body: a text of 3 to 50000 characters is required")
    return body


def _recipients(types: Sequence[Any]) -> tuple[str, ...]:
    kinds = tuple(dict.fromkeys(types))
    for kind in kinds:
        if kind not in ("CUSTOMER", "OPERATOR"):
            raise ApiError(400, f"Invalid recipient type {str(kind)[:40]!r}: expected CUSTOMER or OPERATOR")
    return kinds


def _topic(topic: Any) -> tuple[str, str]:
    if not isinstance(topic, dict) or topic.get("type") not in ("FREE_TEXT", "REASON_CODE"):
        raise ApiError(400, "topic: {type: FREE_TEXT|REASON_CODE, value} is required")
    value = topic.get("value")
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, "topic.value is required")
    if topic["type"] == "REASON_CODE" and value not in reasons_of("ORDER_MESSAGING"):
        raise ApiError(400, f"Unknown order messaging reason code {value[:40]!r}")
    return topic["type"], value


def multipart_json(request: httpx.Request, part: str) -> dict[str, Any]:
    """The JSON object in the multipart/form-data part named `part`; 400 when missing or not JSON."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise ApiError(400, "Expected a multipart/form-data body")
    raw = request.read()
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
    for item in message.iter_parts():  # type: ignore[attr-defined]
        if item.get_param("name", header="content-disposition") == part:
            payload = item.get_payload(decode=True) or b""
            try:
                data = json.loads(payload)
            except ValueError:
                raise ApiError(400, f"Part '{part}' is not valid JSON") from None
            if not isinstance(data, dict):
                raise ApiError(400, f"Part '{part}' must be a JSON object")
            return data
    raise ApiError(400, f"Missing multipart part '{part}'")
