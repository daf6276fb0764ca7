"""Automation rules in config.toml (`[automation.rules.NAME]`): parsed and validated when the config loads.

A rule is data only — a trigger, conditions on stored fields, one action, a per-run cap — never code: no
expression language, no hooks. Everything is checked up front so a cron job cannot run a half-understood rule;
each error names the rule, the key and its line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from mktcrm.errors import ConfigError

RULE_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
TRIGGERS = ("review", "dispute", "order", "task")
# What each action may answer: a reply goes on a review, a message on a dispute, a solicitation on an order.
ACTIONS: dict[str, tuple[str, ...]] = {
    "reply": ("review",),
    "message": ("dispute",),
    "task": ("review", "dispute", "order"),
    "solicit": ("order",),
    "notify": TRIGGERS,
}
# Conditions each trigger understands (on columns the cache stores for it).
CONDITIONS: dict[str, tuple[str, ...]] = {
    "review": ("rating", "unanswered", "younger_than", "older_than", "accounts", "marketplaces", "segment", "theme"),
    "dispute": (
        "unanswered",
        "due_within",
        "younger_than",
        "older_than",
        "accounts",
        "marketplaces",
        "segment",
        "theme",
    ),
    "order": ("younger_than", "older_than", "accounts", "marketplaces", "segment"),
    "task": ("due_within", "younger_than", "older_than", "accounts", "marketplaces"),
}
RULE_KEYS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "trigger": (str, f"what the rule looks at: {', '.join(TRIGGERS)}"),
    "action": (str, f"what it does: {', '.join(ACTIONS)}"),
    "template": (str, "the template a reply or message uses (see `mktcrm templates list`)"),
    "cap": (int, "most actions per run (1-1000, default 20)"),
    "enabled": (bool, "false keeps the rule but never runs it"),
    "rating": (str, "a rating or range: 5, 1..2, 4..5"),
    "unanswered": (bool, "review: no reply yet; dispute: the seller's turn and no message of ours pending"),
    "younger_than": (str, "only items created less than this ago: 90m, 24h, 7d"),
    "older_than": (str, "only items created more than this ago: 90m, 24h, 7d"),
    "due_within": (str, "only items whose deadline is within this span from now (or past): 24h, 2d"),
    "accounts": (list, "only these account names"),
    "marketplaces": (list, "only accounts on these marketplaces"),
    "segment": ((str, list), 'the buyer is in this segment now, or in one of these: "loyal", ["new", "repeat"]'),
    "theme": (
        (str, list),
        "the review's text or the dispute's reason touches this friction theme, or one of these: \"damaged\","
        ' ["delivery_delay", "missing_item"] (docs/insights.md)',
    ),
}
DEFAULT_CAP = 20
MAX_CAP = 1000


@dataclass(frozen=True)
class Rule:
    """One validated rule; spans are timedeltas, the rating an inclusive range."""

    name: str
    trigger: str
    action: str
    template: str | None = None
    cap: int = DEFAULT_CAP
    enabled: bool = True
    rating: tuple[int, int] | None = None
    unanswered: bool = False
    younger_than: timedelta | None = None
    older_than: timedelta | None = None
    due_within: timedelta | None = None
    accounts: tuple[str, ...] = ()
    marketplaces: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()  # the item's buyer must be in one of them when the rule runs
    themes: tuple[str, ...] = ()  # the item must touch one of them (the account's friction lexicon)


def parse_rules(
    raw: Any,
    text: str,
    path: Path,
    *,
    accounts: Iterable[str],
    marketplaces: Iterable[str],
    segments: Iterable[str],
    themes: Iterable[str],
) -> dict[str, Rule]:
    """`[automation]` → rules by name, in file order. Raises ConfigError naming the rule and key."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: [automation] must be a table of rules: [automation.rules.NAME]")
    unknown = [k for k in raw if k != "rules"]
    if unknown:
        raise ConfigError(
            f"{path}: unknown key {unknown[0]!r} in [automation]", hint="write each rule as [automation.rules.NAME]"
        )
    rules = raw.get("rules", {})
    if not isinstance(rules, dict):
        raise ConfigError(f"{path}: automation rules must be tables: [automation.rules.NAME]")
    known = {
        "accounts": set(accounts),
        "marketplaces": set(marketplaces),
        "segment": list(segments),
        "theme": list(themes),
    }
    return {name: _rule(name, body, text, path, known) for name, body in rules.items()}


def _where(path: Path, text: str, name: str, key: str | None) -> str:
    """`file:line` of the rule's header, or of `key = …` inside that rule's table when given."""
    lines = text.splitlines()
    header = re.compile(rf"""^\s*\[\s*automation\.rules\.(?:{re.escape(name)}|["']{re.escape(name)}["'])\s*\]""")
    for i, line in enumerate(lines):
        if header.match(line):
            if key is None:
                return f"{path}:{i + 1}"
            for j in range(i + 1, len(lines)):
                if lines[j].lstrip().startswith("["):
                    break
                if re.match(rf"\s*{re.escape(key)}\s*=", lines[j]):
                    return f"{path}:{j + 1}"
            return f"{path}:{i + 1}"
    return str(path)


