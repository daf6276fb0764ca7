"""Test harness: a throwaway MKTCRM_HOME per test, the real CLI, and sandbox marketplaces.

Nothing of mktcrm is mocked: accounts point at `sandbox://` URLs, which the app itself serves
in-process through httpx.MockTransport, or at `mktcrm sandbox serve` on 127.0.0.1.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import tomli_w
import typer.main
import typer.testing
from typer.testing import CliRunner

from contract import ContractChecker
from mktcrm.cli import app
from mktcrm.http.breaker import BREAKERS
from mktcrm.sandbox import OBSERVERS, open_sandbox, reset_sandboxes

ANCHOR = "2026-11-20"
SPECS = Path(__file__).resolve().parents[1].parent / "shared" / "specs"


# typer's CliRunner rebuilds the root click command on every invoke, and the root group then rebuilds the
# invoked command's tree (~10–20 ms each, thousands of invokes). mktcrm's own app is built once per process:
# its group loads each command on first use and keeps it, as one `mktcrm` process does. Other apps (tests that
# build their own) are built as before.
_ROOT_COMMAND = typer.main.get_command(app)


def _command_of(typer_app: typer.Typer) -> Any:
    return _ROOT_COMMAND if typer_app is app else typer.main.get_command(typer_app)


typer.testing._get_command = _command_of  # type: ignore[attr-defined]


def sandbox_url(name: str = "shop1", orders: int = 40, seed: int = 3) -> str:
    return f"sandbox://mirakl/{name}?seed={seed}&orders={orders}&anchor={ANCHOR}"


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


class Home:
    """A MKTCRM_HOME folder with helpers to write config and run the CLI in it."""

    def __init__(self, path: Path, db_url: str | None = None) -> None:
        self.path = path
        self.runner = CliRunner()
        self.db_url = db_url  # MKTCRM_TEST_DB=postgresql: every command runs with `--db` this database

    @property
    def db_path(self) -> Path:
        return self.path / "mktcrm.db"

    def configure(
        self,
        accounts: list[dict[str, Any]] | None = None,
        *,
        sync: dict[str, Any] | None = None,
        secrets: dict[str, str] | None = None,
        cache: dict[str, Any] | None = None,
    ) -> None:
        if accounts is None:
            accounts = [mirakl_account("shop1")]
        doc: dict[str, Any] = {
            "sync": {"backoff_seconds": 0.01, "retries": 3, "page_size": 10, **(sync or {})},
            "accounts": accounts,
        }
        # The sandboxes' orders are months old: keep every raw record unless a test checks the policy.
        cache = {"keep_raw": "all"} if cache is None else cache
        if cache:
            doc["cache"] = cache
        (self.path / "config.toml").write_text(tomli_w.dumps(doc), encoding="utf-8")
        if secrets is None:
            secrets = {a["api_key_env"]: f"sandbox-{a['name']}-key" for a in accounts if "api_key_env" in a}
        path = self.path / "secrets.toml"
        path.write_text(tomli_w.dumps(secrets), encoding="utf-8")
        path.chmod(0o600)

    def run(self, *args: str, env: dict[str, str] | None = None) -> Result:
        if self.db_url and "--db" not in args:
            args = ("--db", self.db_url, *args)
        result = self.runner.invoke(app, list(args), env=env)
        return Result(result.exit_code, result.stdout, result.stderr)

    def ok(self, *args: str) -> Result:
        result = self.run(*args)
        assert result.exit_code == 0, f"exit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
        return result

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        if self.db_url:
            return pg_rows(self.db_url, query, *params)
        db = sqlite3.connect(self.db_path)
        try:
            return [tuple(r) for r in db.execute(query, params)]
        finally:
            db.close()

    def connect(self) -> Any:
        """A connection to this home's store (the cache file, or its PostgreSQL database), migrated, in autocommit."""
        if self.db_url:
            from mktcrm.db.connect import connect_url

            return connect_url(self.db_url)
        from mktcrm.db.connect import connect

        return connect(self.db_path)

    def count(self, table: str) -> int:
        return int(self.sql(f"SELECT count(*) FROM {table}")[0][0])


