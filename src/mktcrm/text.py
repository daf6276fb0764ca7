"""Untrusted text made inert: terminal escape sequences and control characters removed.

Review bodies, buyer names and API error messages come from strangers. Everything that prints them,
stores them or sends them on goes through here first, so the rules live in one place (output and
core both import this module; it imports nothing of mktcrm).
"""

from __future__ import annotations

import re

# ESC-based sequences first (CSI, OSC, other two-byte escapes), then any C0/C1 control left.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """Strip terminal escape sequences and control characters (keeps tab and newline)."""
    return _CONTROL.sub("", _ANSI.sub("", text))


def one_line(text: str) -> str:
    """`clean` plus newlines and tabs folded to spaces, for table cells and messages."""
    return " ".join(clean(text).split())
