"""The command layer's shape: one lazily loaded module per top-level command, thin, rows through `Output`."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import Home
from mktcrm.cli import COMMANDS, app, load_command

COMMANDS_DIR = Path(__file__).resolve().parents[1] / "src" / "mktcrm" / "commands"
SHARED = {"_common", "_fields", "_complete"}  # what command modules may share; never another command


def _modules() -> dict[str, ast.Module]:
    return {
        p.stem: ast.parse(p.read_text(encoding="utf-8"), str(p))
        for p in sorted(COMMANDS_DIR.glob("*.py"))
        if p.stem != "__init__"
    }


def _imports(tree: ast.Module) -> list[str]:
    """Every module an import statement names, `from a import b` counted as both `a` and `a.b`."""
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
            names += [f"{node.module}.{a.name}" for a in node.names]
    return names


def test_one_module_per_top_level_command_named_after_it() -> None:
    commands = {name for name in _modules() if name not in SHARED}
    assert commands == set(COMMANDS)
    assert all(module == f"mktcrm.commands.{name}" for name, (module, _help) in COMMANDS.items())


def test_commands_import_neither_the_database_nor_each_other() -> None:
    wrong = []
    for name, tree in _modules().items():
        for imported in _imports(tree):
            parts = imported.split(".")
            if parts[:2] == ["mktcrm", "db"]:
                wrong.append(f"{name}.py imports {imported} (go through mktcrm.core)")
            if parts[:2] == ["mktcrm", "commands"] and len(parts) > 2 and parts[2] not in SHARED:
                wrong.append(f"{name}.py imports {imported} (share it through _common.py or _fields.py)")
            if parts[0] == "json":
                wrong.append(f"{name}.py imports json (print JSON with Output.json or Output.rows)")
    assert not wrong, "\n".join(wrong)


def test_imports_sit_at_the_top_of_command_modules() -> None:
    """Loading is lazy per command, so a module imports what it uses up front; the only exceptions are
    named here with the reason."""
    allowed = {("sandbox", "mktcrm.sandbox.server")}  # httpx, only once `sandbox serve` really serves
    inner = set()
    for name, tree in _modules().items():
        for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
            for node in ast.walk(fn):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                    inner.add((name, module))
    assert inner <= allowed, sorted(inner - allowed)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_static_help_is_the_commands_own(name: str) -> None:
    """`mktcrm --help` shows the table's line without importing the command: it must say what the command says."""
    assert COMMANDS[name][1] == load_command(name).get_short_help_str(10**6)


def test_root_help_lists_every_command_in_table_order() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"}, prog_name="mktcrm")
    assert result.exit_code == 0, result.output
    listed = re.findall(r"^  (\S+) {2,}", result.output.split("Commands:")[1], flags=re.M)
    assert listed == list(COMMANDS)
    assert "Exit codes: 0 ok" in result.output  # the epilog is kept


PROBE = """
import contextlib, io, json, sys
sys.argv = ["mktcrm", *json.loads(sys.argv[1])]
from mktcrm.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main()
    except SystemExit:
        pass
print(json.dumps(sorted(m for m in sys.modules if m.startswith("mktcrm.commands."))))
"""


@pytest.mark.parametrize(
    ("args", "loaded"),
    [
        (["--help"], []),
        (["--version"], []),
        (["kpi", "--json"], ["kpi"]),
        (["orders", "list", "--json"], ["orders"]),
        (["reviews", "list", "--help"], ["reviews"]),
        (["config", "path"], ["config"]),
    ],
)
def test_each_run_imports_only_its_own_command_module(args: list[str], loaded: list[str], tmp_path: Path) -> None:
    env = {**os.environ, "MKTCRM_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    modules = json.loads(out.stdout.strip().splitlines()[-1])
    assert [m.removeprefix("mktcrm.commands.") for m in modules if m.rsplit(".", 1)[1] not in SHARED] == loaded


def _walk(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    found = [(path, command)]
    for name, child in (getattr(command, "commands", None) or {}).items():
        found += _walk(child, (*path, name))
    return found


def test_every_fields_option_documents_its_fields() -> None:
    """The decorator writes "Fields: …" from the Field tuple: a command with --fields lists them in its help."""
    import typer.main

    with_fields = []
    for path, command in _walk(typer.main.get_command(app)):
        if any("--fields" in getattr(p, "opts", ()) for p in command.params):
            with_fields.append(" ".join(path))
            assert "Fields: " in (command.help or ""), path
    assert {"orders list", "reviews list", "kpi", "disputes list", "charter check"} <= set(with_fields)


def test_help_fields_are_the_printed_fields(synced: Home) -> None:
    """What `kpi --help` promises is exactly what `--json` prints, in order."""
    helped = synced.ok("kpi", "--help").stdout
    promised = re.search(r"Fields: (.*?)\.\n\n", helped, flags=re.S)
    assert promised is not None, helped
    printed = json.loads(synced.ok("kpi", "--json").stdout)
    assert printed and list(printed[0]) == " ".join(promised.group(1).split()).split(", ")
