"""Team mode (issue 16): the same CLI on a shared PostgreSQL database, against a throwaway cluster.

The real CLI drives the real connectors over their sandboxes, once with the SQLite cache and once
with `--db postgresql://…`; what a seller reads (lists, KPIs) must be the same. Two-process tests run
the CLI as real processes against the same database: simultaneous bulk replies, simultaneous syncs of
two accounts, and a `kill -9` of one sync while the other goes on.

Speed: the accounts are synced once per module into both stores (`reference`), and each test works on a copy
(a folder copy, a `CREATE DATABASE … TEMPLATE`); every database starts as a copy of one migrated once per
session (`pg_template`).
"""

from __future__ import annotations

import json
import shutil
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from conftest import ANCHOR, Home, cli, mirakl_account, pg_create, pg_drop, pg_rows, sandbox_account
from contract import ContractChecker
from mktcrm.db import dialect, locks
from mktcrm.db.connect import connect_url
from mktcrm.db.migrations import MIGRATIONS, migrate
from mktcrm.http.breaker import BREAKERS
from mktcrm.sandbox import OBSERVERS, open_sandbox, reset_sandboxes
from mktcrm.sandbox.accounts import sandbox_account as account_for
from mktcrm.sandbox.server import serve

pytestmark = pytest.mark.postgres

PERIOD = "2026-01-01..2026-11-19"
SYNCED = ("listings", "orders", "order_lines", "buyers", "reviews", "disputes", "dispute_events")
DERIVED = ("kpi_order_days", "kpi_review_days", "kpi_feedback", "kpi_sales")
# The Mirakl sandbox's offer export links to its in-process host, which `sandbox serve` does not rewrite.
STREAMS = ("--stream", "orders", "--stream", "reviews", "--stream", "disputes")
BULK = ("reviews", "reply", "--unanswered", "--rating", "4..5", "--template", "thanks", "--yes")


def _tables(url: str) -> dict[str, int]:
    return {t: pg_rows(url, f"SELECT count(*) FROM {t}")[0][0] for t in (*SYNCED, *DERIVED)}


def _sqlite_tables(home: Home) -> dict[str, int]:
    return {t: home.count(t) for t in (*SYNCED, *DERIVED)}


def _configure_all(home: Home) -> None:
    """Two Mirakl operators and an eBay and an Etsy account, all on in-process sandboxes."""
    accounts = [mirakl_account("shop1"), mirakl_account("shop2")]
    secrets = {a["api_key_env"]: f"sandbox-{a['name']}-key" for a in accounts}
    for market in ("ebay", "etsy"):
        account, extra = sandbox_account(market, f"{market}-fr", orders=60)
        accounts.append(account)
        secrets.update(extra)
    home.configure(accounts, secrets=secrets)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, pg_server: Any, pg_template: str) -> Iterator[tuple[Path, str]]:
    """Every account synced once from the same sandboxes into a SQLite home and a PostgreSQL database, which
    the tests below copy (a folder copy, `CREATE DATABASE … TEMPLATE`) instead of syncing again. The database
    takes the SQLite cache's buyer salt first, as `db migrate --to` does: buyer keys are then equal, and lists
    of buyers compare row for row, order and keys included. Its exchanges are checked against the specs too."""
    path = tmp_path_factory.mktemp("reference")
    name = f"ref_{uuid.uuid4().hex[:12]}"
    url = pg_create(pg_server, name, pg_template)
    checker = ContractChecker()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MKTCRM_HOME", str(path))
        reset_sandboxes()
        BREAKERS.reset()
        home = Home(path)
        _configure_all(home)
        OBSERVERS.append(checker)
        try:
            home.ok("sync", "--quiet")
            salt = home.sql("SELECT value FROM meta WHERE key = 'buyer_salt'")[0][0]
            pg_rows(url, "UPDATE meta SET value = ? WHERE key = 'buyer_salt'", salt)
            reset_sandboxes()  # the same marketplaces, as they were before the first sync
            home.ok("--db", url, "sync", "--quiet")
        finally:
            OBSERVERS.remove(checker)
            reset_sandboxes()
    assert not checker.problems, checker.problems
    yield path, name
    pg_drop(pg_server, name)


