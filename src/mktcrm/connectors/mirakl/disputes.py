"""Mirakl disputes beyond incidents: message threads (M11) and returns (RT11), and the status table.

Every Mirakl status is mapped onto mktcrm's one state machine through `DISPUTE_STATES`; the remote
value is always kept in `remote_status`, so a status Mirakl adds later shows up as itself (state `open`)
instead of being dropped. Threads and returns use seek paging (`limit` + opaque `next_page_token`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mktcrm.connectors.base import Page, Paginator, Stream, TokenPaginator, dispute_state
from mktcrm.records import Dispute, DisputeEvent
from mktcrm.timeutil import iso, norm_time

# kind -> Mirakl status -> mktcrm state. Threads have no status: theirs is who wrote last (`from.type`).
DISPUTE_STATES: dict[str, dict[str, str]] = {
    "incident": {"INCIDENT_OPEN": "awaiting_seller"},  # gone from OR11 has_incident → resolved (finalize)
    "inquiry": {
        "CUSTOMER_USER": "awaiting_seller",
        "OPERATOR_USER": "awaiting_seller",
        "SHOP_USER": "awaiting_buyer",
        "NO_STORE_REPLY_NEEDED": "awaiting_buyer",  # M11 `no_store_reply_needed`: not awaiting the seller
    },
    "return": {
        "WAITING_ACCEPTANCE": "awaiting_seller",  # accept or refuse it (RT21)
        "IN_PROGRESS": "awaiting_buyer",  # accepted: the customer ships it back
        "RECEIVED": "awaiting_seller",  # back at the shop: check it, refund, close
        "NO_RECEPTION": "awaiting_seller",  # declared not received: the shop decides
        "REFUSED": "closed",
        "CLOSED": "resolved",
        "CANCELED": "closed",
    },
}
NEXT_ACTOR = {
    "awaiting_seller": "seller",
    "awaiting_buyer": "buyer",
    "escalated": "marketplace",
    "resolved": "none",
    "closed": "none",
}
NO_REPLY_NEEDED = "NO_STORE_REPLY_NEEDED"
AUTHORS = {"CUSTOMER_USER": "customer", "SHOP_USER": "seller", "OPERATOR_USER": "operator"}
TERMINAL = ("resolved", "closed")


def by_key(item: Any) -> Any:
    """The payload with its keys sorted at every depth, as Mirakl dispute payloads have always been stored.

    Keeping that order keeps `raw` byte-identical for caches written before, so a re-sync finds nothing changed.
    """
    if isinstance(item, dict):
        return {k: by_key(item[k]) for k in sorted(item)}
    if isinstance(item, list):
        return [by_key(v) for v in item]
    return item


def state_of(kind: str, remote_status: str | None) -> tuple[str, str | None]:
    """(mktcrm state, next actor); an unknown status is `open` with nobody named to act."""
    state = dispute_state(DISPUTE_STATES, kind, remote_status)
    return state, NEXT_ACTOR.get(state)


def status_event(remote: str, at: str | None, body: str) -> DisputeEvent:
    """A timeline entry for a status seen by sync; one per (dispute, status), so re-reads add nothing."""
    return DisputeEvent(
        event_id=f"status:{remote}", kind="status", at=at, author="operator", body=body, raw={"status": remote}
    )


# Mirakl's built-in return reasons (RT11 `reason_code`), which RE01 does not list: codes from the seller
# OpenAPI's RT11 examples and enums, labels ours. Unknown codes still show as themselves.
RETURN_LABELS = {
    "RETURN_BROKEN_ITEM": "Broken item",
    "RETURN_CHANGED_MIND": "Changed mind",
    "RETURN_CM_DONT_LIKE": "Changed mind: does not like it",
    "RETURN_CM_DONT_WANT": "Changed mind: no longer wanted",
    "RETURN_CM_QUALITY": "Changed mind: quality",
    "RETURN_COUNTERFEIT_ITEM": "Counterfeit item",
    "RETURN_DAMAGED_PACKAGING": "Damaged packaging",
    "RETURN_DEFECTIVE_ITEM": "Defective item",
    "RETURN_DEFECTIVE_ON_ARRIVAL": "Defective on arrival",
    "RETURN_DELIVERED_PRODUCT_DIFFERENT": "Delivered product differs from the order",
    "RETURN_DPD_WRONG_COLOR": "Wrong colour delivered",
    "RETURN_DPD_WRONG_SIZE": "Wrong size delivered",
    "RETURN_INACCURATE_ITEM_DESCRIPTION": "Item not as described",
    "RETURN_MISSING_ITEM": "Missing item",
    "RETURN_OTHER": "Other return reason",
    "RETURN_PDNT_TOO_BIG": "Product too big",
    "RETURN_PDNT_TOO_SMALL": "Product too small",
    "RETURN_PRODUCT_DOES_NOT_FIT": "Product does not fit",
    "RETURN_WARRANTY": "Warranty return",
}


class ReasonLabels:
    """RE01 labels, read once per stream run and only when a page needs one; built-in return reasons after."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self._labels: dict[str, str] | None = None

    def label(self, code: str | None) -> str | None:
        if not code:
            return None
        if self._labels is None:
            shop_id = self.ctx.account.get("shop_id")
            body = self.ctx.client.get_json("/api/reasons", {"shop_id": shop_id} if shop_id else None)
            self._labels = {str(r.get("code")): str(r.get("label")) for r in (body or {}).get("reasons") or []}
        return self._labels.get(code) or RETURN_LABELS.get(code, code)


