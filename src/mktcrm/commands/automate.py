"""`mktcrm automate run|log`: the rules of `[automation.rules.NAME]` at work, and what each one did."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Annotated

import typer

from mktcrm.commands._common import LimitOpt, app_ctx, new_app, output, rows_command, show_text, verdict
from mktcrm.core import automation
from mktcrm.core import outbox as core_outbox
from mktcrm.errors import UsageError
from mktcrm.output import Field, Output
from mktcrm.timeutil import parse_since

if TYPE_CHECKING:
    from mktcrm.automation_rules import Rule
    from mktcrm.context import AppContext

app = new_app("Automation rules from config.toml: run them (after sync, in cron) and see what they did.")
RuleOpt = Annotated[list[str] | None, typer.Option("--rule", "-r", help="Only this rule (repeatable).")]
STEP_FIELDS = (
    Field("rule", "id"),
    Field("action"),
    Field("account", "id"),
    Field("ref_id", "id"),
    Field("state"),
    Field("task_id", "int"),
    Field("detail", max_width=60),
    Field("marketplace", default=False),
    Field("trigger", default=False),
    Field("text", default=False),
    Field("verdict", default=False),
)
LOG_FIELDS = (
    Field("at", "time"),
    Field("rule", "id"),
    Field("action"),
    Field("account", "id"),
    Field("ref_id", "id"),
    Field("state"),
    Field("detail", max_width=60),
    Field("id", "int", default=False),
    Field("trigger_kind", default=False),
    Field("text", default=False),
    Field("outbox_table", default=False),
    Field("outbox_id", "int", default=False),
    Field("task_id", "int", default=False),
)


def _rules(app_: AppContext, names: list[str] | None) -> list[Rule]:
    """The named rules (disabled ones too: naming one is asking for it), or every enabled rule."""
    configured = app_.settings.rules
    if not names:
        return [r for r in configured.values() if r.enabled]
    unknown = [n for n in names if n not in configured]
    if unknown:
        known = ", ".join(configured) or "none configured"
        raise UsageError(f"no automation rule {unknown[0]!r}", hint=f"rules in config: {known}")
    return [configured[n] for n in dict.fromkeys(names)]


@app.command("run")
def automate_run(
    ctx: typer.Context,
    rule: RuleOpt = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only items created since this date or span: 7d, 2026-11-01.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print each planned action, its text and charter verdict; do nothing.")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Output format of the steps.")] = "auto",
    json_: Annotated[bool, typer.Option("--json", help="Print the steps as JSON.")] = False,
) -> None:
    """Run the automation rules: plan each action, show its full text and the charter's verdict, then act.

    Replies and messages go through the same exactly-once outbox as `reviews reply` and `disputes message`
    (a task where the marketplace has no API); a rule never acts twice on the same item, so a second run does
    nothing. The charter's refusals are never sent (exit 6); negative eBay feedback is never answered
    automatically. Each rule acts on at most its `cap` items per run. Safe in cron right after `mktcrm sync`
    (see docs/cron.md); two runs at once do not send twice.

    \b
    Examples:
      $ mktcrm automate run --dry-run
      $ mktcrm automate run --since 7d --json
    """
    app_ = app_ctx(ctx)
    out = output(ctx, fmt, json_)
    rules = _rules(app_, rule)
    if not rules:
        out.note("No automation rules to run: add [automation.rules.NAME] to the config (see docs/config.md).")
        out.rows(STEP_FIELDS, [])
        return
    start = parse_since(since, app_.now()) if since else None
    deps = app_.deps()
    if dry_run:
        result = automation.plan(deps, rules, start)
    else:
        with core_outbox.outbox_lock(deps):  # a second run waits, then finds everything done
            result = automation.execute(deps, automation.plan(deps, rules, start))
    for step in result.steps:
        head = f"{step.rule}: {step.action} {step.trigger} {step.ref_id} on {step.account} → {step.state}"
        if step.text is not None and step.action in ("reply", "message"):
            show_text(out, head, step.text, step.findings)
        else:
            out.note(f"{head}" + (f": {step.detail}" if step.detail else ""))
    for name, left in result.capped.items():
        out.note(f"{name}: {left} more matching items left for a later run (cap reached).")
    states = Counter(s.state for s in result.steps)
    summary = ", ".join(f"{n} {s}" for s, n in sorted(states.items())) or "nothing to do"
    out.note(("Dry run, nothing done: " if dry_run else "Done: ") + summary)
    rows = [
        {
            **{f.name: getattr(s, f.name) for f in STEP_FIELDS if f.name != "verdict"},
            "verdict": verdict(s.findings) if s.action in ("reply", "message") or s.findings else "",
        }
        for s in result.steps
    ]
    out.rows(STEP_FIELDS, rows, empty="Nothing to do.")
    if code := result.exit_code:
        raise typer.Exit(code)


@app.command("log")
@rows_command(LOG_FIELDS)
def automate_log(ctx: typer.Context, out: Output, rule: RuleOpt = None, limit: LimitOpt = None) -> None:
    """What each rule did, when, to what: newest first.

    \b
    Examples:
      $ mktcrm automate log
      $ mktcrm automate log --json | jq 'group_by(.rule) | map({rule: .[0].rule, steps: length})'
    """
    app_ = app_ctx(ctx)
    names = list(dict.fromkeys(rule or []))
    known = set(app_.settings.rules) | automation.logged_rules(app_.db)
    unknown = [n for n in names if n not in known]
    if unknown:
        shown = ", ".join(sorted(known)) or "none yet"
        raise UsageError(f"no automation rule {unknown[0]!r} in the config or the log", hint=f"known rules: {shown}")
    out.rows(LOG_FIELDS, automation.history(app_.db, names, limit), empty="No automation has run yet.")