@pytest.fixture
def pair(home: Home, pg_server: Any, reference: tuple[Path, str]) -> Iterator[str]:
    """This test's home holds a copy of the reference SQLite cache (and its config); the URL of a copy of the
    reference PostgreSQL database."""
    path, template = reference
    shutil.copytree(path, home.path, dirs_exist_ok=True)
    name = f"t_{uuid.uuid4().hex[:12]}"
    yield pg_create(pg_server, name, template)
    pg_drop(pg_server, name)


def _timeless(value: Any) -> Any:
    """JSON without the stamps each store wrote at its own second (`created_at`, `generated_at`, last sync)."""
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items() if k not in ("created_at", "generated_at", "last_sync")}
    if isinstance(value, list):
        return [_timeless(v) for v in value]
    return value


def _read_both(home: Home, url: str, *args: str) -> tuple[Any, Any]:
    """The JSON output of one command on SQLite, then on PostgreSQL."""
    return json.loads(home.ok(*args).stdout), json.loads(home.ok("--db", url, *args).stdout)


def test_migrations_from_every_version_on_postgresql(pg_url: str) -> None:
    """Each stopping point, then the rest: the same tables, triggers and versions as a fresh install."""
    names = [name for name, _fn in MIGRATIONS]
    for stop in names[:-1]:
        db = connect_url(pg_url, apply=False)
        try:
            db.execute("DROP SCHEMA public CASCADE")
            db.execute("CREATE SCHEMA public")
            assert migrate(db, upto=stop)[-1] == stop
            assert migrate(db) == names[names.index(stop) + 1 :]
            assert [r[0] for r in db.execute("SELECT name FROM _migrations ORDER BY name")] == sorted(names)
            triggers = db.execute("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal").fetchone()[0]
            assert triggers == 23  # m008's 14 rollup triggers and m013's 9 buyer ones, each a PL/pgSQL function
        finally:
            db.close()


def test_the_cli_on_postgresql_reads_the_same_as_on_sqlite(home: Home, pair: str) -> None:
    assert _tables(pair) == _sqlite_tables(home)
    assert _tables(pair)["orders"] > 100
    reads = [
        ("reviews", "list", "--json"),
        ("orders", "list", "--json"),
        ("orders", "list", "--status", "shipped", "--json"),
        ("disputes", "list", "--json"),
        ("disputes", "reasons", "--json"),
        ("kpi", "--period", PERIOD, "--json"),
        ("kpi", "--period", PERIOD, "--by", "month", "--json"),
    ]
    for args in reads:
        sq, pg = _read_both(home, pair, *args)
        assert pg == sq, args
    shipped = _read_both(home, pair, "orders", "list", "--status", "shipped", "--json")[1]
    assert len(shipped) > 10 and {r["state"] for r in shipped} == {"shipped"}


def test_buyers_and_segments_on_postgresql_are_those_of_sqlite(home: Home, pair: str) -> None:
    """Segments, buyer lists (a segment, a sort) and one buyer's page: the same figures, row for row."""
    sq, pg = _read_both(home, pair, "segments", "--json")
    assert pg == sq
    repeat = {r["account"]: r["buyers"] for r in sq if r["segment"] == "repeat"}
    assert sum(repeat.values()) > 3, "too few repeat buyers to prove anything"
    for args in (
        ("buyers", "list", "--json"),
        ("buyers", "list", "--segment", "repeat", "--sort", "revenue", "--json"),
        ("buyers", "list", "--sort", "last_order", "--json"),
    ):
        sq, pg = _read_both(home, pair, *args)
        assert pg == sq, args
    listed = _read_both(home, pair, "buyers", "list", "--segment", "repeat", "--sort", "revenue", "--json")[0]
    assert len(listed) == sum(repeat.values()) and all(r["orders"] >= 2 for r in listed)
    assert [r["revenue"] for r in listed if r["revenue"]] != []
    busiest = max(listed, key=lambda r: (r["orders"], r["reviews"], r["disputes"]))
    key = busiest["buyer_key"]
    sq, pg = _read_both(home, pair, "buyers", "show", key, "--account", busiest["account"], "--json")
    assert pg == sq
    assert sum(e["kind"] == "order" for e in sq["timeline"]) >= 2


