"""The root command: global options, command groups, and the one place errors become exit codes."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from mktcrm import __version__
from mktcrm.commands import (
    accounts,
    catalog,
    charter,
    db,
    demo,
    disputes,
    kpi,
    outbox,
    privacy,
    reply,
    reviews,
    sandbox,
    setup,
    sync,
)
from mktcrm.context import AppContext
from mktcrm.errors import ExitCode, MktcrmError, from_environment
from mktcrm.text import one_line

EPILOG = (
    "Exit codes: 0 ok (also: no rows), 1 error, 2 usage, 3 partial (some accounts failed), 4 auth/config,"
    " 5 temporary (network, rate limit, cache locked: retry later), 6 refused by the charter, 130 interrupted."
    " Environment: MKTCRM_HOME (one folder for config and cache), MKTCRM_DEBUG=1 (tracebacks), NO_COLOR."
)


class ErrorMappingGroup(TyperGroup):
    """Turns expected failures into `Error:`/`Hint:` lines and documented exit codes (DESIGN §9)."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except MktcrmError as exc:
            print(f"Error: {one_line(exc.message)}", file=sys.stderr)
            if exc.hint:
                print(f"Hint: {one_line(exc.hint)}", file=sys.stderr)
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt:
            print("Interrupted: nothing half-written was kept.", file=sys.stderr)
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except BrokenPipeError:
            _silence_stdout()
            raise typer.Exit(0) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except Exception as exc:
            if _verbose(ctx):
                traceback.print_exc()
            known = from_environment(exc)
            if known is not None:
                print(f"Error: {one_line(known.message)}", file=sys.stderr)
                print(f"Hint: {one_line(known.hint or '')}", file=sys.stderr)
                raise typer.Exit(int(known.exit_code)) from None
            print(f"Error: internal error: {type(exc).__name__}: {one_line(str(exc))[:300]}", file=sys.stderr)
            print("Hint: run again with --verbose for the traceback, and report it", file=sys.stderr)
            raise typer.Exit(ExitCode.ERROR) from None
        finally:
            app_ctx = ctx.obj
            if isinstance(app_ctx, AppContext):
                app_ctx.close()


def _verbose(ctx: Any) -> bool:
    return bool(isinstance(ctx.obj, AppContext) and ctx.obj.verbose) or os.environ.get("MKTCRM_DEBUG") == "1"


def _silence_stdout() -> None:
    """After `| head` closed the pipe: send what is left to /dev/null so Python's exit stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


app = typer.Typer(
    cls=ErrorMappingGroup,
    name="mktcrm",
    help="Look after your customers on every marketplace: sync, reviews, disputes, KPIs.",
    epilog=EPILOG,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"mktcrm {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="Config file (default: MKTCRM_HOME or the user config dir)."),
    ] = None,
    db: Annotated[
        Path | None, typer.Option("--db", help="Cache file (default: MKTCRM_HOME or the user data dir).")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show HTTP requests and tracebacks.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour (also NO_COLOR, TERM=dumb).")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    ctx.obj = AppContext.create(config, db, verbose=verbose or os.environ.get("MKTCRM_DEBUG") == "1", no_color=no_color)


setup.register(app)
accounts.register(app)
sync.register(app)
catalog.register(app)
disputes.register(app)
reviews.register(app)
reply.register(app)
outbox.register(app)
charter.register(app)
kpi.register(app)
db.register(app)
privacy.register(app)
demo.register(app)
app.add_typer(sandbox.app, name="sandbox")


def main() -> None:
    """Console-script entry point."""
    import signal

    def _terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # `timeout` and service managers stop us like Ctrl-C: roll back, exit 130

    signal.signal(signal.SIGTERM, _terminate)
    try:
        app(prog_name="mktcrm")
    finally:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _silence_stdout()
