"""Automation rules at work (`mktcrm automate run`): select, plan, then act through the one outbox.

Each rule picks the items its conditions match, leaves out those it already finished with (the log, m010),
and plans one step per item: the full text and the charter's verdict for replies and messages. Execution goes
through the same paths as the commands a person types — `replies.submit`, `dispute_messages.send`, tasks —
so the outbox's exactly-once holds, the charter refuses what it refuses (nothing queued, exit 6), and negative
eBay feedback is never answered (it waits for a person). Each rule acts on at most `cap` items per run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mktcrm.core import charter, dispute_messages, replies
from mktcrm.core import disputes as flow
from mktcrm.db import automation as log
from mktcrm.db import outbox as rows
from mktcrm.db import queries
from mktcrm.errors import ExitCode, MktcrmError
from mktcrm.timeutil import iso

if TYPE_CHECKING:
    import sqlite3

    from mktcrm.automation_rules import Rule
    from mktcrm.core.deps import Deps

TASK_KIND = "automation"  # tasks.kind of the tasks rules create (ref_id: "RULE:ITEM")
ACTING = ("planned", "sent", "task", "notified", "solicited", "failed")  # states that use up a rule's cap


@dataclass
class Step:
    """One rule acting on one item: planned in a dry run, then what happened."""

    rule: str
    trigger: str
    account: str
    marketplace: str
    ref_id: str
    action: str
    state: str  # planned | sent | task | notified | solicited | refused | skipped | waiting | failed
    detail: str = ""
    text: str | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)
    task_id: int | None = None
    outbox_id: int | None = None
    exit_code: int = 0
    item: dict[str, Any] = field(default_factory=dict, repr=False)
    draft: replies.Draft | None = field(default=None, repr=False)
    solicitation: Any = field(default=None, repr=False)  # a core.solicit.Candidate, judged when planned


@dataclass
class Run:
    steps: list[Step]
    capped: dict[str, int]  # rule → items left for a later run by its cap

    @property
    def exit_code(self) -> int:
        """0, or the one code every problem shares; 5 when a retry may help; else 1 (like `reviews reply`)."""
        codes = {s.exit_code for s in self.steps if s.exit_code}
        if not codes:
            return ExitCode.OK
        return max(codes) if ExitCode.TEMPORARY in codes or len(codes) == 1 else ExitCode.ERROR


def _accounts(deps: Deps, rule: Rule) -> list[str]:
    return [
        a.name
        for a in deps.settings.accounts
        if a.enabled
        and (not rule.accounts or a.name in rule.accounts)
        and (not rule.marketplaces or a.marketplace in rule.marketplaces)
    ]


def _window(rule: Rule, now: datetime, since: datetime | None) -> tuple[str | None, str | None]:
    """Created at or after `start`, before `end`: --since and younger_than (the later wins), older_than."""
    starts = [t for t in (since, now - rule.younger_than if rule.younger_than else None) if t is not None]
    start = iso(max(starts)) if starts else None
    end = iso(now - rule.older_than) if rule.older_than else None
    return start, end


def candidates(deps: Deps, rule: Rule, since: datetime | None) -> list[dict[str, Any]]:
    """The items a rule's conditions match, oldest or most urgent first, before the log and the cap."""
    found = _matching(deps, rule, since)
    found = _in_segments(deps, rule, found) if rule.segments else found
    return _touching_themes(deps, rule, found) if rule.themes else found