def _span(value: str) -> timedelta | None:
    units = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    if len(value) >= 2 and value[-1] in units and value[:-1].isdigit() and 0 < int(value[:-1]) <= 36500:
        return timedelta(**{units[value[-1]]: int(value[:-1])})
    return None


def _rating(value: str) -> tuple[int, int] | None:
    first, sep, last = value.partition("..")
    try:
        low = int(first)
        high = int(last) if sep else low
    except ValueError:
        return None
    return (low, high) if 1 <= low <= high <= 5 else None


def _rule(name: str, body: Any, text: str, path: Path, known: dict[str, Any]) -> Rule:
    label = f"automation rule {name!r}"

    def fail(key: str | None, message: str, hint: str | None = None) -> ConfigError:
        return ConfigError(f"{_where(path, text, name, key)}: {label}: {message}", hint=hint)

    if not RULE_NAME_RE.match(name):
        raise fail(None, "the name must be lowercase letters, digits, - or _ (at most 40)")
    if not isinstance(body, dict):
        raise fail(None, "must be a table of keys", hint="write it as [automation.rules.NAME]")
    for key, value in body.items():
        if key not in RULE_KEYS:
            import difflib

            close = difflib.get_close_matches(key, list(RULE_KEYS), n=1)
            raise fail(key, f"unknown key {key!r}", hint=f"did you mean {close[0]!r}?" if close else None)
        expected, desc = RULE_KEYS[key]
        if isinstance(value, bool) != (expected is bool) or not isinstance(value, expected):
            raise fail(key, f"{key} has the wrong type ({desc})")
    for key in ("trigger", "action"):
        if key not in body:
            raise fail(None, f"missing key {key!r} ({RULE_KEYS[key][1]})")
    trigger, action = body["trigger"], body["action"]
    if trigger not in TRIGGERS:
        raise fail("trigger", f"unknown trigger {trigger!r}", hint=f"use one of: {', '.join(TRIGGERS)}")
    if action not in ACTIONS:
        raise fail("action", f"unknown action {action!r}", hint=f"use one of: {', '.join(ACTIONS)}")
    if trigger not in ACTIONS[action]:
        raise fail(
            "action", f"a {trigger} rule cannot {action}", hint=f"{action} works on: {', '.join(ACTIONS[action])}"
        )
    all_conditions = {c for names in CONDITIONS.values() for c in names}
    for key in body:
        if key in all_conditions and key not in CONDITIONS[trigger]:
            raise fail(
                key,
                f"a {trigger} rule has no {key} condition",
                hint=f"{trigger} rules take: {', '.join(CONDITIONS[trigger])}",
            )
    template = body.get("template")
    if action in ("reply", "message") and not template:
        raise fail(
            None, f"action {action!r} needs a template", hint='add template = "thanks" (see mktcrm templates list)'
        )
    if template is not None and (action not in ("reply", "message", "task") or trigger not in ("review", "dispute")):
        raise fail("template", f"a {trigger} rule with action {action!r} uses no template")
    cap = body.get("cap", DEFAULT_CAP)
    if not 1 <= cap <= MAX_CAP:
        raise fail("cap", f"cap must be between 1 and {MAX_CAP}")
    spans: dict[str, timedelta | None] = {}
    for key in ("younger_than", "older_than", "due_within"):
        if key in body:
            spans[key] = _span(body[key])
            if spans[key] is None:
                raise fail(key, f"cannot read {key} = {body[key]!r}", hint="use e.g. 90m, 24h, 7d or 2w")
    rating = None
    if "rating" in body:
        rating = _rating(body["rating"])
        if rating is None:
            raise fail("rating", f"cannot read rating = {body['rating']!r}", hint="use N or N..M with 1 <= N <= M <= 5")
    for key in ("accounts", "marketplaces"):
        for item in body.get(key, []):
            if item not in known[key]:
                shown = ", ".join(sorted(known[key])) or "none"
                raise fail(key, f"{key} names {item!r}, which is not one", hint=f"known {key}: {shown}")
    segments, themes = (_names(body, key, known[key], fail) for key in ("segment", "theme"))
    return Rule(
        name=name,
        trigger=trigger,
        action=action,
        template=template,
        cap=cap,
        enabled=body.get("enabled", True),
        rating=rating,
        unanswered=body.get("unanswered", False),
        younger_than=spans.get("younger_than"),
        older_than=spans.get("older_than"),
        due_within=spans.get("due_within"),
        accounts=tuple(body.get("accounts", [])),
        marketplaces=tuple(body.get("marketplaces", [])),
        segments=segments,
        themes=themes,
    )


def _names(body: dict[str, Any], key: str, known: list[str], fail: Any) -> tuple[str, ...]:
    """`segment`/`theme`: one name or a list, each one that exists."""
    names = body.get(key, [])
    names = [names] if isinstance(names, str) else names
    if key in body and not names:
        raise fail(key, f"{key} = [] matches nothing", hint=f"name a {key} or remove the key")
    for item in names:
        if item not in known:
            raise fail(key, f"{key} names {item!r}, which is not one", hint=f"{key}s: {', '.join(known)}")
    return tuple(names)
