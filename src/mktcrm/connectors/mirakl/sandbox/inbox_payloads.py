"""Spec-shaped bodies for M10/M11 threads and RT11 returns, built from the inbox records.

Every field the seller OpenAPI marks as required is filled (tests validate each answer against it).
"""

from __future__ import annotations

from typing import Any

from mktcrm.sandbox import texts
from mktcrm.sandbox.base import iso

from .inbox import CUSTOMER, OPERATOR, SHOP, Inbox, Message, Return, Thread

PARTICIPANTS = ("OPERATOR", "SHOP", "CUSTOMER")


def _participant(inbox: Inbox, thread: Thread, kind: str) -> dict[str, Any]:
    ds = inbox.ds
    if kind == "SHOP":
        return {
            "display_name": texts.SHOP_NAMES.get(ds.name, f"Boutique {ds.name.capitalize()}"),
            "id": str(inbox.shop_id),
        }
    if kind == "CUSTOMER":
        c = ds.customers[ds.get(thread.order_id).customer]
        return {"display_name": f"{c.firstname} {c.lastname[:1]}.", "id": c.customer_id}
    return {"display_name": f"Service client {ds.name.capitalize()}"}


def _party(inbox: Inbox, thread: Thread, kind: str) -> dict[str, Any]:
    return {**_participant(inbox, thread, kind), "type": kind}


def _sender(inbox: Inbox, thread: Thread, sender: str) -> dict[str, Any]:
    org = {SHOP: "SHOP", CUSTOMER: "CUSTOMER", OPERATOR: "OPERATOR"}.get(sender, "OPERATOR")
    details = _party(inbox, thread, org)
    return {"display_name": details["display_name"], "type": sender, "organization_details": details}


def _message(inbox: Inbox, thread: Thread, m: Message) -> dict[str, Any]:
    return {
        "id": m.id,
        "body": m.body,
        "date_created": iso(m.at),
        "from": _sender(inbox, thread, m.sender),
        "to": [_party(inbox, thread, kind) for kind in m.to],
        "attachments": [],
    }


def thread_body(inbox: Inbox, thread: Thread, with_messages: bool) -> dict[str, Any]:
    """M10 body / M11 item. `shop_reply_needed_since` is typed a non-null string in the spec (its prose says
    null once answered): when the shop has answered, the sandbox repeats the date of the message it answered."""
    msgs = thread.messages
    last = msgs[-1]
    answered = max((m.at for m in msgs if m.sender == SHOP), default=None)
    waiting = [m.at for m in msgs if m.sender != SHOP and (answered is None or m.at > answered)]
    since = waiting[0] if waiting else max((m.at for m in msgs if m.sender != SHOP), default=thread.created)
    seen = {m.sender.removesuffix("_USER") for m in msgs} | {kind for m in msgs for kind in m.to}
    order = inbox.ds.get(thread.order_id)
    body: dict[str, Any] = {
        "id": thread.id,
        "topic": {"type": thread.topic_type, "value": thread.topic_value},
        "entities": [{"id": order.order_id, "label": order.order_id[:-2], "type": "MMP_ORDER"}],
        "authorized_participants": [_party(inbox, thread, k) for k in PARTICIPANTS],
        "current_participants": [_party(inbox, thread, k) for k in PARTICIPANTS if k in seen],
        "date_created": iso(thread.created),
        "date_updated": iso(thread.updated),
        "metadata": {
            "last_message_date": iso(last.at),
            "last_sender": _sender(inbox, thread, last.sender),
            # "Null when the shop has replied" (M11), and after a "no store reply needed" action.
            "shop_reply_needed_since": iso(since) if waiting and thread.no_reply_needed is None else None,
            "total_count": len(thread.messages),
        },
    }
    if with_messages:
        body["messages"] = [_message(inbox, thread, m) for m in thread.messages[-100:]]
        marked = thread.no_reply_needed
        body["no_store_reply_needed"] = [] if marked is None else [{"date": iso(marked), "user_type": "OPERATOR"}]
    return body


def return_body(inbox: Inbox, r: Return) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": r.id,
        "rma": r.rma,
        "state": r.state,
        "order_id": r.order_id,
        "order_commercial_id": r.order_id[:-2],
        "reason_code": r.reason_code,
        "date_created": iso(r.created),
        "last_updated": iso(r.updated),
        "method_code": r.method,
        "documents": [],
        "return_address": {
            "street1": "12 rue de la République",
            "zip_code": "69002",
            "city": "Lyon",
            "country_iso_code": "FRA",
        },
        "return_lines": [{"order_line_id": r.line_id, "quantity": r.quantity, "reason_code": r.reason_code}],
    }
    if r.state == "REFUSED":
        body["rejection_reason_code"] = "RETURN_REJECTION_NOT_ELIGIBLE"
    if r.state not in ("WAITING_ACCEPTANCE", "REFUSED", "CANCELED"):
        number = f"6A{abs(hash(r.id)) % 10**11:011d}"
        body["tracking"] = {
            "carrier_code": "COLISSIMO",
            "carrier_name": "Colissimo",
            "tracking_number": number,
            "tracking_url": f"https://www.laposte.fr/outils/suivre-vos-envois?code={number}",
        }
    return body
