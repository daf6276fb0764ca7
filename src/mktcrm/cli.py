"""The root command: global options, command groups, and the one place errors become exit codes."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from mktcrm import __version__
from mktcrm.errors import ExitCode, MktcrmError, from_environment
from mktcrm.text import one_line

if TYPE_CHECKING:
    from mktcrm.context import AppContext

# Every top-level command: its module under mktcrm.commands (each exposes `app: typer.Typer`) and the one-line
# help `mktcrm --help` shows without importing it. tests/test_cli_lazy.py checks each line against the
# command's own help. The order is the order of `mktcrm --help` and docs/cli.md.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("mktcrm.commands.init", "Write a commented config file (mode 0600) to fill in."),
    "accounts": (
        "mktcrm.commands.accounts",
        "List configured accounts with what each marketplace allows: by API, by hand (a task), or not at all.",
    ),
    "marketplaces": (
        "mktcrm.commands.marketplaces",
        "Every supported marketplace and what its API allows (api), what becomes a task (manual), or none.",
    ),
    "doctor": (
        "mktcrm.commands.doctor",
        "Check every account now: credentials accepted, marketplace reachable, clock in sync.",
    ),
    "sync": ("mktcrm.commands.sync", "Pull listings, orders, reviews and disputes into the local cache."),
    "due": (
        "mktcrm.commands.due",
        "Everything with a deadline in the window, overdue first: disputes, open tasks, and reviews where the"
        ' account sets a reply window (`deadlines = { review = "48h" }`).',
    ),
    "today": (
        "mktcrm.commands.today",
        "The morning screen: overdue and due today, unhappy buyers waiting, tasks to paste, KPI limits crossed"
        " since yesterday, and what the last sync did.",
    ),
    "kpi": (
        "mktcrm.commands.kpi",
        "Print KPIs per account: satisfaction, resolution delay, repurchase, sales, reviews, tickets, disputes.",
    ),
    "insights": (
        "mktcrm.commands.insights",
        "Why buyers are unhappy: negative reviews (1-2 stars) and disputes grouped into themes.",
    ),
    "report": (
        "mktcrm.commands.report",
        "Write a report to open or mail: KPIs against the period before, monthly trends, what is due, friction.",
    ),
    "demo": (
        "mktcrm.commands.demo",
        "Try mktcrm with no account: sandbox marketplaces, a sync, what needs attention, KPIs.",
    ),
    "config": ("mktcrm.commands.config", "Where the config is, and whether it is valid."),
    "listings": ("mktcrm.commands.listings", "Listings (offers) in the cache."),
    "orders": ("mktcrm.commands.orders", "Orders in the cache."),
    "buyers": ("mktcrm.commands.buyers", "Buyers in the cache: orders, revenue, ratings, disputes and segments."),
    "segments": (
        "mktcrm.commands.segments",
        "Buyers per segment and account: share of buyers and revenue, repurchase rate, rating, dispute rate.",
    ),
    "disputes": (
        "mktcrm.commands.disputes",
        "Disputes: incidents, returns, claims, payment disputes, with deadlines.",
    ),
    "reviews": ("mktcrm.commands.reviews", "Reviews and seller feedback in the cache."),
    "replies": ("mktcrm.commands.replies", "The reply outbox: what was sent, queued, or failed."),
    "tasks": ("mktcrm.commands.tasks", "Things to do by hand in a marketplace's web UI (no API)."),
    "solicit": (
        "mktcrm.commands.solicit",
        "Ask the buyers of recent orders for a review (Amazon's Solicitations API), once per order.",
    ),
    "automate": (
        "mktcrm.commands.automate",
        "Automation rules from config.toml: run them (after sync, in cron) and see what they did.",
    ),
    "templates": ("mktcrm.commands.templates", "Reply templates (Jinja2, sandboxed)."),
    "charter": (
        "mktcrm.commands.charter",
        "Check texts against the communication charter: brand rules plus each marketplace's policy.",
    ),
    "db": (
        "mktcrm.commands.db",
        "The cache file: check it, see what it weighs, back it up, rebuild its derived tables.",
    ),
    "privacy": ("mktcrm.commands.privacy", "Personal data kept in the cache."),
    "sandbox": ("mktcrm.commands.sandbox", "Fake marketplaces that follow the real API contracts."),
}


def load_command(name: str) -> Any:
    """The click command for a top-level name, importing only its module.

    A module whose app holds one command of the same name is that command (`mktcrm kpi`); any other app is
    a group (`mktcrm reviews list`), even with one subcommand (`mktcrm orders list`).
    """
    import importlib

    import typer.main

    module_app = importlib.import_module(COMMANDS[name][0]).app
    registered = module_app.registered_commands
    if len(registered) == 1 and not module_app.registered_groups and registered[0].name == name:
        command = typer.main.get_command(module_app)
    else:
        command = typer.main.get_group(module_app)
    command.name = name
    return command


class LazyCommands(Mapping[str, Any]):
    """The root group's `commands`: names known up front, each module imported on first access."""

    def __init__(self) -> None:
        self._loaded: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in COMMANDS:
            raise KeyError(name)
        if name not in self._loaded:
            self._loaded[name] = load_command(name)
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)


