"""`mktcrm report`: one file to open or mail: KPIs, monthly trends, what is due, friction points."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from mktcrm import connectors
from mktcrm.commands._common import AccountOpt, PeriodOpt, app_ctx, check_accounts, new_app, parse_span
from mktcrm.core import report as core
from mktcrm.core import report_html
from mktcrm.errors import MktcrmError, UsageError

app = new_app()


@app.command("report")
def report(
    ctx: typer.Context,
    html: Annotated[
        Path | None, typer.Option("--html", metavar="FILE", help="Write an HTML file (- for stdout).")
    ] = None,
    md: Annotated[
        Path | None, typer.Option("--md", metavar="FILE", help="Write a Markdown file (- for stdout).")
    ] = None,
    period: PeriodOpt = "30d",
    account: AccountOpt = None,
    within: Annotated[str, typer.Option("--within", "-w", help="The due list: how far ahead, e.g. 24h, 7d.")] = "7d",
) -> None:
    """Write a report to open or mail: KPIs against the period before, monthly trends, what is due, friction.

    One self-contained file: the HTML has its charts inline (SVG), no script and nothing to fetch; every
    text from a marketplace is escaped. The file is written whole or not at all.

    \b
    Examples:
      $ mktcrm report --html report.html
      $ mktcrm report --period last-month --md report.md --html report.html
      $ mktcrm report --md - --account leclerc
    """
    if html is None and md is None:
        raise UsageError("say which file to write", hint="add --html FILE and/or --md FILE (- for stdout)")
    for target in (html, md):
        if target is not None and str(target) != "-" and not target.parent.is_dir():
            raise UsageError(f"cannot write {target}: no folder {target.parent}", hint="create the folder first")
    app_ = app_ctx(ctx)
    names = check_accounts(app_, account)
    chosen = [a for a in app_.settings.accounts if not names or a.name in names]
    data = core.build(
        app_, chosen, lambda a: connectors.get(a.marketplace), period, app_.now(), within=parse_span(within)
    )
    if html is not None:
        _write(html, report_html.html(data))
    if md is not None:
        _write(md, report_html.markdown(data))


def _write(target: Path, text: str) -> None:
    """Write whole or not at all: a temporary file in the same folder, renamed over the target."""
    if str(target) == "-":
        sys.stdout.write(text)
        return
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            umask = os.umask(0o022)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # a report is for reading and mailing, like any file the user writes
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise MktcrmError(
            f"cannot write {target}: {exc.strerror or exc}", hint="check the path and its permissions"
        ) from None
    print(f"Wrote {target}", file=sys.stderr)
