"""The sync engine (DESIGN §5): accounts × streams → pages → one transaction per batch of pages.

Guarantees, in order of importance:
- a batch of pages' rows and the position after it commit together, so `kill -9` loses at most
  the batch in flight (≤ 10 pages or 2 s of reading) and the next run resumes there;
- the cursor never passes this run's start (the signpost) and is re-read with a lookback
  margin, and upserts make re-reading harmless;
- one failing account never stops the others; the report says what happened to each;
- two syncs never overlap on one cache (file lock); readers are never blocked (WAL).
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from mktcrm.connectors.base import Page, Stream
from mktcrm.errors import AuthError, ExitCode, MktcrmError, TemporaryError, from_environment
from mktcrm.http.breaker import HostUnreachableError
from mktcrm.sync.tables import Row, TableRows, table_of
from mktcrm.timeutil import iso, parse_time

if TYPE_CHECKING:
    from mktcrm.config import Account, Paths, Settings
    from mktcrm.connectors.base import Connector
    from mktcrm.db.store import Store

Progress = Callable[[str], None]
# A commit (an fsync in WAL mode) per page cost 15 % of a sync: pages are written in batches, each batch's rows
# and the position after it in one transaction. The time bound keeps a slow marketplace's batch small.
COMMIT_PAGES = 10
COMMIT_SECONDS = 2.0


class SyncHost(Protocol):
    """What the engine needs from whoever runs it (the CLI's AppContext, a test, a benchmark)."""

    paths: Paths  # the cache file: its lock sits next to it
    verbose: bool

    @property
    def settings(self) -> Settings: ...

    def now(self) -> datetime: ...

    def store(self) -> Store: ...

    def connector_for(self, account: Account) -> Connector: ...


@dataclass
class StreamReport:
    stream: str
    status: str = "ok"  # ok | partial (records skipped as unparseable) | failed | skipped | unsupported
    records: int = 0  # read from the marketplace (a lookback re-reads some): new + changed + unchanged
    new: int = 0  # not in the cache before this run
    changed: int = 0  # in the cache, and the marketplace's payload differs
    unchanged: int = 0
    skipped: int = 0  # records the marketplace sent that could not be read: counted, never stored
    first_bad: str | None = None  # the first such record's position and problem
    pages: int = 0
    resumed: bool = False
    cursor: str | None = None
    error: str | None = None
    hint: str | None = None
    exit_code: int = 0


@dataclass
class AccountReport:
    account: str
    marketplace: str
    status: str = "ok"  # ok | partial | failed
    seconds: float = 0.0
    streams: list[StreamReport] = field(default_factory=list)
    error: str | None = None
    hint: str | None = None
    exit_code: int = 0


@dataclass
class SyncReport:
    run_id: int
    status: str
    accounts: list[AccountReport]

    @property
    def exit_code(self) -> int:
        codes = [a.exit_code for a in self.accounts]
        if not any(codes):
            return ExitCode.OK
        if any(c == 0 for c in codes) or any(a.status == "partial" for a in self.accounts):
            return ExitCode.PARTIAL
        return codes[0] if len(set(codes)) == 1 else ExitCode.ERROR

    def as_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "status": self.status, "accounts": [asdict(a) for a in self.accounts]}


def run(
    app: SyncHost,
    accounts: list[Account],
    *,
    streams: list[str] | None = None,
    full: bool = False,
    progress: Progress | None = None,
) -> SyncReport:
    """Sync the given accounts under the cache lock; returns the report (it never raises for one account)."""
    from mktcrm.db import dialect

    db = app.store().db
    if dialect.of(db) == dialect.POSTGRESQL:  # team mode: one lock per account, on the server
        from mktcrm.db.locks import sync_locks

        with sync_locks(db, [a.name for a in accounts], app.settings.lock_timeout_seconds):
            return _run_locked(app, accounts, streams, full, progress)

    from filelock import FileLock, Timeout

    lock = FileLock(f"{app.paths.db}.lock")
    try:
        lock.acquire(timeout=app.settings.lock_timeout_seconds)
    except Timeout:
        raise TemporaryError(
            f"another sync is using {app.paths.db} (waited {app.settings.lock_timeout_seconds:.0f} s)",
            hint="let it finish, or raise [sync] lock_timeout_seconds; list and show commands still work",
        ) from None
    try:
        return _run_locked(app, accounts, streams, full, progress)
    finally:
        lock.release()


