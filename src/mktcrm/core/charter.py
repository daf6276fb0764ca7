"""The communication charter (DESIGN §6): lint a text against the brand's rules and a marketplace's policy.

Packs stack: `brand` (built-in rules plus config `[brand]`), then the marketplace pack, then its target
(`ebay.feedback_reply`, `amazon.buyer_message`…); a rule id defined again in a later pack replaces the
earlier one, so a marketplace can be stricter or cite its own policy. Each connector declares its pack
(`Connector.charter_pack`); the engine and the brand pack live in `mktcrm.charter`. Offline and pure: no
config, database or network is touched here. Not imported by `mktcrm --help` (regexes compile on first use).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mktcrm import connectors
from mktcrm.charter import brand as brand_pack
from mktcrm.charter.engine import CHECKED, Finding, Pack, Rule, Severity, layer, run
from mktcrm.errors import UsageError

__all__ = [
    "CHECKED",
    "Finding",
    "Rule",
    "Severity",
    "check",
    "default_target",
    "marketplaces",
    "resolve",
    "rules",
    "targets",
]


def marketplaces() -> list[str]:
    """The marketplaces whose connector declares a charter pack."""
    return [name for name in connectors.names() if connectors.get(name).charter_pack]


def _pack(marketplace: str) -> Pack:
    name = marketplace.lower()
    if name not in marketplaces():
        raise UsageError(f"unknown marketplace {marketplace!r}", hint=f"use one of: {', '.join(marketplaces())}")
    pack: Pack = connectors.load(connectors.get(name).charter_pack)  # type: ignore[assignment]
    return pack


def targets(marketplace: str) -> list[str]:
    """What a text can be on this marketplace (feedback_reply, message…), default first."""
    pack = _pack(marketplace)
    return [pack.default_target, *(t for t in pack.targets if t != pack.default_target)]


def default_target(marketplace: str) -> str:
    return _pack(marketplace).default_target


def _target(pack: Pack, target: str | None) -> str:
    if not target:
        return pack.default_target
    name = target.lower().removeprefix(f"{pack.name}.")
    if name not in pack.targets:
        valid = ", ".join(targets(pack.name))
        raise UsageError(f"unknown target {target!r} for {pack.name}", hint=f"use one of: {valid}")
    return name


def resolve(
    marketplace: str | None = None, target: str | None = None, brand: Mapping[str, Any] | None = None
) -> list[Rule]:
    """The rules that apply: brand only without a marketplace, else brand + marketplace + target."""
    base = brand_pack.rules(brand)
    if marketplace is None:
        if target:
            raise UsageError(f"--target {target} needs a marketplace", hint="add --marketplace or --account")
        return base
    pack = _pack(marketplace)
    return layer(base, pack.resolve(_target(pack, target)))


def check(
    text: str, marketplace: str | None = None, target: str | None = None, brand: Mapping[str, Any] | None = None
) -> list[Finding]:
    """Findings for `text`, in reading order. Any `severity == "error"` finding must block sending."""
    return run(resolve(marketplace, target, brand), text)


def rules(marketplace: str | None = None, brand: Mapping[str, Any] | None = None) -> list[Rule]:
    """Every rule, pack by pack (brand, then each marketplace and its targets), for listing with sources."""
    chosen = [_pack(name) for name in ([marketplace] if marketplace else marketplaces())]
    out = list(brand_pack.rules(brand))
    for pack in chosen:
        out.extend(pack.rules)
        for name in targets(pack.name):
            out.extend(pack.targets[name])
    return out
