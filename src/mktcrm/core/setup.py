"""`init` and `config check`: the config file a seller starts from, and whether theirs can be used."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mktcrm import config as cfg
from mktcrm import connectors
from mktcrm.core.templates import check_all, write_defaults
from mktcrm.errors import UsageError

if TYPE_CHECKING:
    from mktcrm.config import Settings


def template_text() -> str:
    return resources.files("mktcrm").joinpath("config.example.toml").read_text(encoding="utf-8")


def init(path: Path, *, force: bool) -> None:
    """Write the commented config (mode 0600) and the default reply templates next to it."""
    if path.exists() and not force:
        raise UsageError(f"{path} already exists", hint="edit it, or pass --force to replace it")
    cfg.write_private(path, template_text())
    write_defaults(path.parent / "templates", force=force)


def check_config(settings: Settings, secrets_path: Path) -> int:
    """Every template compiles, and every account's marketplace, host and secrets are set (exit 4 naming the
    first that is not); how many accounts."""
    if not settings.exists:
        raise cfg.ConfigError(f"no config file at {settings.path}", hint="run: mktcrm init")
    for account in settings.accounts:
        connector = connectors.get(account.marketplace)
        connector.base_url(account)
        for key in connector.secret_keys:
            cfg.secret(account, key, secrets_path)
    check_all(settings.path.parent / "templates", settings.templates)
    return len(settings.accounts)


def account_rows(settings: Settings) -> list[dict[str, Any]]:
    """`accounts`: each configured account, its host, and its marketplace's capabilities."""
    rows = []
    for account in settings.accounts:
        connector = connectors.get(account.marketplace)
        rows.append(
            {
                "account": account.name,
                "marketplace": account.marketplace,
                "base_url": str(account.get(connector.url_key) or connector.default_base_url),
                "enabled": account.enabled,
                "capability_matrix": dict(connector.capabilities),
            }
        )
    return rows
