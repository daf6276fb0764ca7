"""Every `$ mktcrm …` example in every --help runs against the demo cache, as a seller would paste it.

Each example runs in its own copy of a `mktcrm demo` home (default seed and size), through the real CLI
in-process. The shell around it is read the way a shell would: `A=b` prefixes set the environment, `&&`
chains run in order and stop at a failure, `echo … |` feeds stdin, `~` is a throwaway HOME, `$(date +%F)` is
today, `"$(mktcrm …)"` is what that command prints, a `postgresql://` URL is a throwaway database on the
test cluster, and `| jq …` gets the output — checked to be JSON, and given to jq itself when it is installed.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import Home
from mktcrm.cli import app
from mktcrm.sandbox import reset_sandboxes
from test_docs import COMMANDS, gen_docs

# Examples that cannot end by themselves: `sandbox serve` serves until Ctrl-C (tests/test_process.py runs it).
BLOCKING = {("sandbox", "serve")}
# Examples for a seller's first minutes, before any config: they run in an empty home, not the demo's.
FRESH = {("init",)}
# The texts the `charter check` examples read: signed as the demo's [brand] wants; the message has a warning.
FILES = {
    "reply.txt": "Merci pour votre retour, bonne journée.\nL'équipe Maison Dupont\n",
    "message.txt": "Bonjour, votre colis est parti !!!\nL'équipe Maison Dupont\n",
}


def examples() -> Iterator[tuple[tuple[str, ...], str]]:
    for path, command in COMMANDS:
        if gen_docs.is_group(command) or path in BLOCKING:
            continue
        for line in gen_docs.help_text(path).splitlines():
            found = re.match(r"\s*\$ (.*\bmktcrm\b.*)$", line)
            if found:
                yield path, found.group(1)


EXAMPLES = list(examples())


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "home"
    result = CliRunner().invoke(app, ["demo", "--home", str(folder)], env={"MKTCRM_HOME": None})
    assert result.exit_code == 0, result.stderr
    return folder


def test_every_help_has_examples_to_check() -> None:
    assert len(EXAMPLES) > 50 and {p for p, _ in EXAMPLES} >= {("disputes", "resolve"), ("disputes", "open")}


@pytest.mark.parametrize(("path", "line"), EXAMPLES, ids=[f"{' '.join(p)}: {line}" for p, line in EXAMPLES])
def test_help_example_runs(
    path: tuple[str, ...],
    line: str,
    demo_home: Path,
    home: Home,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    fake_home = home.path / "user"
    work = home.path / "cwd"
    fake_home.mkdir()
    work.mkdir()
    for name, text in FILES.items():
        (work / name).write_text(text, encoding="utf-8")
    seller = home.path / "seller"
    if path not in FRESH:
        shutil.copytree(demo_home, seller)
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(fake_home))
    reset_sandboxes()
    line = line.replace("$(date +%F)", date.today().isoformat())
    if "postgresql://" in line:  # a shared database: a throwaway one on the test cluster (skipped without it)
        line = re.sub(r"postgresql://\S+", request.getfixturevalue("pg_url"), line)
    for part in line.split(" && "):
        for inner in re.findall(r'"\$\((mktcrm [^"]*)\)"', part):  # `"$(mktcrm … | jq …)"`: its output
            if not shutil.which("jq"):
                pytest.skip("jq is not installed: the substituted command's output cannot be computed")
            part = part.replace(f'"$({inner})"', shlex.quote(_run(inner, seller, fake_home).strip()))
        _run(part, seller, fake_home)


def _run(part: str, seller: Path, fake_home: Path) -> str:
    """One pipeline: [echo … |] [VAR=value …] mktcrm ARGS [| filter …]; what it printed."""
    words = [_tilde(w, fake_home) for w in shlex.split(part, comments=True)]
    stages: list[list[str]] = [[]]
    for word in words:
        if word == "|":
            stages.append([])
        else:
            stages[-1].append(word)
    mine = next(i for i, s in enumerate(stages) if "mktcrm" in s)
    stdin = " ".join(stages[mine - 1][1:]) + "\n" if mine and stages[mine - 1][0] == "echo" else None
    stage = stages[mine]
    at = stage.index("mktcrm")
    env: dict[str, str | None] = {"MKTCRM_HOME": str(seller)}
    env.update(dict(w.split("=", 1) for w in stage[:at]))
    result = CliRunner().invoke(app, stage[at + 1 :], env=env, input=stdin)
    shown = f"`{part}` exited {result.exit_code}\nstdout: {result.stdout[-2000:]}\nstderr: {result.stderr[-2000:]}"
    assert result.exit_code == 0, shown
    assert "Traceback" not in result.stderr
    filters = stages[mine + 1 :]
    if filters and filters[0][0] == "jq":
        json.loads(result.stdout)  # what the example pipes to jq is JSON
    if filters and all(shutil.which(f[0]) for f in filters):  # the rest of the pipeline, as the shell runs it
        script = " | ".join(shlex.join(f) for f in filters)
        done = subprocess.run(["sh", "-c", script], input=result.stdout, capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"`{script}` exited {done.returncode}: {done.stderr}\n{shown}"
        assert done.stdout.strip(), f"`{script}` printed nothing\n{shown}"
        return done.stdout
    return result.stdout


def _tilde(word: str, fake_home: Path) -> str:
    return str(fake_home) + word[1:] if word == "~" or word.startswith("~/") else word.replace("=~/", f"={fake_home}/")