def test_sync_counts_new_and_changed_rows_on_postgresql_as_on_sqlite(home: Home, pair: str) -> None:
    """`Store.upsert` counts what psycopg's `executemany` wrote (its rowcount adds every statement's):
    rows whose payload did not change are not written, so not counted, as on SQLite."""
    sb = open_sandbox(mirakl_account("shop1")["base_url"])
    first, second = (r[0] for r in home.sql("SELECT id FROM orders WHERE account = 'shop1' ORDER BY id LIMIT 2"))
    cursor = home.sql("SELECT cursor FROM sync_state WHERE account = 'shop1' AND stream = 'orders'")[0][0]
    later = datetime.fromisoformat(cursor.replace("Z", "+00:00")) + timedelta(hours=1)
    for order in (first, second):
        sb.update_order(order, at=later, state="SHIPPED")
    sb.add_orders(3, at=later)
    args = ("sync", "shop1", "--stream", "orders", "--json")
    sq, pg = (json.loads(home.ok(*db, *args).stdout)["accounts"][0]["streams"][0] for db in ((), ("--db", pair)))
    assert (sq["new"], sq["changed"]) == (3, 2) and sq["unchanged"] == sq["records"] - 5
    assert {k: pg[k] for k in ("records", "new", "changed", "unchanged")} == {
        k: sq[k] for k in ("records", "new", "changed", "unchanged")
    }


def test_replies_from_both_stores_then_rebuilt_rollups_change_nothing(home: Home, pair: str) -> None:
    """Replies sent from both stores: the same outcome per review, the same tasks and screens after, and the
    rollups kept by the PL/pgSQL triggers (KPI days, buyers) equal a rebuild from the base rows."""
    sqlite_run = home.run(*BULK)
    pg_run = home.run("--db", pair, *BULK)
    assert (pg_run.exit_code, pg_run.stdout) == (sqlite_run.exit_code, sqlite_run.stdout)
    keep = ("account", "review_id", "state", "body", "template")
    sq_rows, pg_rows_ = _read_both(home, pair, "replies", "list", "--json")
    assert len(sq_rows) > 3
    assert [{k: r[k] for k in keep} for r in pg_rows_] == [{k: r[k] for k in keep} for r in sq_rows]
    sq_tasks, pg_tasks = (
        [{k: v for k, v in t.items() if k != "created_at"} for t in ts]
        for ts in _read_both(home, pair, "tasks", "list", "--json")
    )
    assert pg_tasks == sq_tasks != []
    # The screens that read tasks, deadlines and unhappy buyers, and a task done by hand, on both stores.
    screens: dict[str, Any] = {}
    for args in (("due", "--all", "--json"), ("today", "--json"), ("tasks", "next", "--json")):
        sq, pg = _read_both(home, pair, *args)
        assert _timeless(pg) == _timeless(sq) and sq, args
        screens[args[0]] = sq
    assert len(screens["due"]) > 10 and screens["today"]["overdue"] and screens["today"]["unhappy_reviews"]
    first = sq_tasks[0]["id"]
    assert _timeless(_read_both(home, pair, "tasks", "show", str(first), "--json")[1])["id"] == first
    home.ok("tasks", "done", str(first))
    home.ok("--db", pair, "tasks", "done", str(first))
    sq_open, pg_open = _read_both(home, pair, "tasks", "list", "--json")
    assert [t["id"] for t in pg_open] == [t["id"] for t in sq_open] == [t["id"] for t in sq_tasks[1:]]
    args = ("kpi", "--period", PERIOD, "--json")
    sq, pg = _read_both(home, pair, *args)
    drop = ("median_reply_h",)  # reply delays follow each store's send time, seconds apart
    assert [{k: v for k, v in r.items() if k not in drop} for r in pg] == [
        {k: v for k, v in r.items() if k not in drop} for r in sq
    ]
    report = json.loads(home.ok("--db", pair, "db", "rebuild", "--json").stdout)
    tables = {r["table"]: r for r in report}
    assert tables["buyer_stats"]["rows"] == home.count("buyer_stats") > 50
    assert all(r["changed"] == 0 for r in report), report