def _touching_themes(deps: Deps, rule: Rule, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items that touch one of the rule's themes, as `mktcrm insights` reads them: a review's text under its
    account's lexicon, a dispute's reason through its marketplace's declared reason themes."""
    from mktcrm import connectors
    from mktcrm.core import insights, themes

    wanted = set(rule.themes)
    kept = []
    for item in items:
        account = deps.settings.account(item["account"])
        lexicon = insights.lexicon_for(account)
        if rule.trigger == "review":
            found = lexicon.themes_of(" ".join(str(item[k]) for k in ("title", "body") if item.get(k)))
        else:
            declared = connectors.get(account.marketplace).reason_themes
            found = themes.reason_themes(declared, item.get("reason_code"), item.get("reason"), lexicon) or []
        if wanted & set(found):
            kept.append(item)
    return kept


def _in_segments(deps: Deps, rule: Rule, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items whose buyer is in one of the rule's segments now: a review's own buyer or its order's, a dispute's
    order's buyer, an order's buyer. An item with no known buyer is in no segment."""
    from mktcrm.core import segments
    from mktcrm.db import buyer_queries

    members: dict[str, set[str]] = {}
    kept = []
    for item in items:
        account = item["account"]
        if account not in members:
            members[account] = segments.member_keys(deps, account, rule.segments)
        if rule.trigger == "review":
            key = item.get("buyer_key") or buyer_queries.review_buyer(deps.db, account, str(item["id"]))
        elif rule.trigger == "dispute":
            key = buyer_queries.order_buyer(deps.db, account, item["order_id"]) if item.get("order_id") else None
        else:
            key = item.get("buyer_key")
        if key is not None and key in members[account]:
            kept.append(item)
    return kept


def _matching(deps: Deps, rule: Rule, since: datetime | None) -> list[dict[str, Any]]:
    """The items the stored-field conditions match (all but `segment`)."""
    accounts = _accounts(deps, rule)
    if not accounts:
        return []
    now = deps.now()
    start, end = _window(rule, now, since)
    due = iso(now + rule.due_within) if rule.due_within else None
    if rule.trigger == "review":
        low, high = rule.rating or (None, None)
        wanted = queries.Filters(
            accounts=accounts, since=start, until=end, rating_min=low, rating_max=high, unanswered=rule.unanswered
        )
        found = sorted(queries.reviews(deps.db, wanted), key=lambda r: (r["created_at"], r["account"], r["id"]))
        if rule.action == "reply" or rule.unanswered:  # a reply on its way counts as an answer
            found = [r for r in found if replies.answered(deps.db, r) is None]
        return found
    if rule.trigger == "dispute":
        statuses = flow.SELLER_TURN if rule.unanswered else flow.OPEN_STATES
        found = log.disputes(deps.db, accounts=accounts, statuses=statuses, since=start, until=end, due_before=due)
        if rule.unanswered:
            found = [d for d in found if not log.pending_messages(deps.db, d["account"], d["id"])]
        return found
    if rule.trigger == "order":
        return log.orders(deps.db, accounts=accounts, since=start, until=end)
    return log.open_tasks(deps.db, accounts=accounts, since=start, until=end, due_before=due)


def _step(rule: Rule, item: dict[str, Any]) -> Step:
    return Step(
        rule.name,
        rule.trigger,
        item["account"],
        item.get("marketplace", ""),
        str(item["id"]),
        rule.action,
        "planned",
        item=item,
    )


def _summary(rule: Rule, item: dict[str, Any]) -> str:
    """What a notify line or a task says about the item."""
    if rule.trigger == "review":
        said = " ".join(str(item.get(k) or "") for k in ("title", "body")).strip()
        return f"{item.get('rating')}★ review {item['id']} on {item['account']}: {said}"
    if rule.trigger == "dispute":
        due = f", respond by {item['respond_by']}" if item.get("respond_by") else ""
        return f"{item['kind']} {item['id']} on {item['account']} (order {item.get('order_id')}, {item['status']}{due})"
    if rule.trigger == "order":
        total = f"{item.get('total')} {item.get('currency')}"
        return f"order {item['id']} on {item['account']} ({item.get('status')}, {total})"
    due = f", due {item['due_at']}" if item.get("due_at") else ""
    return f"task {item['id']} on {item['account']}: {item['title']}{due}"


def _message_findings(deps: Deps, dispute: dict[str, Any], body: str) -> list[dict[str, Any]]:
    brand = deps.settings.brand if deps.settings.exists else None
    target = flow.message_target(dispute["marketplace"])
    return [asdict(f) for f in charter.check(body, marketplace=dispute["marketplace"], target=target, brand=brand)]


def _prepare(deps: Deps, rule: Rule, item: dict[str, Any]) -> Step:
    """The planned step with its full text and the charter's findings; refused or skipped when it must not go."""
    step = _step(rule, item)
    try:
        if rule.action == "reply" or (rule.action == "task" and rule.template and rule.trigger == "review"):
            draft = replies.make_draft(deps, item, template=rule.template, text=None)
            step.text, step.findings, step.draft = draft.text, draft.findings, draft
        elif rule.action == "message" or (rule.action == "task" and rule.template):
            step.text = dispute_messages.draft_text(deps, item, text=None, template=rule.template)
            step.findings = _message_findings(deps, item, step.text)
        elif rule.action in ("notify", "task"):
            step.text = _summary(rule, item)
        elif rule.action == "solicit":
            _judge_solicitation(deps, step)
    except MktcrmError as exc:  # e.g. a template that does not exist or does not render
        step.state, step.detail, step.exit_code = "failed", exc.message, int(exc.exit_code)
        return step
    errors = [f for f in step.findings if f["severity"] == "error"]
    if errors:
        step.state, step.exit_code = "refused", ExitCode.CHARTER
        step.detail = f"refused by the charter: {errors[0]['rule']} {errors[0]['message']}"
    elif rule.action == "reply" and step.draft is not None and step.draft.needs_human:
        step.state = "skipped"
        step.detail = (
            f"negative feedback on {item['marketplace']}, whose rules forbid automated replies: never sent by a rule;"
            f" a person may reply with: mktcrm reviews reply {item['id']} --template {rule.template} --confirm-negative"
        )
    return step


def plan(deps: Deps, rules: list[Rule], since: datetime | None) -> Run:
    """Every enabled rule's steps, within its cap; nothing is written."""
    steps: list[Step] = []
    capped: dict[str, int] = {}
    for rule in rules:
        done = log.done_refs(deps.db, rule.name)
        acting = 0
        for item in candidates(deps, rule, since):
            if (item["account"], str(item["id"])) in done:
                continue
            if acting >= rule.cap:
                capped[rule.name] = capped.get(rule.name, 0) + 1
                continue
            step = _prepare(deps, rule, item)
            acting += step.state in ACTING
            steps.append(step)
    return Run(steps, capped)


def execute(deps: Deps, run: Run) -> Run:
    """Carry out each planned step and log it; an account whose marketplace failed temporarily waits for the
    next run."""
    failed_accounts: set[str] = set()
    for step in run.steps:
        if step.state == "planned":
            if step.account in failed_accounts:
                step.state, step.exit_code = "failed", ExitCode.TEMPORARY
                step.detail = "the marketplace failed earlier in this run; the next run tries again"
            else:
                _act(deps, step)
                if step.exit_code == ExitCode.TEMPORARY:
                    failed_accounts.add(step.account)
        _log(deps, step)
    return run


def _act(deps: Deps, step: Step) -> None:
    try:
        if step.action == "reply":
            assert step.draft is not None
            outcome = replies.submit(deps, step.draft)
            step.state, step.detail, step.exit_code = outcome.state, outcome.detail, outcome.exit_code
            step.outbox_id, step.task_id = outcome.reply_id, outcome.task_id
        elif step.action == "message":
            assert step.text is not None
            action = dispute_messages.send(deps, step.item, step.text, None)
            step.state, step.detail = action.result, action.detail
            sent = rows.rows_for(deps.db, dispute_messages.DisputeMessage.table, step.account, step.ref_id)
            if sent:
                step.outbox_id, step.task_id = sent[-1]["id"], sent[-1]["task_id"]
        elif step.action == "task":
            _task(deps, step)
        elif step.action == "notify":
            step.state, step.detail = "notified", step.text or ""
        elif step.action == "solicit":
            _solicit(deps, step)
    except MktcrmError as exc:
        step.state, step.detail, step.exit_code = "failed", exc.message, int(exc.exit_code)


def _task(deps: Deps, step: Step) -> None:
    where = f"see: mktcrm {step.trigger}s show {step.ref_id}" if step.trigger != "order" else "see: mktcrm orders list"
    with deps.store().transaction():
        step.task_id = rows.create_task(
            deps.db,
            account=step.account,
            marketplace=step.marketplace,
            kind=TASK_KIND,
            ref_id=f"{step.rule}:{step.ref_id}",
            title=f"{step.rule}: {step.trigger} {step.ref_id}",
            body=step.text or "",
            instructions=where,
            at=deps.stamp(),
            due_at=step.item.get("respond_by") or step.item.get("due_at"),
        )
    step.state, step.detail = "task", f"task {step.task_id}"


def _judge_solicitation(deps: Deps, step: Step) -> None:
    """Review requests have rules of their own (the marketplace's window, once per order): judged from the cache
    at planning time, so a dry run says which orders would be asked and why the others are not."""
    from mktcrm.core import solicit

    candidate = solicit.judge(deps, step.item)
    if candidate is None:
        step.state, step.detail = "skipped", f"{step.account} cannot request reviews by API"
    elif not candidate.eligible:
        waits = candidate.reason.startswith(solicit.NOT_YET)
        step.state, step.detail = ("waiting" if waits else "skipped"), candidate.reason
    step.solicitation = candidate


def _solicit(deps: Deps, step: Step) -> None:
    from mktcrm.core import solicit

    assert step.solicitation is not None
    outcome = solicit.automate(deps, step.solicitation)
    step.state = "solicited" if outcome.state == "sent" else outcome.state
    step.detail, step.exit_code = outcome.detail, outcome.exit_code


def history(db: sqlite3.Connection, rules: list[str], limit: int | None) -> list[dict[str, Any]]:
    """`automate log`: newest first, only these rules when given."""
    return log.entries(db, rules, limit)


def logged_rules(db: sqlite3.Connection) -> set[str]:
    """Rule names in the log, including rules since removed from the config."""
    return {e["rule"] for e in log.entries(db, [], None)}


def _log(deps: Deps, step: Step) -> None:
    """Refusals and failures are logged once while they stay the same (a nightly run must not repeat a line)."""
    if step.state == "waiting":  # e.g. a review request too early: tried again on a later run, not logged
        return
    if step.state in ("refused", "failed"):
        last = log.last_entry(deps.db, step.rule, step.account, step.ref_id)
        if last and last["state"] == step.state and last["detail"] == step.detail and last["text"] == step.text:
            return
    with deps.store().transaction():
        log.add(
            deps.db,
            {
                "rule": step.rule,
                "trigger_kind": step.trigger,
                "account": step.account,
                "ref_id": step.ref_id,
                "action": step.action,
                "state": step.state,
                "detail": step.detail,
                "text": step.text,
                "outbox_table": {"reply": "replies", "message": "dispute_messages", "solicit": "solicitations"}.get(
                    step.action
                ),
                "outbox_id": step.outbox_id,
                "task_id": step.task_id,
                "at": deps.stamp(),
            },
        )
