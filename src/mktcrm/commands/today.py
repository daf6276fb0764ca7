"""`mktcrm today`: one screen for the morning, or one JSON document for a script that mails it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

import typer

from mktcrm.commands._common import AccountOpt, JsonOpt, app_ctx, check_accounts, new_app, output
from mktcrm.core import today as morning
from mktcrm.text import one_line

app = new_app()
SHOWN = 5  # items listed per section; the count and the command to see the rest follow


@app.command("today")
def today(
    ctx: typer.Context,
    json_: JsonOpt = False,
    account: AccountOpt = None,
    period: Annotated[
        str, typer.Option("--period", help="The KPI window whose limits are compared with yesterday's.")
    ] = "30d",
) -> None:
    """The morning screen: overdue and due today, unhappy buyers waiting, tasks to paste, KPI limits crossed
    since yesterday, and what the last sync did. Reads the cache only; always exit 0.

    \b
    Examples:
      $ mktcrm today
      $ mktcrm today --json | jq '.overdue | length'
    """
    app_ = app_ctx(ctx)
    out = output(ctx, json_=json_)
    data = morning.report(app_, check_accounts(app_, account), period)
    if json_:
        out.json(data)
        return
    out.stdout.write("\n".join(render(data)) + "\n")


def render(data: dict[str, Any]) -> list[str]:
    """The report as short lines: each section says its count, lists a few items, names the command for more."""
    lines = [f"Today ({data['generated_at']})", ""]
    lines += _section("Overdue", data["overdue"], _due, "mktcrm due")
    lines += _section("Due today", data["due_today"], _due, "mktcrm due")
    lines += _section(
        "Unhappy reviews without a reply (1-2★)",
        data["unhappy_reviews"],
        _review,
        "mktcrm reviews list --unanswered --rating 1..2",
    )
    lines += _section("Disputes awaiting you", data["disputes_awaiting_seller"], _dispute, "mktcrm disputes list")
    tasks = data["tasks"]
    if tasks["open"]:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(tasks["by_kind"].items()))
        lines += [f"Tasks to paste: {tasks['open']} open ({kinds}); next: mktcrm tasks next", ""]
    else:
        lines += ["Tasks to paste: none.", ""]
    lines += _section("KPI limits crossed since yesterday", data["kpi_changes"], _kpi, "mktcrm kpi --limits")
    lines += _sync(data["last_sync"])
    return lines


def _section(
    title: str, items: Sequence[dict[str, Any]], line: Callable[[dict[str, Any]], str], more: str
) -> list[str]:
    if not items:
        return [f"{title}: none.", ""]
    out = [f"{title} ({len(items)})"]
    out += [f"  {line(item)[:150]}" for item in items[:SHOWN]]
    if len(items) > SHOWN:
        out.append(f"  … and {len(items) - SHOWN} more: {more}")
    return [*out, ""]


def _t(value: Any) -> str:
    """Cache text (marketplace data) on one line, escape sequences and controls stripped."""
    return one_line(str(value or ""))


def _due(r: dict[str, Any]) -> str:
    return f"{_t(r['time_left']):<17} {_t(r['what']):<22} {_t(r['account'])}  {_t(r['id'])}  {_t(r['detail'])}"


def _review(r: dict[str, Any]) -> str:
    text = _t(r.get("title") or r.get("body"))
    return f"{r['rating']}★  {_t(r['account'])}  {_t(r['id'])}  {_t(r['created_at'])[:10]}  {text}"


def _dispute(d: dict[str, Any]) -> str:
    by = f"respond by {_t(d['respond_by'])[:16].replace('T', ' ')}" if d.get("respond_by") else "no deadline"
    return f"{_t(d['account'])}  {_t(d['id'])}  {_t(d['kind'])} ({_t(d['status'])}), {by}: {_t(d.get('reason'))}"


def _kpi(c: dict[str, Any]) -> str:
    return f"{_t(c['account'])}  {_t(c['name'])}: {c['was']} → {c['now']} ({_t(c['distance'])})"


def _sync(run: dict[str, Any] | None) -> list[str]:
    if run is None:
        return ["Last sync: never (run mktcrm sync)."]
    when = (run["finished_at"] or run["started_at"])[:16].replace("T", " ")
    records = sum(a["records"] for a in run["accounts"])
    lines = [f"Last sync: {when} UTC, {run['status']}, {len(run['accounts'])} account(s), {records} records read"]
    for a in run["accounts"]:
        if a["status"] != "ok":
            failed = ", ".join(a["failed_streams"]) or "see mktcrm sync"
            lines.append(f"  {_t(a['account'])}: {_t(a['status'])} ({_t(failed)})")
    if run.get("error"):
        lines.append(f"  {_t(run['error'])}")
    return lines