class _SeekStream(Stream):
    """Seek-paged Mirakl list: `limit` + `page_token`; the cursor moves when the stream completes."""

    path: str
    since_param: str

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.reasons = ReasonLabels(ctx)

    def paginator(self) -> Paginator:
        return TokenPaginator("next_page_token")

    def filters(self) -> dict[str, Any]:
        return {}

    def request(self, token: Any, since: datetime | None) -> tuple[str, dict[str, Any]]:
        params: dict[str, Any] = {"limit": min(self.ctx.page_size, 100), **self.filters()}
        if since is not None:
            params[self.since_param] = iso(since)
        if token:
            params["page_token"] = token
        shop_id = self.ctx.account.get("shop_id")
        if shop_id:
            params["shop_id"] = shop_id
        return self.path, params

    def items(self, body: Any) -> list[dict[str, Any]]:
        return list(body["data"])


class ThreadsStream(_SeekStream):
    """M11 order threads updated since the cursor, with their last 100 messages (one dispute per thread)."""

    name = "threads"
    path = "/api/inbox/threads"
    since_param = "updated_since"

    def filters(self) -> dict[str, Any]:
        return {"entity_type": "MMP_ORDER", "with_messages": "true"}

    def normalize(self, items: list[dict[str, Any]]) -> Page:
        disputes = [thread_dispute(thread, self.reasons) for thread in items]
        cursor = max((d.updated_at or "" for d in disputes), default="") or None
        return Page(disputes, cursor=cursor)


def thread_dispute(thread: dict[str, Any], reasons: ReasonLabels | None = None) -> Dispute:
    """A thread as a dispute of kind inquiry, its state from whoever wrote last, its messages as events."""
    messages = thread.get("messages") or []
    last = max(messages, key=lambda m: str(m.get("date_created") or "")) if messages else None
    metadata = thread.get("metadata") or {}
    sender = ((last or {}).get("from") or metadata.get("last_sender") or {}).get("type")
    state, actor = state_of("inquiry", sender)
    if thread.get("no_store_reply_needed") and not metadata.get("shop_reply_needed_since"):
        sender = NO_REPLY_NEEDED  # the operator or the shop said this thread needs no answer
        state, actor = state_of("inquiry", sender)
    elif "shop_reply_needed_since" in metadata:  # M11 says itself whether the shop must answer
        waiting = metadata["shop_reply_needed_since"] is not None
        state, actor = ("awaiting_seller", "seller") if waiting else ("awaiting_buyer", "buyer")
    topic = thread.get("topic") or {}
    code = topic.get("value") if topic.get("type") == "REASON_CODE" else None
    order_id = next((e.get("id") for e in thread.get("entities") or [] if e.get("type") == "MMP_ORDER"), None)
    return Dispute(
        id=f"thread-{thread['id']}",
        kind="inquiry",
        status=state,
        order_id=order_id,
        reason=reasons.label(code) if reasons and code else topic.get("value"),
        reason_code=code,
        opened_at=norm_time(thread.get("date_created")),
        updated_at=norm_time(thread.get("date_updated")),
        remote_status=sender,
        next_actor=actor,
        thread_id=str(thread["id"]),
        events=[message_event(m) for m in messages],
        raw=by_key({k: v for k, v in thread.items() if k != "messages"}),
    )


def message_event(message: dict[str, Any]) -> DisputeEvent:
    return DisputeEvent(
        event_id=str(message["id"]),
        kind="message",
        at=norm_time(message.get("date_created")),
        author=AUTHORS.get(str((message.get("from") or {}).get("type"))),
        body=message.get("body"),
        raw=by_key(message),
    )


class ReturnsStream(_SeekStream):
    """RT11 returns updated since the cursor (sorted by creation, so the cursor moves at the end)."""

    name = "returns"
    path = "/api/returns"
    since_param = "return_last_updated_from"

    def normalize(self, items: list[dict[str, Any]]) -> Page:
        disputes = []
        cursor: str | None = None
        for ret in items:
            remote = str(ret.get("state"))
            state, actor = state_of("return", remote)
            updated = norm_time(ret.get("last_updated"))
            lines = ret.get("return_lines") or []
            code = ret.get("reason_code") or next((ln.get("reason_code") for ln in lines), None)
            disputes.append(
                Dispute(
                    id=f"return-{ret['id']}",
                    kind="return",
                    status=state,
                    order_id=ret.get("order_id"),
                    order_line_id=lines[0].get("order_line_id") if len(lines) == 1 else None,
                    reason=self.reasons.label(code) if code else ret.get("description"),
                    reason_code=code,
                    # no amount: RT11 carries none, the refund is on the order line (OR11)
                    opened_at=norm_time(ret.get("date_created")),
                    updated_at=updated,
                    resolved_at=updated if state in TERMINAL else None,
                    remote_status=remote,
                    next_actor=actor,
                    events=[status_event(remote, updated, f"return {remote}")],
                    raw=by_key(ret),
                )
            )
            cursor = max(cursor or "", updated or "") or None
        return Page(disputes, cursor=cursor)