EPILOG = (
    "Exit codes: 0 ok (also: no rows), 1 error, 2 usage, 3 partial (some accounts failed), 4 auth/config,"
    " 5 temporary (network, rate limit, cache locked: retry later), 6 refused by the charter, 130 interrupted."
    " Environment: MKTCRM_HOME (one folder for config and cache), MKTCRM_DEBUG=1 (tracebacks), NO_COLOR."
)


class ErrorMappingGroup(TyperGroup):
    """The root: loads each command's module only when it runs, and turns expected failures into
    `Error:`/`Hint:` lines and documented exit codes (DESIGN §9)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.commands = LazyCommands()  # typo suggestions (`Did you mean`) read its names without loading

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The command list from the static table: `mktcrm --help` imports no command module."""
        from typer._click.utils import make_default_short_help

        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [(name, make_default_short_help(help_, limit)) for name, (_module, help_) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def shell_complete(self, ctx: Any, incomplete: str) -> list[Any]:
        """Command names and their help from the static table: completing `mktcrm <Tab>` imports no command."""
        from typer._click.core import Command
        from typer._click.shell_completion import CompletionItem

        names = [CompletionItem(n, help=h) for n, (_m, h) in COMMANDS.items() if n.startswith(incomplete)]
        return names + Command.shell_complete(self, ctx, incomplete)  # the root's own options

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
                import traceback

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
            app_ctx: AppContext | None = _app_context(ctx)
            if app_ctx is not None:
                app_ctx.close()


def _app_context(ctx: Any) -> AppContext | None:
    """The invocation's AppContext, if the root callback built one (`--help` never imports the module)."""
    if ctx.obj is None:
        return None
    from mktcrm.context import AppContext

    return ctx.obj if isinstance(ctx.obj, AppContext) else None


def _verbose(ctx: Any) -> bool:
    app_ctx = _app_context(ctx)
    return bool(app_ctx and app_ctx.verbose) or os.environ.get("MKTCRM_DEBUG") == "1"


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
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish); see docs/cli-conventions.md
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
        str | None,
        typer.Option(
            "--db",
            metavar="PATH|URL",
            help="Cache file (default: MKTCRM_HOME or the user data dir), or a postgresql://… URL (team mode).",
        ),
    ] = None,
    acting_as: Annotated[
        str | None,
        typer.Option(
            "--as",
            metavar="NAME",
            help="Who is acting (team mode): recorded on replies, messages, tasks and notes"
            " (default: [team] operator, else the OS user).",
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show HTTP requests and tracebacks.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour (also NO_COLOR, TERM=dumb).")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    from mktcrm.context import AppContext

    ctx.obj = AppContext.create(config, db, verbose=verbose or os.environ.get("MKTCRM_DEBUG") == "1", no_color=no_color)
    ctx.obj.acting_as = acting_as.strip() if acting_as and acting_as.strip() else None


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
