"""A CLI pays for every import on every run: help and cheap commands must not load the heavy modules."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("httpx", "rich", "tenacity", "jinja2", "sqlite3", "filelock", "tabulate", "phonenumbers")
PROBE = """
import contextlib, io, json, sys
sys.argv = ["mktcrm", *json.loads(sys.argv[1])]
from mktcrm.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main()
    except SystemExit:
        pass
print(json.dumps(sorted(m for m in {heavy} if m in sys.modules)))
"""


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["reviews", "list", "--help"], ["config", "path"]])
def test_cheap_commands_import_nothing_heavy(args: list[str], tmp_path: object) -> None:
    code = PROBE.format(heavy=repr(HEAVY))
    env = {**os.environ, "MKTCRM_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code, json.dumps(args)], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


# Issue 14: the commands a seller runs most read the cache and print; none of them needs the HTTP stack,
# typer 0.29's pydantic adapters, Rich, Jinja2 or a connector's streams. `kpi` reads each marketplace's
# declared limits, so it may import the connector classes, never what they use to make requests.
LEAN = ("pydantic", "httpx", "rich", "jinja2", "tenacity", "mktcrm.http.client", "mktcrm.sandbox", "mktcrm.sync")
LEAN_PROBE = """
import contextlib, io, json, sys
sys.argv = ["mktcrm", *json.loads(sys.argv[1])]
from mktcrm.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        main()
    except SystemExit as exc:
        code = exc.code
print(json.dumps({"code": code, "out": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def _under(module: str, roots: tuple[str, ...]) -> bool:
    return any(module == root or module.startswith(root + ".") for root in roots)


@pytest.mark.parametrize(
    ("args", "connectors_allowed"),
    [(["--help"], False), (["orders", "list", "--json"], False), (["kpi", "--json"], True)],
)
def test_read_commands_import_no_http_stack(synced: object, args: list[str], connectors_allowed: bool) -> None:
    env = {**os.environ, "MKTCRM_HOME": str(synced.path)}  # type: ignore[attr-defined]
    out = subprocess.run([sys.executable, "-c", LEAN_PROBE, json.dumps(args)], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["code"] in (0, None), out.stderr
    if args != ["--help"]:
        assert json.loads(report["out"]), "the command printed rows: the probe ran the real path"
    modules = report["modules"]
    assert [m for m in modules if _under(m, LEAN)] == []
    if not connectors_allowed:
        assert [m for m in modules if _under(m, ("mktcrm.connectors",))] == []
