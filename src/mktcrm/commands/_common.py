"""Options every row-printing command shares, and small parsing helpers."""

from __future__ import annotations

from typing import Annotated

import typer

from mktcrm.context import AppContext
from mktcrm.errors import UsageError
from mktcrm.output import FORMATS, Output

FormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        help=f"Output format: {'|'.join(FORMATS)} (auto: table on a terminal, TSV when piped).",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (same as --format json).")]
FieldsOpt = Annotated[str | None, typer.Option("--fields", help="Comma-separated fields to print, in this order.")]
AccountOpt = Annotated[list[str] | None, typer.Option("--account", "-a", help="Only this account (repeatable).")]
# Row counts and ids above SQLite's 64-bit integers are typos: refused as usage errors, not overflows.
MAX_INT = 2**63 - 1
LimitOpt = Annotated[int | None, typer.Option("--limit", "-n", min=1, max=MAX_INT, help="At most this many rows.")]
SinceOpt = Annotated[str | None, typer.Option("--since", help="Only since this date or span: 2026-01-01, 7d, 12h.")]


def app_ctx(ctx: typer.Context) -> AppContext:
    obj = ctx.find_root().obj
    assert isinstance(obj, AppContext)
    return obj


def output(ctx: typer.Context, fmt: str = "auto", json_: bool = False, fields: str | None = None) -> Output:
    return app_ctx(ctx).output(fmt, fields, json_=json_)


def check_accounts(app: AppContext, names: list[str] | None) -> list[str]:
    """Validate --account names against the config (a typo must not look like "no rows")."""
    if not names:
        return []
    for name in names:
        app.settings.account(name)
    return names


def parse_range(text: str, low: int = 1, high: int = 5) -> tuple[int, int]:
    """`4`, `4..5`, `1..2` → inclusive bounds within [low, high]."""
    first, sep, last = text.partition("..")
    try:
        a = int(first) if first else low
        b = int(last) if sep and last else (a if not sep else high)
    except ValueError:
        a = b = -1
    if not (low <= a <= b <= high):
        raise UsageError(f"cannot read the range {text!r}", hint=f"use N or N..M with {low} <= N <= M <= {high}")
    return a, b
