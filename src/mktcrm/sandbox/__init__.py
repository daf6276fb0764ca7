"""Sandbox marketplaces: seeded fakes that follow the real seller-API contracts (see ``shared/specs``).

``open_sandbox("sandbox://mirakl/intermarche?seed=7&orders=40")`` returns a process-wide instance whose
``handler`` plugs into ``httpx.MockTransport``; ``server.serve`` exposes the same handler on 127.0.0.1.
Each marketplace's sandbox lives in its connector package and is named by ``Connector.sandbox``; this
package holds the generic machinery. Only the stdlib is imported here so that importing it stays cheap.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from .base import Faults, Observer, SandboxBase

__all__ = ["OBSERVERS", "Faults", "SandboxBase", "open_sandbox", "reset_sandboxes", "sandbox_class"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_COMMON = ("seed", "orders", "anchor", "days")
_registry: dict[tuple[str, str, tuple[tuple[str, str], ...]], SandboxBase] = {}
_lock = threading.Lock()
# Called with (sandbox, request, response) after every answer; the contract tests register here.
OBSERVERS: list[Observer] = []


def sandbox_class(market: str) -> type[SandboxBase]:
    """The SandboxBase subclass a marketplace's connector declares (it names its extra URL PARAMS)."""
    from mktcrm import connectors

    known = [name for name in connectors.names() if connectors.get(name).sandbox]
    if market not in known:
        raise ValueError(f"unknown sandbox marketplace {market!r}; valid: {', '.join(known)}")
    cls: type[SandboxBase] = connectors.load(connectors.get(market).sandbox)  # type: ignore[assignment]
    return cls


def open_sandbox(url: str) -> SandboxBase:
    """Sandbox for a ``sandbox://<marketplace>/<name>?seed=&orders=&anchor=&days=&…`` URL.

    The same URL gives the same object within a process, so tests can mutate data or inject faults
    between CLI invocations. Bad URLs raise ValueError with the valid choices.
    """
    parts = urlsplit(url)
    if parts.scheme != "sandbox":
        raise ValueError(f"not a sandbox URL (expected sandbox://<marketplace>/<name>): {url!r}")
    market = parts.netloc.lower()
    cls = sandbox_class(market)
    name = parts.path.strip("/").lower()
    if not _NAME.match(name):
        raise ValueError(f"invalid sandbox name {name!r}: use lowercase letters, digits, '-' or '_'")
    query = tuple(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    valid = (*_COMMON, *cls.PARAMS)
    unknown = sorted({k for k, _ in query} - set(valid))
    if unknown:
        raise ValueError(f"unknown sandbox parameter {unknown[0]!r}; valid: {', '.join(valid)}")
    ident = (market, name, query)
    with _lock:
        sandbox = _registry.get(ident)
        if sandbox is None:
            sandbox = _registry[ident] = cls(name, **_options(dict(query), cls.PARAMS))
        return sandbox


def _options(query: dict[str, str], extra: dict[str, Any]) -> dict[str, Any]:
    """Typed constructor options from the URL query; defaults live in the sandbox classes."""
    opts: dict[str, Any] = {}
    for field in ("seed", "orders", "days"):
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
    for name, parse in extra.items():
        if name in query:
            try:
                opts[name] = parse(query[name])
            except ValueError:
                raise ValueError(f"sandbox parameter {name!r} is invalid: {query[name]!r}") from None
    return opts


def reset_sandboxes() -> None:
    """Forget every sandbox opened in this process (test isolation)."""
    with _lock:
        _registry.clear()


def __getattr__(name: str) -> Any:
    """Lazy access to the httpx-based classes so ``import mktcrm.sandbox`` stays stdlib-only."""
    if name in ("SandboxBase", "Faults"):
        from . import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
