"""`charter check|rules`: lint any text against the brand charter and a marketplace's policy, offline."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mktcrm.commands import _complete
from mktcrm.commands._common import app_ctx, new_app, rows_command
from mktcrm.core import charter
from mktcrm.errors import ExitCode, MktcrmError, UsageError
from mktcrm.output import Field, Output
from mktcrm.text import one_line

if TYPE_CHECKING:
    from mktcrm.context import AppContext
    from mktcrm.core.charter import Finding

app = new_app("Check texts against the communication charter: brand rules plus each marketplace's policy.")

FINDING_FIELDS = (
    Field("line", "int"),
    Field("column", "int", label="col"),
    Field("start", "int", default=False),
    Field("end", "int", default=False),
    Field("rule", "id"),
    Field("severity", label="sev"),
    Field("message"),
    Field("hint", default=False),
    Field("source", default=False),
    Field("checked", default=False),
    Field("excerpt", max_width=40),
    Field("pack", default=False),
)
RULE_FIELDS = (
    Field("pack", "id"),
    Field("rule", "id"),
    Field("severity", label="sev"),
    Field("message"),
    Field("hint", default=False),
    Field("source"),
    Field("checked"),
)
MarketplaceOpt = Annotated[
    str | None, typer.Option("--marketplace", "-m", help="amazon, ebay, etsy or mirakl (no config needed).")
]


# The longest text any marketplace takes is 50,000 characters (Mirakl messages); 1 MiB is far beyond any reply
# and keeps `charter check /dev/zero` from reading until the machine runs out of memory.
MAX_TEXT_BYTES = 1 << 20


def _read(path: str) -> str:
    """The text to check: a UTF-8 file, or stdin for `-` (never a prompt: stdin must be piped); 1 MiB at most."""
    if path == "-":
        if sys.stdin is None or sys.stdin.isatty():
            raise UsageError("no text to check", hint="pass FILE, or pipe the text: … | mktcrm charter check -")
        return _capped(sys.stdin.buffer.read(MAX_TEXT_BYTES + 1), "stdin")
    try:
        with Path(path).open("rb") as fh:
            return _capped(fh.read(MAX_TEXT_BYTES + 1), path)
    except FileNotFoundError:
        raise UsageError(f"no such file: {path}", hint="give an existing FILE, or - for stdin") from None
    except OSError as exc:
        raise MktcrmError(f"cannot read {path}: {exc.strerror}") from None


def _capped(data: bytes, name: str) -> str:
    if len(data) > MAX_TEXT_BYTES:
        raise UsageError(f"{name} holds more than 1 MiB of text", hint="check one reply or message at a time")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise MktcrmError(f"{name} is not UTF-8 text", hint="convert it: iconv -t UTF-8") from None


def _scope(app: AppContext, account: str | None, marketplace: str | None) -> tuple[str | None, dict[str, Any] | None]:
    """Which marketplace and which [brand] apply. The config is read only for --account or when it exists."""
    if account and marketplace:
        raise UsageError("give --account or --marketplace, not both", hint="--account implies its marketplace")
    if account:
        return app.settings.account(account).marketplace, dict(app.settings.brand)
    brand = dict(app.settings.brand) if app.paths.config.exists() else None
    return marketplace, brand


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _row(f: Finding) -> dict[str, Any]:
    return {
        "line": f.line,
        "column": f.column,
        "start": f.start,
        "end": f.end,
        "rule": f.rule,
        "severity": f.severity,
        "message": f.message,
        "hint": f.hint,
        "source": f.source,
        "checked": f.checked,
        "excerpt": one_line(f.excerpt),
        "pack": f.pack,
    }


@app.command("check")
@rows_command(FINDING_FIELDS)
def check(
    ctx: typer.Context,
    out: Output,
    path: Annotated[str, typer.Argument(metavar="[FILE|-]", help="Text file to check; - or nothing: stdin.")] = "-",
    account: Annotated[
        str | None,
        typer.Option(
            "--account",
            "-a",
            help="Use this account's marketplace and the config's [brand].",
            autocompletion=_complete.accounts,
        ),
    ] = None,
    marketplace: MarketplaceOpt = None,
    target: Annotated[
        str | None,
        typer.Option("--target", "-t", help="Where the text goes, e.g. feedback_reply, message (see `charter rules`)."),
    ] = None,
) -> None:
    """Lint a text against the charter, one finding per line: `LINE:COL RULE message — hint`.

    Without --account or --marketplace only the brand rules apply. Exit 0 when no error is found
    (warnings do not block), 6 when any error is found. The summary goes to stderr.

    start and end are 0-based character offsets into the text.

    \b
    Examples:
      $ mktcrm charter check --marketplace ebay reply.txt
      $ echo "Merci pour votre avis. L'équipe Maison Dupont" | mktcrm charter check -m amazon -t buyer_message -
      $ mktcrm charter check --account leclerc --json message.txt | jq '.[].rule'
    """
    market, brand = _scope(app_ctx(ctx), account, marketplace)
    rules = charter.resolve(market, target, brand)  # unknown marketplace/target: exit 2 before reading stdin
    scope = (
        f"{market.lower()}.{(target or charter.default_target(market)).lower().split('.')[-1]}" if market else "brand"
    )
    findings = charter.check(_read(path), market, target, brand)
    if out.auto and out.fields_option is None:
        for f in findings:
            out.stdout.write(f"{f.line}:{f.column} {f.rule} {one_line(f.message)} — {one_line(f.hint)}\n")
    else:
        out.rows(FINDING_FIELDS, (_row(f) for f in findings), empty="")
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    if findings:
        counts = f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"
        out.note(f"{scope}: {counts}" + (" — refused by the charter" if errors else ""))
    else:
        out.note(f"{scope}: clean ({len(rules)} rules)")
    if errors:
        raise typer.Exit(int(ExitCode.CHARTER))


@app.command("rules")
@rows_command(RULE_FIELDS)
def rules(
    ctx: typer.Context,
    out: Output,
    marketplace: MarketplaceOpt = None,
) -> None:
    """List the charter's rules pack by pack, with the policy page each one comes from and when it was checked.

    Packs: brand (always; [brand] in config.toml adds forbidden phrases, a signature, a maximum length), then
    the marketplace (amazon, ebay, etsy, mirakl) and its targets (ebay.feedback_reply, amazon.buyer_message…).
    A rule id repeated in a later pack replaces the earlier one for that text.

    \b
    Examples:
      $ mktcrm charter rules --marketplace ebay
      $ mktcrm charter rules --json | jq -r '.[] | select(.severity == "error") | .rule' | sort -u
    """
    rows = (
        {
            "pack": r.pack,
            "rule": r.id,
            "severity": r.severity,
            "message": r.message,
            "hint": r.hint,
            "source": r.source,
            "checked": r.checked,
        }
        for r in charter.rules(marketplace)
    )
    out.rows(RULE_FIELDS, rows, title="Charter rules")