def _run_locked(
    app: SyncHost, accounts: list[Account], streams: list[str] | None, full: bool, progress: Progress | None
) -> SyncReport:
    store = app.store()
    run_id = store.start_run([a.name for a in accounts])
    reports: list[AccountReport] = []
    status = "interrupted"
    try:
        for account in accounts:
            reports.append(_sync_account(app, store, account, streams, full, progress))
        trim_raw(app, store)
        status = "ok" if all(r.status == "ok" for r in reports) else "partial"
        if reports and all(r.status == "failed" for r in reports):
            status = "failed"
    finally:
        report = SyncReport(run_id, status, reports)
        store.finish_run(run_id, status, report.as_dict())
    return report


def trim_raw(app: SyncHost, store: Store) -> int:
    """Apply `[cache] keep_raw`: orders older than its window lose their raw record (in one transaction)."""
    days = app.settings.keep_raw_days
    if days is None:
        return 0
    with store.transaction():
        return store.trim_raw(iso(app.now() - timedelta(days=days)) or "")


def _sync_account(
    app: SyncHost,
    store: Store,
    account: Account,
    wanted: list[str] | None,
    full: bool,
    progress: Progress | None,
) -> AccountReport:
    started = time.monotonic()
    report = AccountReport(account.name, account.marketplace)
    try:
        connector = app.connector_for(account)
    except MktcrmError as exc:
        report.status, report.error, report.hint, report.exit_code = "failed", exc.message, exc.hint, int(exc.exit_code)
        return report
    offered = {cls.name for cls in connector.streams}
    for name in wanted or []:
        if name not in offered:  # asked for explicitly, but this marketplace has no API for it
            hint = connector.instead.get(f"sync_{name}")
            report.streams.append(
                StreamReport(name, status="unsupported", error=f"not supported by {account.marketplace}", hint=hint)
            )
    try:
        for stream_cls in connector.streams:
            if wanted and stream_cls.name not in wanted:
                continue
            stream_report = StreamReport(stream_cls.name)
            report.streams.append(stream_report)
            if report.error:  # credentials refused or host unreachable: the other streams would fail the same way
                stream_report.status, stream_report.error = "skipped", report.error
                stream_report.exit_code = report.exit_code
                continue
            try:
                _sync_stream(app, store, connector, stream_cls(connector.ctx), stream_report, full, progress)
            except MktcrmError as exc:
                stream_report.status, stream_report.error, stream_report.hint = "failed", exc.message, exc.hint
                stream_report.exit_code = int(exc.exit_code)
                if isinstance(exc, AuthError | HostUnreachableError):
                    report.error, report.exit_code = exc.message, int(exc.exit_code)
            except Exception as exc:  # a bug in one connector must not stop the other accounts
                known = from_environment(exc)  # a full disk or a damaged cache is not a bug
                stream_report.status = "failed"
                if known is not None:
                    stream_report.error, stream_report.hint = known.message, known.hint
                    stream_report.exit_code = int(known.exit_code)
                else:
                    stream_report.error = f"internal error: {type(exc).__name__}: {exc}"
                    stream_report.exit_code = ExitCode.ERROR
                if app.verbose:
                    traceback.print_exc()
    finally:
        connector.ctx.client.close()
    failed = [s for s in report.streams if s.status not in ("ok", "unsupported")]
    if failed:
        everything = len(failed) == len(report.streams) and all(s.status != "partial" for s in failed)
        report.status = "failed" if everything else "partial"
        report.exit_code = report.exit_code or failed[0].exit_code
        report.error = report.error or failed[0].error
        report.hint = report.hint or failed[0].hint
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _since(app: SyncHost, stream: Stream, cursor: str | None, full: bool) -> datetime | None:
    account = stream.ctx.account
    if stream.cursor_field is None:
        return None
    if cursor and not full:
        margin = max(timedelta(minutes=app.settings.lookback_minutes), stream.lookback)
        return parse_time(cursor) - margin  # type: ignore[operator]
    if not account.sync_start or not stream.uses_sync_start:
        return None
    from zoneinfo import ZoneInfo

    start = account.sync_start
    return datetime(start.year, start.month, start.day, tzinfo=ZoneInfo(account.timezone))  # midnight, seller time


