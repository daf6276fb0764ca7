"""AppContext: the one object built per invocation (gh's Factory).

It resolves paths, loads settings and opens the cache lazily, so `mktcrm --help` and
`mktcrm config path` touch neither. It is also the single seam that decides which transport an
account's HTTP client uses: `sandbox://…` base URLs are served in-process by `mktcrm.sandbox`,
everything else goes over the network. Nothing else in the tool is swapped for tests or the demo.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from mktcrm import config as cfg
from mktcrm.errors import ConfigError
from mktcrm.output import Output

if TYPE_CHECKING:
    import sqlite3

    import httpx

    from mktcrm.connectors.base import Connector
    from mktcrm.core.deps import Deps
    from mktcrm.db.store import Store
    from mktcrm.http.client import ApiClient

SANDBOX_SCHEME = "sandbox://"
# A config that may name a shared database: a `[cache]` table or a `cache.…`/`cache = {…}` key.
_NAMES_CACHE = re.compile(rb"^\s*(\[\s*cache\s*\]|cache\s*[.=])", re.M)


def _application(operator: str) -> str:
    """How this run shows in pg_stat_activity and in "being synced by …" messages (63 bytes at most)."""
    import socket

    return f"mktcrm {operator}@{socket.gethostname()} pid {os.getpid()}"[:63]


def operator_name(configured: str | None) -> str:
    """`--as`/`[team] operator`, else the login name of the OS user running mktcrm."""
    if configured:
        return configured
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


@dataclass
class AppContext:
    paths: cfg.Paths
    verbose: bool = False
    no_color: bool = False
    _settings: cfg.Settings | None = field(default=None, repr=False)
    _db: sqlite3.Connection | None = field(default=None, repr=False)
    acting_as: str | None = None  # `--as NAME`

    @classmethod
    def create(cls, config: Path | None, db: Path | str | None, *, verbose: bool, no_color: bool) -> AppContext:
        return cls(paths=cfg.Paths.resolve(config, db), verbose=verbose, no_color=no_color)

    def output(
        self, fmt: str = "auto", fields: str | None = None, *, json_: bool = False, quiet: bool = False
    ) -> Output:
        out = Output("json" if json_ else fmt, fields, no_color=self.no_color, quiet=quiet)
        out.why_empty = self.nothing_synced
        return out

    def nothing_synced(self) -> tuple[str, str] | None:
        """(what, what to run) when the cache a command just read has never been synced: a first run's
        empty list is not "no rows match". None when the command never opened the cache."""
        if self._db is None:
            return None
        if self._db.execute("SELECT 1 FROM sync_state LIMIT 1").fetchone() is not None:
            return None
        if not self.paths.config.exists():
            return "Nothing is synced yet, and there is no config.", "run `mktcrm init`, or try `mktcrm demo`"
        return "Nothing is synced yet.", "run `mktcrm sync` to pull listings, orders, reviews and disputes"

    def now(self) -> datetime:
        return datetime.now(UTC)

    @property
    def settings(self) -> cfg.Settings:
        if self._settings is None:
            from mktcrm import connectors

            self._settings = cfg.load(
                self.paths.config,
                marketplace_keys=connectors.config_keys(),
                deadline_kinds=connectors.deadline_kinds(),
            )
        return self._settings

    @property
    def db_url(self) -> str | None:
        """The shared PostgreSQL database, when `--db` or `[cache] url` names one (team mode)."""
        if self.paths.db_url or self.paths.db_given:
            return self.paths.db_url
        if not self.paths.config.exists():
            return None
        if self._settings is None and not self._may_name_cache():
            return None  # no `[cache]` in the config: the cache file, without loading every plug-in to validate it
        return self.settings.cache_url

    def _may_name_cache(self) -> bool:
        try:
            return bool(_NAMES_CACHE.search(self.paths.config.read_bytes()))
        except OSError:
            return True  # unreadable: loading the settings says why, in one line

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            url = self.db_url
            if url:
                self._db = self.open_url(url)
            else:
                from mktcrm.db.connect import connect

                self._db = connect(self.paths.db)
        return self._db

    def open_url(self, url: str, *, apply: bool = True) -> sqlite3.Connection:
        """A PostgreSQL database (team mode), its password from `[cache] password_env` (environment or secrets)."""
        from mktcrm.db.connect import connect_url

        name = self.settings.cache_password_env
        password = os.environ.get(name) or cfg.read_secrets(self.paths.secrets).get(name)
        return connect_url(url, password=password, application=_application(self.operator), apply=apply)  # type: ignore[no-any-return]

    @property
    def operator(self) -> str:
        """Who is running this: `[team] operator`, else the OS user."""
        return operator_name(self.acting_as or (self.settings.operator if self.paths.config.exists() else None))

    def store(self) -> Store:
        from mktcrm.db.store import Store

        return Store(self.db)

    def deps(self) -> Deps:
        """The narrow bundle core functions that write or send take (opens settings and the cache)."""
        from mktcrm.core.deps import Deps

        return Deps(
            db=self.db,
            settings=self.settings,
            now=self.now,
            connector_for=self.connector_for,
            templates_dir=self.paths.config.parent / "templates",
            lock_path=Path(f"{self.paths.db}.outbox.lock"),
            operator=self.operator,
        )

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # ---- marketplaces ------------------------------------------------------------------
    def transport_for(self, base_url: str) -> tuple[str, httpx.BaseTransport | None]:
        """The URL httpx should use and the transport behind it (None = the real network)."""
        if base_url.startswith(SANDBOX_SCHEME):
            import httpx

            from mktcrm.sandbox import open_sandbox

            try:
                sandbox = open_sandbox(base_url)
            except (ValueError, KeyError) as exc:
                raise ConfigError(f"bad sandbox URL {base_url!r}: {exc}") from None
            return sandbox.base_url, httpx.MockTransport(sandbox.handler)
        return base_url, None

    def client_for(self, account: cfg.Account) -> ApiClient:
        from mktcrm import connectors
        from mktcrm.http.client import ApiClient, RetryPolicy
        from mktcrm.http.limits import Limiter

        connector = connectors.get(account.marketplace)
        settings = self.settings
        url, transport = self.transport_for(connector.base_url(account))
        auth = connector.auth(account, cfg.AccountSecrets(account, self.paths.secrets))
        names = [str(account.get(k)) for k in connector.secret_keys if account.get(k)]
        return ApiClient(
            url,
            account=account.name,
            auth=auth,
            transport=transport,
            policy=RetryPolicy(
                tries=settings.retries, backoff=settings.backoff_seconds, budget=settings.retry_budget_seconds
            ),
            log=(lambda line: print(f"debug: {account.name}: {line}", file=sys.stderr)) if self.verbose else None,
            secret_hint=f"check {' and '.join(names)} (environment or {self.paths.secrets})" if names else "",
            limiter=Limiter(
                connector.rate_limits, announce=lambda line: print(f"{account.name}: {line}", file=sys.stderr)
            ),
        )

    def connector_for(self, account: cfg.Account) -> Connector:
        from mktcrm import connectors
        from mktcrm.connectors.base import StreamContext

        client = self.client_for(account)
        ctx = StreamContext(
            account=account,
            client=client,
            page_size=self.settings.page_size,
            concurrency=self.settings.concurrency,
        )
        return connectors.get(account.marketplace)(ctx)
