"""What every command module shares: its Typer app, the output options, and small parsing helpers.

A command module never imports another one (each loads on its own, see `mktcrm.cli`), so anything two
commands need lives here or in `_fields.py`.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Annotated, Any

import typer

from mktcrm.commands import _complete
from mktcrm.context import AppContext
from mktcrm.errors import UsageError
from mktcrm.output import FORMATS, Field, Output
from mktcrm.text import clean, one_line

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
AccountOpt = Annotated[
    list[str] | None,
    typer.Option("--account", "-a", help="Only this account (repeatable).", autocompletion=_complete.accounts),
]
AccountOne = Annotated[
    str | None,
    typer.Option("--account", "-a", help="The account, if the id is ambiguous.", autocompletion=_complete.accounts),
]
# Row counts and ids above SQLite's 64-bit integers are typos: refused as usage errors, not overflows.
MAX_INT = 2**63 - 1
LimitOpt = Annotated[int | None, typer.Option("--limit", "-n", min=1, max=MAX_INT, help="At most this many rows.")]
PeriodOpt = Annotated[
    str,
    typer.Option(
        "--period",
        "-p",
        help="7d, 30d, 90d, 365d, this-month, last-month, this-quarter, last-quarter, 2026-03, all,"
        " or 2026-01-01..2026-03-31 (in each account's timezone).",
    ),
]
SinceOpt = Annotated[str | None, typer.Option("--since", help="Only since this date or span: 2026-01-01, 7d, 12h.")]


def new_app(help: str | None = None) -> typer.Typer:
    """A command module's `app`, with the root's settings (plain help, no completion options).

    With `help`, a group (`mktcrm reviews …`); without, the module holds one command of its own name.
    """
    return typer.Typer(
        help=help,
        no_args_is_help=help is not None,
        rich_markup_mode=None,
        add_completion=False,
        pretty_exceptions_enable=False,
    )


def app_ctx(ctx: typer.Context) -> AppContext:
    obj = ctx.find_root().obj
    assert isinstance(obj, AppContext)
    return obj


def output(ctx: typer.Context, fmt: str = "auto", json_: bool = False, fields: str | None = None) -> Output:
    return app_ctx(ctx).output(fmt, fields, json_=json_)


F = typing.TypeVar("F", bound=Callable[..., Any])
_OUTPUT_PARAMS = (
    inspect.Parameter("fmt", inspect.Parameter.KEYWORD_ONLY, default="auto", annotation=FormatOpt),
    inspect.Parameter("json_", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=JsonOpt),
    inspect.Parameter("fields", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=FieldsOpt),
)

_LIMIT_PARAM = inspect.Parameter("limit", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=LimitOpt)


def rows_command(fields: Sequence[Field], *more: tuple[str, Sequence[Field]], limit: bool = True) -> Callable[[F], F]:
    """Give a row-printing command `--format/--json/--fields` and `-n/--limit`, and its help the field list.

    The command takes `ctx: typer.Context` and `out: Output` (built from the options) instead of
    the options themselves. The help gains "Fields: …" from the `Field` tuple it prints, so help and
    output cannot disagree; `more` adds ("With --capabilities", OTHER_FIELDS) lines for other shapes.
    A command that declares its own `limit` (to pass it to SQL) keeps it; any other gets one applied to
    the rows it prints (`limit=False`: a command that prints one record).
    """

    def wrap(func: F) -> F:
        hints = typing.get_type_hints(func, include_extras=True)
        own = [
            p.replace(annotation=hints.get(p.name, p.annotation))
            for p in inspect.signature(func).parameters.values()
            if p.name != "out"
        ]
        added = limit and not any(p.name == "limit" for p in own)
        params = [*own, *_OUTPUT_PARAMS, *((_LIMIT_PARAM,) if added else ())]

        @functools.wraps(func)
        def command(**kwargs: Any) -> Any:
            kwargs["out"] = output(kwargs["ctx"], kwargs.pop("fmt"), kwargs.pop("json_"), kwargs.pop("fields"))
            if added:
                kwargs["out"].limit = kwargs.pop("limit")
            return func(**kwargs)

        lines = [f"Fields: {', '.join(f.name for f in fields)}."]
        lines += [f"{label}: {', '.join(f.name for f in shape)}." for label, shape in more]
        command.__doc__ = _with_paragraph(inspect.getdoc(func) or "", "\n".join(lines))
        command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in params}
        del command.__wrapped__  # type: ignore[attr-defined]  # Typer must read the new signature
        return typing.cast(F, command)

    return wrap


def _with_paragraph(doc: str, paragraph: str) -> str:
    """The docstring with `paragraph` before its `Examples:` block (or at the end)."""
    marker = "\b\nExamples:"
    head, sep, tail = doc.partition(marker)
    return f"{head.rstrip()}\n\n{paragraph}\n\n{sep}{tail}" if sep else f"{doc.rstrip()}\n\n{paragraph}"


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


def parse_span(text: str) -> timedelta:
    """`24h`, `3d`, `90m`."""
    units = {"m": "minutes", "h": "hours", "d": "days"}
    if len(text) >= 2 and text[-1] in units and text[:-1].isdigit() and int(text[:-1]) <= 36500:
        return timedelta(**{units[text[-1]]: int(text[:-1])})
    raise UsageError(f"cannot read the duration {text!r}", hint="use e.g. 90m, 24h or 3d (at most 36500)")


# ---- a planned text shown before it goes out (`reviews reply --dry-run`, `automate run`) ----
def verdict(findings: list[dict[str, Any]]) -> str:
    """`ok`, `ok (N warnings: …)` or `refused: RULE message`: one line a person or a script can read."""
    errors = [f for f in findings if f["severity"] == "error"]
    if errors:
        first = errors[0]
        return one_line(f"refused: {first['rule']} {first['message']}")
    warnings = [f["rule"] for f in findings if f["severity"] != "error"]
    return f"ok ({len(warnings)} warnings: {', '.join(warnings)})" if warnings else "ok"


def show_text(out: Output, header: str, text: str, findings: list[dict[str, Any]]) -> None:
    """A header line, the text indented line by line, and the verdict (with the hint when refused); stderr."""
    if out.quiet:
        return
    lines = [one_line(header)]
    lines += [f"  | {line}" for line in clean(text).splitlines() or [""]]
    lines.append(f"  charter: {verdict(findings)}")
    lines += [
        one_line(f"    {f['line']}:{f['column']} {f['rule']} {f['message']} — {f['hint']}")
        for f in findings
        if f["severity"] == "error"
    ]
    print("\n".join(lines), file=out.stderr)
