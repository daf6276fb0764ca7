"""Messages on disputes: charter-checked, delivered by the one outbox (`core.outbox`).

A dispute may carry many messages, one outbox row each. Sending one first finishes any message a
crash left in `sending` on the same dispute (read back before anything is resent); the same text
sent again after such a crash is that message, not a second one. A message sent adds a seller
event to the dispute's timeline in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from mktcrm.core import disputes as flow
from mktcrm.core import outbox
from mktcrm.db import disputes as store
from mktcrm.db import outbox as rows

if TYPE_CHECKING:
    import sqlite3

    from mktcrm.connectors.base import Connector
    from mktcrm.core.deps import Deps


@dataclass
class DisputeMessage:
    """The outbox kind for one message on one dispute."""

    table: ClassVar[str] = "dispute_messages"
    task_kind: ClassVar[str] = "dispute_message"
    conflict: ClassVar[str] = "the marketplace refused this message as a duplicate"
    dispute: dict[str, Any]

    @property
    def account(self) -> str:
        return str(self.dispute["account"])

    def via_api(self) -> bool:
        from mktcrm import connectors

        api = connectors.get(self.dispute["marketplace"]).capabilities.get("message_dispute") == "api"
        return api and self.dispute["kind"] != "local"

    def send(self, connector: Connector, row: dict[str, Any]) -> str | None:
        return connector.send_dispute_message(self.dispute, row["body"], row["idempotency_key"])

    def read_back(self, connector: Connector, row: dict[str, Any]) -> outbox.Remote:
        return outbox.judge(connector.dispute_messages(self.dispute), row["body"], single=False)

    def task(self, row: dict[str, Any], instructions: str | None) -> outbox.Task:
        from mktcrm import connectors

        d = self.dispute
        where = instructions or connectors.get(d["marketplace"]).instead.get("message_dispute")
        where = where or "message the buyer from the order in the marketplace's seller UI"
        return outbox.Task(
            f"{d['id']}#{row['id']}",
            f"Send a message on dispute {d['id']} (order {d['order_id']})",
            f"{where} (order {d['order_id']})",
            d.get("respond_by"),
        )

    @staticmethod
    def record_sent(db: sqlite3.Connection, row: dict[str, Any], remote_id: str | None, at: str) -> None:
        """The message joins the timeline (with the marketplace's id, so the next sync finds it, not a twin), and
        the dispute waits on the buyer from now on, not only after the next sync."""
        store.add_event(
            db,
            row["account"],
            row["dispute_id"],
            at,
            "message",
            "seller",
            row["body"],
            event_id=remote_id,
            operator=row.get("operator"),
        )
        store.seller_answered(db, row["account"], row["dispute_id"], at)


def draft_text(deps: Deps, dispute: dict[str, Any], *, text: str | None, template: str | None) -> str:
    if text is not None:
        return text.strip()
    from mktcrm.core import segments
    from mktcrm.core import templates as tpl

    found = tpl.available(deps.templates_dir, deps.settings.templates)
    pseudo = {"account": dispute["account"], "marketplace": dispute["marketplace"], "order_id": dispute["order_id"]}
    variables = tpl.variables_for(pseudo, str(deps.settings.brand.get("signature", "")))
    variables["reason"] = dispute.get("reason") or dispute.get("reason_code") or ""
    variables["buyer"] = segments.for_template(deps, dispute["account"], order_id=dispute.get("order_id"))
    return tpl.render(tpl.resolve(found, template or "", variables["language"]), variables)


def send(deps: Deps, dispute: dict[str, Any], body: str, template: str | None) -> flow.Action:
    """Check, queue, then send or turn into a task. Exit 6 (nothing queued) when the charter refuses."""
    if dispute["status"] in ("resolved", "closed"):
        raise flow.TransitionError(
            f"dispute {dispute['id']} is {dispute['status']}: no more messages from here",
            hint="write to the buyer from the order in the marketplace, or open a new dispute",
        )
    findings = flow.check_message(deps.settings, dispute["marketplace"], body)
    kind = DisputeMessage(dispute)
    for pending in rows.rows_for(deps.db, kind.table, dispute["account"], dispute["id"], ("sending",)):
        done = outbox.deliver(deps, kind, pending)  # a crash left it in `sending`: read back, then finish it
        if done.error is not None or outbox.same_text(pending["body"], body):
            return _action(dispute, done)
    row_id = rows.enqueue(
        deps.db,
        kind.table,
        account=dispute["account"],
        ref=dispute["id"],
        marketplace=dispute["marketplace"],
        body=body,
        template=template,
        findings=findings,
        at=deps.stamp(),
        operator=deps.operator,
    )
    row = rows.get(deps.db, kind.table, row_id)
    assert row is not None
    return _action(dispute, outbox.deliver(deps, kind, row))


def _action(dispute: dict[str, Any], done: outbox.Delivery) -> flow.Action:
    """The delivery as the disputes command reports it; a failure is raised (its exit code and hint)."""
    if done.error is not None:
        raise done.error
    if done.state == "task":
        return flow.Action(dispute["id"], dispute["account"], "task", f"no API: task {done.task_id} to do by hand")
    detail = done.detail or f"sent on {dispute['marketplace']}"
    return flow.Action(dispute["id"], dispute["account"], "sent", detail)