def test_cache_url_in_config_and_errors_that_never_print_the_password(home: Home, pg_url: str) -> None:
    home.configure(cache={})  # no [cache] table: this test writes its own
    with open(home.path / "config.toml", "a", encoding="utf-8") as f:
        f.write(f'\n[cache]\nurl = "{pg_url}"\n')
    home.ok("sync", "--quiet")
    assert pg_rows(pg_url, "SELECT count(*) FROM orders")[0][0] == 40
    assert not home.db_path.exists() or home.count("orders") == 0
    bad = home.run("--db", "postgresql://mktcrm:hunter2secret@127.0.0.1:1/nothing", "orders", "list")
    assert bad.exit_code == 5
    assert "hunter2secret" not in bad.stderr + bad.stdout and "***" in bad.stderr
    assert bad.stderr.startswith("Error: cannot reach the database") and "Traceback" not in bad.stderr
    with open(home.path / "config.toml", "a", encoding="utf-8") as f:
        f.write('password_env = "X"\n')
    (home.path / "config.toml").write_text(
        (home.path / "config.toml").read_text().replace(pg_url, pg_url.replace("mktcrm@", "mktcrm:pw@"))
    )
    refused = home.run("orders", "list")
    assert refused.exit_code == 4 and "must not hold a password" in refused.stderr and "pw@" not in refused.stderr


def test_a_second_sync_of_the_same_account_waits_then_exits_5_naming_the_holder(home: Home, pg_url: str) -> None:
    home.configure(sync={"lock_timeout_seconds": 0.5})
    home.ok("--db", pg_url, "orders", "list")  # migrated
    with psycopg.connect(pg_url, autocommit=True, application_name="mktcrm alice@shop-laptop pid 42") as other:
        other.execute("SELECT pg_advisory_lock(%s)", (locks.key("sync", "shop1"),))
        started = time.monotonic()
        busy = home.run("--db", pg_url, "sync", "--quiet")
        assert busy.exit_code == 5, busy.stderr
        assert time.monotonic() - started >= 0.5
        assert "account shop1 is being synced by mktcrm alice@shop-laptop pid 42" in busy.stderr
    home.ok("--db", pg_url, "sync", "--quiet")  # the holder's session ended: its lock went with it


# ---- two processes -------------------------------------------------------------------------
@pytest.fixture
def loopback(home: Home) -> Iterator[dict[str, Any]]:
    """An eBay and two Mirakl sandboxes on 127.0.0.1 (shared by every CLI process), and each reply POST."""
    query = _query(120)
    ebay, secrets = account_for("ebay", "ebay-team", query)
    sandboxes = [open_sandbox(f"sandbox://ebay/ebay-team?{query}")]
    sandboxes += [open_sandbox(f"sandbox://mirakl/{n}?{query}") for n in ("op1", "op2")]
    for sb in sandboxes:
        sb.faults.latency_ms = 5
    server = serve(sandboxes, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = server.url_for(sandboxes[0].name)
    ebay.update({"base_url": url, "apiz_base_url": url, "token_url": url + sandboxes[0].token_path})
    accounts = [ebay] + [mirakl_account(n, base_url=server.url_for(n)) for n in ("op1", "op2")]
    secrets.update({a["api_key_env"]: f"sandbox-{a['name']}-key" for a in accounts[1:]})
    home.configure(accounts, secrets=secrets, sync={"lock_timeout_seconds": 60})
    posts: list[str] = []

    def observe(sb: Any, request: httpx.Request, response: httpx.Response) -> None:
        if request.url.path.endswith("/respond_to_feedback"):
            posts.append(str(json.loads(request.content)["feedbackId"]))

    OBSERVERS.append(observe)
    try:
        yield {"posts": posts, "ebay": sandboxes[0]}
    finally:
        OBSERVERS.remove(observe)
        server.shutdown()
        server.server_close()


def _query(orders: int) -> str:
    return f"seed=5&orders={orders}&anchor={ANCHOR}"


@pytest.fixture(scope="module")
def operators(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], int]:
    """What the two Mirakl operators of `loopback` (120 orders) hold once synced into SQLite: the rows per
    (account, table) a PostgreSQL sync of them must hold too. The same seeded data, served in-process."""
    path = tmp_path_factory.mktemp("operators")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MKTCRM_HOME", str(path))
        reset_sandboxes()
        home = Home(path)
        home.configure([mirakl_account(n, base_url=f"sandbox://mirakl/{n}?{_query(120)}") for n in ("op1", "op2")])
        home.ok("sync", "--quiet", *STREAMS)
        reset_sandboxes()
    q = "SELECT count(*) FROM {} WHERE account = ?"
    return {(a, t): home.sql(q.format(t), a)[0][0] for a in ("op1", "op2") for t in SYNCED}


