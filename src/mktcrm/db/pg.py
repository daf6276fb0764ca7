"""The PostgreSQL backend behind the sqlite3-like API the rest of mktcrm already uses.

`execute`, `executemany`, `fetchone/fetchall`, iteration, `rowcount`, rows read by position or by
name, `dict(row)`, `in_transaction`: the connection is in autocommit mode like the SQLite one, and
`store.transaction()` groups writes with BEGIN/COMMIT. Each statement is translated once
(`dialect.to_postgresql`). psycopg is imported here only, so SQLite users never load it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from psycopg.adapt import Dumper, Loader
from psycopg.pq import TransactionStatus

from mktcrm.db.dialect import POSTGRESQL, to_postgresql
from mktcrm.errors import MktcrmError, TemporaryError

CONNECT_TIMEOUT_S = 10


class Row(tuple):  # type: ignore[type-arg]
    """A result row like `sqlite3.Row`: by position, by column name, and `dict(row)`."""

    _index: dict[str, int]

    def __new__(cls, values: Sequence[Any], index: dict[str, int]) -> Row:
        row = super().__new__(cls, values)
        row._index = index
        return row

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            return super().__getitem__(self._index[key])
        return super().__getitem__(key)

    def keys(self) -> list[str]:
        return list(self._index)


def _rows(cursor: psycopg.Cursor[Any]) -> Any:
    index = {d.name: i for i, d in enumerate(cursor.description or ())}
    return lambda values: Row(values, index)


class _BoolAsInt(Dumper):
    """Python booleans go into INTEGER columns as 1/0, as they do in SQLite."""

    oid = psycopg.adapters.types["int4"].oid

    def dump(self, obj: bool) -> bytes:
        return b"1" if obj else b"0"


class _NumericAsNumber(Loader):
    """`sum()` of BIGINT is NUMERIC on PostgreSQL: read it back as the int (or float) SQLite would give."""

    def load(self, data: Any) -> int | float:
        text = bytes(data)
        return float(text) if b"." in text or b"e" in text.lower() else int(text)


class PgConnection:
    """One psycopg connection in autocommit mode, speaking the sqlite3 dialect of the callers."""

    dialect = POSTGRESQL

    def __init__(self, conn: psycopg.Connection[Any], url: str) -> None:
        self._conn = conn
        self.url = url

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> psycopg.Cursor[Any]:
        return self._conn.execute(to_postgresql(sql), params)  # type: ignore[arg-type]

    def executemany(self, sql: str, params: Iterable[Sequence[Any]]) -> psycopg.Cursor[Any]:
        cur = self._conn.cursor()
        cur.executemany(to_postgresql(sql), list(params))  # type: ignore[arg-type]
        return cur

    @property
    def in_transaction(self) -> bool:
        return self._conn.info.transaction_status != TransactionStatus.IDLE

    @property
    def backend_pid(self) -> int:
        return int(self._conn.info.backend_pid)

    def close(self) -> None:
        self._conn.close()


def redact(url: str) -> str:
    """The URL with any password replaced: safe to print."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def connect(url: str, *, password: str | None = None, application: str = "mktcrm") -> PgConnection:
    """Open the shared database; `password` (from the secrets file) is used only when the URL and
    PGPASSWORD give none. Errors name the database without its password."""
    kwargs: dict[str, Any] = {"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_S, "application_name": application}
    if password and not os.environ.get("PGPASSWORD"):
        kwargs["password"] = password
    try:
        conn = psycopg.connect(url, **kwargs)
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else "connection failed"
        raise TemporaryError(
            f"cannot reach the database {redact(url)}: {reason}",
            hint="check the host, the port, the user and PGPASSWORD (or [cache] password_env); see docs/team.md",
        ) from None
    except psycopg.ProgrammingError as exc:
        raise MktcrmError(f"bad database URL {redact(url)}: {exc}", hint="postgresql://USER@HOST:PORT/DB") from None
    conn.row_factory = _rows
    conn.adapters.register_dumper(bool, _BoolAsInt)
    conn.adapters.register_loader("numeric", _NumericAsNumber)
    return PgConnection(conn, url)
