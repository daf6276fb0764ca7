"""Generate docs/cli.md from the real `--help` of every mktcrm command.

    python scripts/gen_docs.py          # (re)write docs/cli.md
    python scripts/gen_docs.py --check  # exit 1 if docs/cli.md is stale

The help is taken by invoking the Typer app in-process (`typer.testing.CliRunner`) with
`COLUMNS=100`, so the wrapping does not depend on the terminal this runs in.
`tests/test_docs.py` imports `render()` and fails when the file is out of date.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CLI_MD = ROOT / "docs" / "cli.md"
PROG = "mktcrm"
# Stable help: fixed width, no colour, no forced TTY, no debug output.
HELP_ENV: dict[str, str | None] = {
    "COLUMNS": "100",
    "NO_COLOR": "1",
    "TERM": "dumb",
    "MKTCRM_FORCE_TTY": None,
    "MKTCRM_DEBUG": None,
}

HEADER = """\
# Command reference

Generated from the real `--help` of every command by `python scripts/gen_docs.py`; do not edit by
hand. `tests/test_docs.py` fails when this file no longer matches the code.

Every command also accepts the global options of `mktcrm` (`--config`, `--db`, `--verbose`,
`--no-color`) *before* the command name: `mktcrm --db /tmp/x.db reviews list`.
See also: [conventions and completion](cli-conventions.md), [output formats](output.md),
[exit codes](exit-codes.md), [config](config.md).
"""


def _app() -> Any:
    src = ROOT / "src"
    if src.is_dir() and str(src) not in sys.path:
        sys.path.insert(0, str(src))
    from mktcrm.cli import app

    return app


def walk(command: Any = None, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every (path, click command) pair, depth first, in the order the commands were registered."""
    if command is None:
        import typer.main

        command = typer.main.get_command(_app())
    yield path, command
    children = getattr(command, "commands", None) or {}
    for name, child in children.items():
        if getattr(child, "hidden", False):
            continue
        yield from walk(child, (*path, name))


def is_group(command: Any) -> bool:
    return bool(getattr(command, "commands", None))


def help_text(path: tuple[str, ...]) -> str:
    """`mktcrm PATH --help`, exactly as a user sees it (trailing spaces trimmed)."""
    from typer.testing import CliRunner

    with tempfile.TemporaryDirectory(prefix="mktcrm-docs-") as home:
        env = {**HELP_ENV, "MKTCRM_HOME": home}
        result = CliRunner().invoke(_app(), [*path, "--help"], env=env, prog_name=PROG)
    if result.exit_code != 0:
        raise RuntimeError(f"`{PROG} {' '.join(path)} --help` exited {result.exit_code}:\n{result.output}")
    lines = [line.rstrip() for line in result.output.strip("\n").splitlines()]
    return "\n".join(lines)


def render() -> str:
    """The full text of docs/cli.md."""
    commands = list(walk())
    parts = [HEADER, "## Contents\n"]
    for path, _cmd in commands:
        title = " ".join((PROG, *path))
        anchor = title.replace(" ", "-")
        indent = "  " * max(0, len(path) - 1)
        parts.append(f"{indent}- [`{title}`](#{anchor})")
    parts.append("")
    for path, _cmd in commands:
        title = " ".join((PROG, *path))
        parts.append(f"## {title}\n\n```text\n{help_text(path)}\n```\n")
    return "\n".join(parts).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate docs/cli.md from the CLI's --help.")
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/cli.md is stale; write nothing")
    parser.add_argument("--output", type=Path, default=CLI_MD, help=f"file to write (default: {CLI_MD})")
    args = parser.parse_args(argv)
    text = render()
    target: Path = args.output
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current == text:
            return 0
        print(f"{target} is out of date: run `python scripts/gen_docs.py`", file=sys.stderr)
        diff = difflib.unified_diff(current.splitlines(), text.splitlines(), "committed", "generated", lineterm="", n=1)
        for i, line in enumerate(diff):
            if i >= 40:
                print("…", file=sys.stderr)
                break
            print(line, file=sys.stderr)
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}", file=sys.stderr)
    else:
        print(f"{target} is up to date", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