def mirakl_account(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "marketplace": "mirakl",
        "base_url": extra.pop("base_url", sandbox_url(name)),
        "api_key_env": f"MKTCRM_TEST_{name.upper().replace('-', '_')}_KEY",
        **extra,
    }


def sandbox_account(
    marketplace: str, name: str, orders: int = 40, seed: int = 3
) -> tuple[dict[str, Any], dict[str, str]]:
    """An account on any marketplace's sandbox, and the secrets it accepts (for `Home.configure`)."""
    from mktcrm.sandbox.accounts import sandbox_account as build

    return build(marketplace, name, f"seed={seed}&orders={orders}&anchor={ANCHOR}")


@pytest.fixture(autouse=True)
def contract() -> Iterator[ContractChecker]:
    """Every exchange of every test, checked against the official specs (see tests/contract.py)."""
    checker = ContractChecker()
    OBSERVERS.append(checker)
    yield checker
    OBSERVERS.remove(checker)
    assert not checker.problems, "API contract problems:\n" + "\n".join(dict.fromkeys(checker.problems))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[Home]:
    """A fresh home; with MKTCRM_TEST_DB=postgresql its commands use a new PostgreSQL database instead of the
    cache file (to run a feature's test file against PostgreSQL: tests that read the file itself will fail)."""
    db_url = request.getfixturevalue("pg_url") if os.environ.get("MKTCRM_TEST_DB") == "postgresql" else None
    monkeypatch.setenv("MKTCRM_HOME", str(tmp_path))
    for var in ("MKTCRM_FORCE_TTY", "NO_COLOR", "MKTCRM_DEBUG", "COLUMNS"):
        monkeypatch.delenv(var, raising=False)
    reset_sandboxes()
    BREAKERS.reset()  # one process runs every test: no host stays "unreachable" from one test to the next
    yield Home(tmp_path, db_url)
    reset_sandboxes()
    BREAKERS.reset()


@pytest.fixture
def synced(home: Home) -> Home:
    """A home with one sandbox Mirakl account, synced once."""
    home.configure()
    home.ok("sync", "--quiet")
    return home


def sandbox(url: str | None = None) -> Any:
    return open_sandbox(url or sandbox_url("shop1"))


def cli(*args: str, env: dict[str, str], **kw: Any) -> subprocess.Popen[str]:
    """The installed CLI in a real subprocess (for signals, pipes and real sockets)."""
    return subprocess.Popen(
        [sys.executable, "-m", "mktcrm", *args],
        env={**os.environ, **env},
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kw,
    )


# ---- team mode: a throwaway PostgreSQL cluster -----------------------------------------------
@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """One cluster for the session on 127.0.0.1; skipped without the server locally, a failure in CI."""
    from pg_cluster import Cluster, binaries

    bindir = binaries()
    if bindir is None:
        reason = "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's `postgresql` package"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL leg: {reason}")
        pytest.skip(reason)
    cluster = Cluster(bindir)
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def pg_template(pg_server: Any) -> str:
    """A database migrated to the latest version once per session. Each test's database is a copy of it
    (`CREATE DATABASE … TEMPLATE`, a file copy) instead of every migration again; the copies share its
    buyer salt, which no test compares across PostgreSQL databases."""
    from mktcrm.db.connect import connect_url

    name = "mktcrm_template"
    pg_create(pg_server, name, template="template0")
    connect_url(pg_server.url(name)).close()
    return name


def pg_create(server: Any, name: str, template: str) -> str:
    """A new database copied from `template` (which nobody may be connected to); its URL."""
    import psycopg

    with psycopg.connect(server.url(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    return str(server.url(name))


def pg_drop(server: Any, name: str) -> None:
    import psycopg

    with psycopg.connect(server.url(), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def pg_url(pg_server: Any, pg_template: str) -> Iterator[str]:
    """A new database on the session's cluster, migrated (a copy of the template), dropped after the test."""
    import uuid

    name = f"t_{uuid.uuid4().hex[:12]}"
    yield pg_create(pg_server, name, pg_template)
    pg_drop(pg_server, name)


def pg_rows(url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        cur = con.execute(query.replace("?", "%s"), params or None)
        return [tuple(r) for r in cur] if cur.description else []
