"""The charter's matching machinery: rules, findings, and one folded view of the text.

Detectors match on a *folded* copy of the text (lowercase, accents stripped, typographic
apostrophes and spaces made plain) that has exactly the length of the original, so every span
they return points into the original text unchanged: a finding's line, column and excerpt are
what the seller wrote, not what a normaliser produced.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

Severity = Literal["error", "warning"]
CHECKED = "2026-11-22"  # the day the policy pages in research/peer-features.md were read

_SPACES = "\u00a0\u2007\u202f\u2009\u200a\u2002\u2003"
_QUOTES = "\u2019\u2018\u02bc\u00b4`"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212"
_SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)|\n")


def _fold_char(ch: str) -> str:
    """One character in, exactly one out: the span arithmetic depends on it."""
    if ch in _SPACES:
        return " "
    if ch in _QUOTES:
        return "'"
    if ch in _DASHES:
        return "-"
    if ch.isascii():
        return ch.lower()
    base = unicodedata.normalize("NFD", ch)[0].lower()
    return base if len(base) == 1 else ch


def fold(text: str) -> str:
    """Lowercase, accent-free, plain punctuation; same length as `text`."""
    return "".join(_fold_char(c) for c in text)


@dataclass(frozen=True)
class Hit:
    """What a detector found: a span of the original text and an optional detail for the message."""

    start: int
    end: int
    note: str = ""


class Doc:
    """The text under check, with the views detectors share (computed once per check)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.folded = fold(text)

    @cached_property
    def sentences(self) -> list[tuple[int, int]]:
        """(start, end) of each sentence; a decimal point or "v2.1" does not end one."""
        spans: list[tuple[int, int]] = []
        start = 0
        for m in _SENTENCE_END.finditer(self.folded):
            spans.append((start, m.end()))
            start = m.end()
        if start < len(self.folded):
            spans.append((start, len(self.folded)))
        return spans


Detector = Callable[[Doc], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    """One charter rule: what it looks for, how bad it is, how to fix it, and the policy behind it."""

    id: str
    severity: Severity
    message: str
    hint: str
    source: str
    checked: str | None
    pack: str
    detect: Detector = field(repr=False, compare=False)


@dataclass(frozen=True)
class Finding:
    """One rule broken at one place. Offsets are 0-based into the text; line and column are 1-based."""

    line: int
    column: int
    start: int
    end: int
    rule: str
    severity: Severity
    message: str
    hint: str
    source: str
    checked: str | None
    excerpt: str  # raw text of the span (untrusted: clean it before printing)
    pack: str = ""


def _line_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in re.finditer(r"\n", text))]


def run(rules: Sequence[Rule], text: str, *, excerpt_max: int = 80) -> list[Finding]:
    """Apply every rule to `text`; findings in reading order, errors before warnings at one place."""
    doc = Doc(text)
    starts = _line_starts(text)
    findings: list[Finding] = []
    for rule in rules:
        seen: set[tuple[int, int]] = set()
        for hit in rule.detect(doc):
            if (hit.start, hit.end) in seen:
                continue
            seen.add((hit.start, hit.end))
            line = bisect.bisect_right(starts, hit.start)
            excerpt = text[hit.start : hit.end]
            if len(excerpt) > excerpt_max:
                excerpt = excerpt[: excerpt_max - 1] + "…"
            message = f"{rule.message} ({hit.note})" if hit.note else rule.message
            findings.append(
                Finding(
                    line=line,
                    column=hit.start - starts[line - 1] + 1,
                    start=hit.start,
                    end=hit.end,
                    rule=rule.id,
                    severity=rule.severity,
                    message=message,
                    hint=rule.hint,
                    source=rule.source,
                    checked=rule.checked,
                    excerpt=excerpt,
                    pack=rule.pack,
                )
            )
    findings.sort(key=lambda f: (f.start, f.severity != "error", f.rule))
    return findings


def layer(*packs: Iterable[Rule]) -> list[Rule]:
    """Stack rule packs: a later pack's rule replaces an earlier one with the same id (order kept)."""
    by_id: dict[str, Rule] = {}
    for pack in packs:
        for rule in pack:
            by_id.pop(rule.id, None)
            by_id[rule.id] = rule
    return list(by_id.values())


# ---- helpers for detectors ---------------------------------------------------------------------------
def regex_detector(*patterns: re.Pattern[str], on: Literal["folded", "text"] = "folded") -> Detector:
    """A detector yielding every match of the patterns, overlapping matches merged."""

    def detect(doc: Doc) -> Iterable[Hit]:
        subject = doc.folded if on == "folded" else doc.text
        spans = sorted((m.start(), m.end()) for p in patterns for m in p.finditer(subject) if m.end() > m.start())
        yield from (Hit(s, e) for s, e in merge(spans))

    return detect


def merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching spans become one (two patterns matching one phone number: one finding)."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def alternation(words: Iterable[str]) -> str:
    """Phrases (already folded, may hold regex) joined longest first, so "gift card" wins over "gift"."""
    return "|".join(sorted(words, key=len, reverse=True))


@dataclass(frozen=True)
class Pack:
    """A marketplace's rules: those for every text, plus extra or stricter ones per target."""

    name: str
    rules: tuple[Rule, ...]
    targets: dict[str, tuple[Rule, ...]]
    default_target: str

    def resolve(self, target: str) -> list[Rule]:
        return layer(self.rules, self.targets[target])


class RuleMaker:
    """Shorthand for a pack module: `rule = RuleMaker("ebay")` then `rule("PII-EMAIL", ...)`."""

    def __init__(self, pack: str) -> None:
        self.pack = pack

    def __call__(
        self,
        rule_id: str,
        severity: Severity,
        message: str,
        hint: str,
        source: str,
        detect: Detector,
        *,
        target: str | None = None,
        checked: str | None = CHECKED,
    ) -> Rule:
        pack = f"{self.pack}.{target}" if target else self.pack
        return Rule(rule_id, severity, message, hint, source, checked, pack, detect)
