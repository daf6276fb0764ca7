"""The connector registry: marketplace name -> connector class, imported on first use.

Marketplaces are plug-ins found through the `mktcrm.marketplaces` entry-point group (the built-ins
register there too, in pyproject.toml, exactly as a seller's own package would); `register` adds one
at run time (tests). Importing this module reads nothing: the group is read once, on the first ask,
and a connector's module is imported only when that marketplace is asked for.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mktcrm.connectors.base import Connector

GROUP = "mktcrm.marketplaces"
_registered: dict[str, str | type[Connector]] = {}


@cache
def _installed() -> dict[str, str]:
    """name -> "module:Class" for every installed plug-in (the entry points are read once per process)."""
    from importlib.metadata import entry_points

    return {ep.name: ep.value for ep in entry_points(group=GROUP)}


def register(name: str, target: str | type[Connector]) -> None:
    """Add (or replace) a marketplace: a connector class or its "module:Class" path."""
    _registered[name] = target


def unregister(name: str) -> None:
    """Forget a marketplace added with `register` (test isolation); installed ones stay."""
    _registered.pop(name, None)


def _targets() -> dict[str, str | type[Connector]]:
    return {**_installed(), **_registered}


def names() -> list[str]:
    return sorted(_targets())


def get(marketplace: str) -> type[Connector]:
    target = _targets()[marketplace]
    cls: type[Connector] = load(target) if isinstance(target, str) else target  # type: ignore[assignment]
    return cls


def deadline_kinds() -> tuple[str, ...]:
    """Every dispute kind an account may set a deadline for: mktcrm's own, the reviews', and the plug-ins'."""
    from mktcrm.config import DEADLINE_KINDS

    declared = {rule.kind for name in names() for rule in get(name).deadline_rules}
    return (*DEADLINE_KINDS, *sorted(declared - set(DEADLINE_KINDS)))


def config_keys() -> dict[str, dict[str, tuple[type, bool, str]]]:
    """Every marketplace's account keys, for config validation."""
    return {name: dict(get(name).config_keys) for name in names()}  # type: ignore[arg-type]


def load(target: str) -> object:
    """The object a "module:attribute" string names (a connector's lazily loaded charter pack, sandbox…)."""
    module, _, attr = target.partition(":")
    return getattr(import_module(module), attr)
