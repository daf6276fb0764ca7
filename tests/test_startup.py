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
