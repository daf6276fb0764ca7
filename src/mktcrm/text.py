"""Untrusted text made inert: terminal escape sequences and control characters removed.

Review bodies, buyer names and API error messages come from strangers. Everything that prints them,
stores them or sends them on goes through here first, so the rules live in one place (output and
core both import this module; it imports nothing of mktcrm).
"""

from __future__ import annotations

import re

# ESC-based sequences first (CSI, OSC, other two-byte escapes), then any C0/C1 control left.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]")
# C0/C1 controls, and the bidirectional overrides and isolates (U+202A-202E, U+2066-2069) that reorder what a
# terminal shows: `abc\u202egnp.exe` displays as `abcexe.png` ("Trojan Source", CVE-2021-42574).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# What JSON keeps as data but must not print raw: DEL, C1 controls and the bidi controls, written as \u escapes.
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean(text: str) -> str:
    """Strip terminal escape sequences, control characters and bidi controls (keeps tab and newline)."""
    return _CONTROL.sub("", _ANSI.sub("", text))


def escape_json_unsafe(encoded: str) -> str:
    """JSON text with C1 and bidi controls as `\\u` escapes: same data for a parser, inert on a terminal.

    Safe on any `json.dumps` output: these characters can only occur inside strings.
    """
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)


def defuse_formula(cell: str) -> str:
    """A text cell a spreadsheet would run as a formula gets a leading `'` (shown as text, as OWASP advises)."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def one_line(text: str) -> str:
    """`clean` plus newlines and tabs folded to spaces, for table cells and messages."""
    return " ".join(clean(text).split())