def _held(url: str) -> dict[tuple[str, str], int]:
    q = "SELECT count(*) FROM {} WHERE account = ?"
    return {(a, t): pg_rows(url, q.format(t), a)[0][0] for a in ("op1", "op2") for t in SYNCED}


def _both(home: Home, *runs: tuple[str, ...]) -> list[tuple[int, str]]:
    procs = [cli(*args, env={"MKTCRM_HOME": str(home.path)}) for args in runs]
    return [(p.wait(timeout=180), p.communicate()[1]) for p in procs]


def test_two_people_replying_in_bulk_at_once_send_each_reply_once(
    home: Home, pg_url: str, loopback: dict[str, Any]
) -> None:
    home.ok("--db", pg_url, "sync", "ebay-team", "--quiet")
    results = _both(home, ("--db", pg_url, "--as", "alice", *BULK), ("--db", pg_url, "--as", "bob", *BULK))
    assert [code for code, _err in results] == [0, 0], results
    posts = loopback["posts"]
    assert len(posts) >= 5, "too few replies to prove anything"
    assert len(posts) == len(set(posts)), "a feedback got two replies"
    sent = pg_rows(pg_url, "SELECT review_id, operator FROM replies WHERE state = 'sent'")
    assert sorted(r[0] for r in sent) == sorted(posts)
    assert {r[1] for r in sent} <= {"alice", "bob"} and len({r[1] for r in sent}) >= 1
    assert all(loopback["ebay"].reply_of(p) for p in posts)


def test_two_accounts_synced_at_once_both_complete(
    home: Home, pg_url: str, loopback: dict[str, Any], operators: dict[tuple[str, str], int]
) -> None:
    home.ok("--db", pg_url, "orders", "list")  # migrated once, before the race
    results = _both(home, ("--db", pg_url, "sync", "op1", *STREAMS), ("--db", pg_url, "sync", "op2", *STREAMS))
    assert [code for code, _err in results] == [0, 0], results
    assert _held(pg_url) == operators and operators[("op1", "orders")] == 120
    runs = pg_rows(pg_url, "SELECT status FROM sync_runs ORDER BY id")
    assert [r[0] for r in runs] == ["ok", "ok"]


def test_kill_9_of_one_sync_loses_nothing_of_the_other(
    home: Home, pg_url: str, loopback: dict[str, Any], operators: dict[tuple[str, str], int]
) -> None:
    home.ok("--db", pg_url, "orders", "list")
    env = {"MKTCRM_HOME": str(home.path)}
    victim = cli("--db", pg_url, "sync", "op1", *STREAMS, env=env)
    survivor = cli("--db", pg_url, "sync", "op2", "--quiet", *STREAMS, env=env)
    deadline = time.monotonic() + 60
    q = "SELECT count(*) FROM orders WHERE account = ?"
    while pg_rows(pg_url, q, "op1")[0][0] < 20 and victim.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert victim.poll() is None, "the sync finished before it could be killed"
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    assert survivor.wait(timeout=180) == 0, survivor.communicate()[1]
    home.ok("--db", pg_url, "sync", "op1", "--quiet", *STREAMS)  # resumes at once: the dead session's lock went with it
    assert _held(pg_url) == operators
    statuses = [r[0] for r in pg_rows(pg_url, "SELECT status FROM sync_runs ORDER BY id")]
    assert statuses.count("ok") == 2 and "killed" in statuses


