"""Mirakl dispute actions: reasons (RE01), new thread (OR43), reply (M12), read back (M10/M11), resolve (OR64).

Which thread a message goes to is decided at send time, not at sync time: a dispute row that knows its
thread (`thread_id`, set for inquiries) uses it; otherwise M11 lists the order's threads and the newest one
the customer is part of is used, and only when there is none does OR43 open one. That stays right when a
thread appears between two syncs, including one mktcrm itself opened and whose answer was lost.

A POST whose answer is lost (5xx after the request may have been carried out) is never re-sent blindly:
the thread is read back, and a shop message with the same text counts as sent.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mktcrm.connectors.base import UNKNOWN, Posted
from mktcrm.connectors.mirakl.disputes import state_of
from mktcrm.errors import NotSupportedError, RemoteError, TemporaryError, UsageError
from mktcrm.records import Dispute

if TYPE_CHECKING:
    import httpx

    from mktcrm.connectors.base import StreamContext

# What `--reason` means per purpose, as RE01 reason types.
REASON_TYPES = {"resolve": ("INCIDENT_CLOSE",), "open": ("ORDER_MESSAGING",)}
LOST = (500, 502, 503, 504)  # answered but maybe carried out: read back instead of retrying


class DisputeActions:
    """Mixed into MiraklConnector; needs only `self.ctx` (account + ApiClient)."""

    ctx: StreamContext
    _reasons: list[dict[str, Any]] | None = None

    # -- helpers ------------------------------------------------------------------------------------------------
    def _params(self, **extra: Any) -> dict[str, Any]:
        shop_id = self.ctx.account.get("shop_id")
        return {**({"shop_id": shop_id} if shop_id else {}), **extra}

    def _threads_of(self, order_id: str, with_messages: bool) -> list[dict[str, Any]]:
        """M11 for one order, every page."""
        params = self._params(entity_type="MMP_ORDER", entity_id=order_id)
        if with_messages:
            params["with_messages"] = "true"
        threads: list[dict[str, Any]] = []
        while True:
            body = self.ctx.client.get_json("/api/inbox/threads", params)
            threads.extend(body.get("data") or [])
            token = body.get("next_page_token")
            if not token or token == params.get("page_token"):
                return threads
            params["page_token"] = token

    def thread_for(self, dispute: dict[str, Any]) -> str | None:
        """The thread messages about this dispute go to: its own, else the order's newest one with the customer."""
        if dispute.get("thread_id"):
            return str(dispute["thread_id"])
        if not dispute.get("order_id"):
            return None
        threads = [
            t
            for t in self._threads_of(str(dispute["order_id"]), with_messages=False)
            if any(p.get("type") == "CUSTOMER" for p in t.get("authorized_participants") or [])
        ]
        newest = max(threads, key=lambda t: str(t.get("date_updated") or ""), default=None)
        return str(newest["id"]) if newest else None

    def _post(self, path: str, part: str, payload: dict[str, Any]) -> httpx.Response:
        files = {part: (None, json.dumps(payload, ensure_ascii=False), "application/json")}
        return self.ctx.client.request(
            "POST", path, params=self._params() or None, files=files, allow=LOST, retry=False
        )

    # -- actions ------------------------------------------------------------------------------------------------
    def dispute_reasons(self, purpose: str) -> dict[str, str]:
        """RE01 codes the shop may use: "resolve" → INCIDENT_CLOSE (OR64), "open" → ORDER_MESSAGING (OR43)."""
        if purpose not in REASON_TYPES:
            raise UsageError(f"unknown reason purpose {purpose!r}; valid: {', '.join(REASON_TYPES)}")
        if self._reasons is None:
            body = self.ctx.client.get_json("/api/reasons", self._params() or None)
            self._reasons = list(body.get("reasons") or [])
        return {
            str(r["code"]): str(r.get("label") or r["code"])
            for r in self._reasons
            if r.get("type") in REASON_TYPES[purpose] and r.get("is_shop_right", True)
        }

    def open_dispute(self, order: dict[str, Any], reason_code: str, message: str | None) -> Dispute:
        """OR43: a new thread to the customer on the order, topic = an ORDER_MESSAGING reason code."""
        order_id = str(order.get("order_id") or order["id"])
        reasons = self.dispute_reasons("open")
        if reason_code not in reasons:
            raise UsageError(
                f"{reason_code!r} is not an order-message reason on this Mirakl instance",
                hint=f"valid: {', '.join(f'{c} ({label})' for c, label in reasons.items())}",
            )
        if not message or len(message.strip()) < 3:
            raise UsageError("Mirakl opens a thread with a first message", hint="pass --message TEXT")
        payload = {"topic": {"type": "REASON_CODE", "value": reason_code}, "body": message, "to": ["CUSTOMER"]}
        response = self._post(f"/api/orders/{order_id}/threads", "thread_input", payload)
        answer = _answer(response)
        if answer is None or not answer.get("thread_id"):
            found = self._find_posted(order_id, None, message)
            if found is None:
                raise self._lost(response)
            thread_id = found[0]
        else:
            thread_id = str(answer["thread_id"])
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        state, actor = state_of("inquiry", "SHOP_USER")
        # raw stays empty: the next `threads` sync stores M11's thread
        return Dispute(
            id=f"thread-{thread_id}",
            kind="inquiry",
            status=state,
            order_id=order_id,
            reason=reasons[reason_code],
            reason_code=reason_code,
            opened_at=now,
            updated_at=now,
            remote_status="SHOP_USER",
            next_actor=actor,
            thread_id=thread_id,
        )

    def send_dispute_message(self, dispute: dict[str, Any], text: str, idempotency_key: str) -> str | None:
        """M12 in the dispute's thread, else OR43 on its order. Returns Mirakl's message id.

        Mirakl takes no idempotency key: after a lost answer the thread is read back instead.
        """
        thread_id = self.thread_for(dispute)
        if thread_id is None:
            order_id = dispute.get("order_id")
            if not order_id:
                raise NotSupportedError(f"dispute {dispute.get('id')} has no order to write about")
            topic = {"type": "FREE_TEXT", "value": str(dispute.get("reason") or f"Commande {order_id}")[:100]}
            payload: dict[str, Any] = {"topic": topic, "body": text, "to": ["CUSTOMER"]}
            response = self._post(f"/api/orders/{order_id}/threads", "thread_input", payload)
        else:
            to = [{"type": "CUSTOMER"}]
            if dispute.get("remote_status") == "OPERATOR_USER":
                to.append({"type": "OPERATOR"})
            payload = {"body": text, "to": to}
            response = self._post(f"/api/inbox/threads/{thread_id}/message", "message_input", payload)
        answer = _answer(response)
        if answer is None:
            found = self._find_posted(str(dispute.get("order_id") or ""), thread_id, text)
            if found is None:
                raise self._lost(response)
            return found[1]
        return str(answer.get("message_id") or "") or None

    def dispute_messages(self, dispute: dict[str, Any]) -> Posted:
        """The shop's message bodies: M10 on the dispute's thread, else every thread of its order (M11)."""
        if dispute.get("thread_id"):
            threads = [self.ctx.client.get_json(f"/api/inbox/threads/{dispute['thread_id']}", self._params() or None)]
        elif dispute.get("order_id"):
            threads = self._threads_of(str(dispute["order_id"]), with_messages=True)
        else:
            return UNKNOWN  # nowhere to look
        return Posted(
            tuple(
                str(m.get("body"))
                for t in threads
                for m in t.get("messages") or []
                if (m.get("from") or {}).get("type") == "SHOP_USER"
            )
        )

    def resolve_dispute(self, dispute: dict[str, Any], reason_code: str) -> None:
        """OR64 on the incident's order line (204). A line already out of INCIDENT_OPEN counts as done."""
        kind = dispute.get("kind")
        if kind != "incident":
            hint = {
                "inquiry": "a thread has no state on Mirakl: answer it (mktcrm disputes message) or let it rest",
                "return": "accept, receive or close the return in the operator's back office",
            }.get(str(kind), "only incidents can be resolved through the Mirakl shop API")
            raise NotSupportedError(f"not supported by mirakl: resolving a {kind} (OR64 resolves incidents)", hint)
        order_id = str(dispute["order_id"])
        line = str(dispute.get("order_line_id") or dispute["id"])
        response = self.ctx.client.request(
            "PUT",
            f"/api/orders/{order_id}/lines/{line}/resolve_incident",
            params=self._params() or None,
            json={"reason_code": reason_code},
            allow=(400,),
        )
        if response.status_code == 400 and self._line_state(order_id, line) == "INCIDENT_OPEN":
            from mktcrm.http.client import error_message  # httpx only where a request was made

            raise RemoteError(
                f"{self.ctx.account.name}: Mirakl refused to resolve {line}: {error_message(response)}",
                hint="check the reason code against `dispute_reasons('resolve')`",
            )

    def _line_state(self, order_id: str, line_id: str) -> str | None:
        body = self.ctx.client.get_json("/api/orders", self._params(order_ids=order_id))
        for order in body.get("orders") or []:
            for line in order.get("order_lines") or []:
                if line.get("order_line_id") == line_id:
                    return str(line.get("order_line_state"))
        return None

    def _find_posted(self, order_id: str, thread_id: str | None, text: str) -> tuple[str, str] | None:
        """After a lost answer: (thread id, message id) of a shop message with exactly this text, if any."""
        if thread_id:
            threads = [self.ctx.client.get_json(f"/api/inbox/threads/{thread_id}", self._params() or None)]
        elif order_id:
            threads = self._threads_of(order_id, with_messages=True)
        else:
            return None
        for t in threads:
            for m in reversed(t.get("messages") or []):
                if (m.get("from") or {}).get("type") == "SHOP_USER" and m.get("body") == text:
                    return str(t["id"]), str(m["id"])
        return None

    def _lost(self, response: httpx.Response) -> TemporaryError:
        return TemporaryError(
            f"{self.ctx.account.name}: Mirakl's answer was lost (HTTP {response.status_code}) and the text is not in "
            "the thread: nothing was posted",
            hint="retry later",
        )


def _answer(response: httpx.Response) -> dict[str, Any] | None:
    """A write's answer, or None when it was lost (5xx) or garbled: then the thread is read back."""
    if response.status_code in LOST:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
