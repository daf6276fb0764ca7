"""Messages on disputes: charter-checked, through the same exactly-once outbox as review replies.

Queued with an idempotency key before any call; `sending` → `sent` committed step by step; a
message left in `sending` by a crash is looked for on the marketplace before it is sent again.
Where there is no messaging API the checked text becomes a task with where to paste it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mktcrm.core import disputes as flow
from mktcrm.db import disputes as store
from mktcrm.db import outbox
from mktcrm.errors import MktcrmError, NotSupportedError, TemporaryError
from mktcrm.timeutil import iso

if TYPE_CHECKING:
    from mktcrm.context import AppContext


def draft_text(app: AppContext, dispute: dict[str, Any], *, text: str | None, template: str | None) -> str:
    if text is not None:
        return text.strip()
    from mktcrm.core import templates as tpl

    found = tpl.available(app.paths.config.parent / "templates", app.settings.templates)
    pseudo = {"account": dispute["account"], "marketplace": dispute["marketplace"], "order_id": dispute["order_id"]}
    variables = tpl.variables_for(pseudo, str(app.settings.brand.get("signature", "")))
    variables["reason"] = dispute.get("reason") or dispute.get("reason_code") or ""
    return tpl.render(tpl.resolve(found, template or "", variables["language"]), variables)


def send(app: AppContext, dispute: dict[str, Any], body: str, template: str | None) -> flow.Action:
    """Check, queue, then send or turn into a task. Exit 6 (nothing queued) when the charter refuses."""
    if dispute["status"] in ("resolved", "closed"):
        raise flow.TransitionError(
            f"dispute {dispute['id']} is {dispute['status']}: no more messages from here",
            hint="write to the buyer from the order in the marketplace, or open a new dispute",
        )
    findings = flow.check_message(app, dispute["marketplace"], body)
    for pending in outbox.unfinished_messages(app.db, dispute["account"], dispute["id"]):
        _deliver(app, dispute, pending)  # a crash left it in `sending`: read back, then finish it first
    message_id = outbox.create_message(
        app.db,
        account=dispute["account"],
        dispute_id=dispute["id"],
        marketplace=dispute["marketplace"],
        body=body,
        template=template,
        findings=findings,
    )
    row = outbox.get_reply(app.db, message_id, "dispute_messages")
    assert row is not None
    return _deliver(app, dispute, row)


def _deliver(app: AppContext, dispute: dict[str, Any], row: dict[str, Any]) -> flow.Action:
    from mktcrm import connectors

    connector_cls = connectors.get(dispute["marketplace"])
    if dispute["kind"] == "local" or connector_cls.capabilities.get("message_dispute") != "api":
        return _as_task(app, dispute, row, connector_cls.instead.get("message_dispute"))
    return _send(app, dispute, row)


def _as_task(app: AppContext, dispute: dict[str, Any], row: dict[str, Any], instructions: str | None) -> flow.Action:
    """No API for this message: the checked text waits in a task, with where to paste it."""
    instructions = instructions or "message the buyer from the order in the marketplace's seller UI"
    task_id = outbox.create_task(
        app.db,
        account=dispute["account"],
        marketplace=dispute["marketplace"],
        kind="dispute_message",
        ref_id=f"{dispute['id']}#{row['id']}",
        title=f"Send a message on dispute {dispute['id']} (order {dispute['order_id']})",
        body=row["body"],
        instructions=f"{instructions} (order {dispute['order_id']})",
        due_at=dispute.get("respond_by"),
    )
    outbox.link_task(app.db, row["id"], task_id, "dispute_messages")
    return flow.Action(dispute["id"], dispute["account"], "task", f"no API: task {task_id} to do by hand")


def _send(app: AppContext, dispute: dict[str, Any], row: dict[str, Any]) -> flow.Action:
    table = "dispute_messages"
    connector = app.connector_for(app.settings.account(dispute["account"]))
    try:
        if row["state"] in ("sending", "failed"):
            if row["body"].strip() in {m.strip() for m in connector.dispute_messages(dispute)}:
                if row["state"] == "failed":
                    outbox.move(app.db, row["id"], "sending", table=table)
                outbox.move(app.db, row["id"], "sent", table=table)
                return flow.Action(dispute["id"], dispute["account"], "sent", "found already posted; not resent")
            outbox.move(app.db, row["id"], "queued", table=table)
        outbox.move(app.db, row["id"], "sending", table=table)
        try:
            remote_id = connector.send_dispute_message(dispute, row["body"], row["idempotency_key"])
        except NotSupportedError as exc:  # this kind of dispute has no message API on this marketplace
            outbox.move(app.db, row["id"], "queued", table=table)
            return _as_task(app, dispute, row, exc.hint)
        with app.store().transaction():
            outbox.move(app.db, row["id"], "sent", remote_id=remote_id, table=table)
            store.add_event(
                app.db,
                dispute["account"],
                dispute["id"],
                iso(app.now()) or "",
                "message",
                "seller",
                row["body"],
                event_id=remote_id,  # the marketplace's message id: the next sync finds the same event, not a twin
            )
        return flow.Action(dispute["id"], dispute["account"], "sent", f"sent on {dispute['marketplace']}")
    except MktcrmError as exc:
        current = outbox.get_reply(app.db, row["id"], table)
        if current and current["state"] == "sending" and not isinstance(exc, TemporaryError):
            outbox.move(app.db, row["id"], "failed", error=exc.message, table=table)
        raise
    finally:
        connector.ctx.client.close()
