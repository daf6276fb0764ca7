"""Sandbox marketplaces: seeded fakes that follow the real seller-API contracts (see ``shared/specs``).

``open_sandbox("sandbox://mirakl/intermarche?seed=7&orders=40")`` returns a process-wide instance whose
``handler`` plugs into ``httpx.MockTransport``; ``server.serve`` exposes the same handler on 127.0.0.1.
Only the stdlib is imported here so that importing the package stays cheap for the CLI.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from .mirakl import Faults, MiraklSandbox

__all__ = ["Faults", "MiraklSandbox", "open_sandbox", "reset_sandboxes"]

MARKETPLACES = ("mirakl",)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_PARAMS = ("seed", "orders", "anchor", "key", "shop_id", "days")
_registry: dict[tuple[str, str, tuple[tuple[str, str], ...]], MiraklSandbox] = {}
_lock = threading.Lock()


def open_sandbox(url: str) -> MiraklSandbox:
    """Sandbox for a ``sandbox://<marketplace>/<name>?seed=&orders=&anchor=&key=&shop_id=&days=`` URL.

    The same URL gives the same object within a process, so tests can mutate data or inject faults
    between CLI invocations. Bad URLs raise ValueError with the valid choices.
    """
    parts = urlsplit(url)
    if parts.scheme != "sandbox":
        raise ValueError(f"not a sandbox URL (expected sandbox://<marketplace>/<name>): {url!r}")
    market = parts.netloc.lower()
    if market not in MARKETPLACES:
        raise ValueError(f"unknown sandbox marketplace {market!r}; valid: {', '.join(MARKETPLACES)}")
    name = parts.path.strip("/").lower()
    if not _NAME.match(name):
        raise ValueError(f"invalid sandbox name {name!r}: use lowercase letters, digits, '-' or '_'")
    query = tuple(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    unknown = sorted({k for k, _ in query} - set(_PARAMS))
    if unknown:
        raise ValueError(f"unknown sandbox parameter {unknown[0]!r}; valid: {', '.join(_PARAMS)}")
    ident = (market, name, query)
    with _lock:
        sandbox = _registry.get(ident)
        if sandbox is None:
            from .mirakl import MiraklSandbox

            sandbox = _registry[ident] = MiraklSandbox(name, **_options(dict(query)))
        return sandbox


def _options(query: dict[str, str]) -> dict[str, Any]:
    """Typed constructor options from the URL query; defaults live in MiraklSandbox."""
    opts: dict[str, Any] = {}
    for field in ("seed", "orders", "shop_id", "days"):
        if field in query:
            try:
                opts[field] = int(query[field])
            except ValueError:
                raise ValueError(f"sandbox parameter {field!r} must be an integer, got {query[field]!r}") from None
            if opts[field] < 0 or (field == "days" and opts[field] == 0):
                raise ValueError(f"sandbox parameter {field!r} must be positive")
    if "anchor" in query:
        try:
            opts["anchor"] = date.fromisoformat(query["anchor"])
        except ValueError:
            raise ValueError(f"sandbox parameter 'anchor' must be YYYY-MM-DD, got {query['anchor']!r}") from None
    else:
        opts["anchor"] = datetime.now(UTC).date()
    if "key" in query:
        if not query["key"]:
            raise ValueError("sandbox parameter 'key' must not be empty")
        opts["key"] = query["key"]
    return opts


def reset_sandboxes() -> None:
    """Forget every sandbox opened in this process (test isolation)."""
    with _lock:
        _registry.clear()


def __getattr__(name: str) -> Any:
    """Lazy access to the httpx-based classes so ``import mktcrm.sandbox`` stays stdlib-only."""
    if name in ("MiraklSandbox", "Faults"):
        from . import mirakl

        return getattr(mirakl, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