def test_dialect_translates_each_statement_once() -> None:
    sql = "SELECT x FROM t CROSS JOIN u v ON v.a = t.a WHERE b = ? AND c LIKE 'a%' AND d = :name"
    assert dialect.to_postgresql(sql) == (
        "SELECT x FROM t JOIN u v ON v.a = t.a WHERE b = %s AND c LIKE 'a%%' AND d = %(name)s"
    )
    assert dialect.to_postgresql("INSERT OR IGNORE INTO s (id) VALUES (?)").endswith("ON CONFLICT DO NOTHING")
    with pytest.raises(ValueError, match="PRAGMA"):
        dialect.to_postgresql("PRAGMA foreign_keys = ON")


def test_db_migrate_copies_the_cache_resumes_and_keeps_buyer_keys(home: Home, pair: str, pg_url: str) -> None:
    home.run(*BULK)  # some replies sent, some tasks: local state travels too
    first = json.loads(home.ok("db", "migrate", "--to", pg_url, "--json").stdout)
    assert {r["status"] for r in first} == {"ok"} and len(first) >= 15
    by_table = {r["table"]: r for r in first}
    assert by_table["orders"]["target"] == home.count("orders") > 100
    assert by_table["replies"]["target"] == home.count("replies") > 3
    for args in (("orders", "list", "--json"), ("replies", "list", "--json"), ("kpi", "--period", PERIOD, "--json")):
        assert json.loads(home.ok("--db", pg_url, *args).stdout) == json.loads(home.ok(*args).stdout), args
    # An interrupted copy: rows missing on the target. Running it again fills them in, doubling nothing.
    pg_rows(pg_url, "DELETE FROM orders WHERE id IN (SELECT id FROM orders ORDER BY id LIMIT 50) RETURNING id")
    again = json.loads(home.ok("db", "migrate", "--to", pg_url, "--json").stdout)
    assert again == first
    # New rows written on PostgreSQL take new ids after the copied ones.
    before = pg_rows(pg_url, "SELECT max(id) FROM tasks")[0][0]
    rows = pg_rows(
        pg_url,
        "INSERT INTO tasks (account, marketplace, kind, ref_id, title, body, instructions, state, created_at)"
        " VALUES ('shop1', 'mirakl', 'x', 'y', 't', 'b', 'i', 'open', '2026-11-20T00:00:00Z') RETURNING id",
    )
    assert rows[0][0] > before
    # Another cache's data is never mixed in: its buyer keys would not join.
    other = home.path / "other.db"
    home.ok("--db", str(other), "sync", "shop1", "--quiet")
    mixed = home.run("--db", str(other), "db", "migrate", "--to", pg_url)
    assert mixed.exit_code == 1 and "another cache's data" in mixed.stderr


def test_db_check_on_postgresql_reports_schema_collation_and_stale_runs(home: Home, pg_url: str) -> None:
    home.configure()
    home.ok("--db", pg_url, "sync", "--quiet")
    checks = {r["check"]: r for r in json.loads(home.ok("--db", pg_url, "db", "check", "--json").stdout)}
    assert checks["schema"]["status"] == checks["collation"]["status"] == checks["runs"]["status"] == "ok"
    assert checks["server"]["detail"].startswith("PostgreSQL")
    pg_rows(pg_url, "INSERT INTO sync_runs (started_at, status, accounts) VALUES ('x', 'running', '[\"shop1\"]')")
    stale = {r["check"]: r for r in json.loads(home.ok("--db", pg_url, "db", "check", "--json").stdout)}
    assert stale["runs"]["status"] == "warn" and "killed mid-way" in stale["runs"]["detail"]
    with psycopg.connect(pg_url, autocommit=True) as other:  # a live sync of shop1 holds its lock: not stale
        other.execute("SELECT pg_advisory_lock(%s)", (locks.key("sync", "shop1"),))
        live = {r["check"]: r for r in json.loads(home.ok("--db", pg_url, "db", "check", "--json").stdout)}
        assert live["runs"]["status"] == "ok"
