"""The connector registry: marketplace name -> connector class, imported on first use.

Built-in connectors register exactly as a plugin would (one entry each); adding a marketplace
is one package here plus its sandbox module.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mktcrm.connectors.base import Connector

REGISTRY: dict[str, str] = {
    "amazon": "mktcrm.connectors.amazon:AmazonConnector",
    "ebay": "mktcrm.connectors.ebay:EbayConnector",
    "etsy": "mktcrm.connectors.etsy:EtsyConnector",
    "mirakl": "mktcrm.connectors.mirakl:MiraklConnector",
}


def names() -> list[str]:
    return sorted(REGISTRY)


def get(marketplace: str) -> type[Connector]:
    module, _, attr = REGISTRY[marketplace].partition(":")
    cls: type[Connector] = getattr(import_module(module), attr)
    return cls


def config_keys() -> dict[str, dict[str, tuple[type, bool, str]]]:
    """Every marketplace's account keys, for config validation."""
    return {name: dict(get(name).config_keys) for name in names()}  # type: ignore[arg-type]