def _sync_stream(
    app: SyncHost,
    store: Store,
    connector: Connector,
    stream: Stream,
    report: StreamReport,
    full: bool,
    progress: Progress | None,
) -> None:
    account = connector.ctx.account.name
    signpost = iso(app.now())
    assert signpost is not None
    days = app.settings.keep_raw_days
    raw_before = None if days is None else iso(app.now() - timedelta(days=days))
    writer = TableRows(store, account, connector.ctx.account.marketplace, raw_before)
    state = store.get_state(account, stream.name)
    cursor = state.cursor
    resume = None if full else state.resume
    if resume:
        since = parse_time(resume.get("since"))
        token = resume.get("token")
        max_seen: str | None = resume.get("max_seen")
        report.resumed = True
    else:
        since, token, max_seen = _since(app, stream, cursor, full), None, None
    snapshot = stream.cursor_field is None  # a snapshot stream: every run reads everything
    # Only a stream that marks what went missing needs the ids it saw: kept in the cache, not in memory.
    marks_missing = type(stream).finalize is not Stream.finalize
    if marks_missing:
        store.reset_seen()
    # Pages waiting for their commit, as rows (the decoded records are dropped at once: RSS stays flat).
    batch: list[tuple[dict[str, list[Row]], list[str], int]] = []

    def flush(page: Page, last: bool) -> None:
        """The batch's rows and the position after `page`, its last one, in one transaction."""
        nonlocal cursor
        try:
            with store.transaction():
                for rows, ids, count in batch:
                    if marks_missing:
                        store.note_seen(ids)
                    new, changed = writer.write_rows(rows)
                    report.new += new
                    report.changed += changed
                    report.unchanged += max(count - new - changed, 0)
                if not last:
                    moved = min(max_seen, signpost) if stream.is_sorted and max_seen else cursor
                    resume_at = {"since": iso(since), "token": page.next_token, "max_seen": max_seen}
                    store.set_state(account, stream.name, moved, resume_at)
                else:
                    candidates = [c for c in (cursor, min(max_seen, signpost) if max_seen else None) if c]
                    cursor = max(candidates) if candidates else None
                    if (snapshot or page.snapshot) and not report.resumed and page.complete:
                        for mark in stream.finalize(signpost):
                            table = table_of(mark.kind, (*mark.values, *mark.only_when))
                            store.mark_missing(table, account, mark.values, mark.only_when)
                    store.set_state(account, stream.name, cursor, None)
        finally:  # written or failed: never written twice
            batch.clear()

    started = time.monotonic()
    held: Page | None = None
    try:
        for page in stream.pages(since, token):
            if page.cursor:
                max_seen = max(max_seen or "", page.cursor)
            batch.append((writer.rows(page.records), page.ids if marks_missing else [], page.count))
            held = page
            report.records += page.count
            report.pages += 1
            report.skipped += page.skipped
            report.first_bad = report.first_bad or page.first_bad
            last = page.next_token is None
            if last or len(batch) >= COMMIT_PAGES or time.monotonic() - started >= COMMIT_SECONDS:
                flush(page, last)
                started = time.monotonic()
    except MktcrmError:  # the marketplace failed mid-stream: keep the pages already read, resume after them
        if batch and held is not None:
            flush(held, False)
        raise
    report.cursor = cursor
    if report.skipped:  # never `ok`: the seller's figures miss these records
        report.status, report.exit_code = "partial", ExitCode.PARTIAL
        report.error = (
            f"{account}: {stream.name}: {report.skipped} record(s) skipped as unparseable; first: {report.first_bad}"
        )
        report.hint = "the rest is stored; see docs/marketplaces/ for what the marketplace sent, and report it"
    if progress:
        progress(f"  {account}: {stream.name}: {report.records} records in {report.pages} pages")
