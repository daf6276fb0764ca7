"""What core functions that write or send receive instead of the whole application context.

A narrow bundle keeps core testable on its own: a test builds one with a fixed clock and the
sandbox's connector factory, and nothing else of the CLI is needed. `AppContext.deps()` builds the
real one, so commands stay one-liners.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from mktcrm.timeutil import iso

if TYPE_CHECKING:
    from mktcrm.config import Account, Settings
    from mktcrm.connectors.base import Connector
    from mktcrm.db.store import Store


@dataclass(frozen=True)
class Deps:
    db: sqlite3.Connection
    settings: Settings
    now: Callable[[], datetime]
    connector_for: Callable[[Account], Connector]
    templates_dir: Path  # the seller's own templates, next to config.toml
    lock_path: Path  # one sender at a time per cache (see core.outbox.outbox_lock)
    operator: str = ""  # who acts (`--as`, [team] operator, the OS user): recorded on what they write

    def store(self) -> Store:
        from mktcrm.db.store import Store

        return Store(self.db)

    def stamp(self) -> str:
        """Now, in the cache's one time format."""
        return iso(self.now()) or ""


class Services(Protocol):
    """What core's read and write functions use: the cache, the settings, the clock, the connectors.

    Both `Deps` and the CLI's `AppContext` provide it, so core never depends on the layer above it.
    """

    @property
    def db(self) -> sqlite3.Connection: ...

    @property
    def settings(self) -> Settings: ...

    def now(self) -> datetime: ...

    def connector_for(self, account: Account) -> Connector: ...

    def store(self) -> Store: ...

    @property
    def operator(self) -> str: ...
