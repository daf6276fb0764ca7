"""The demo's script: a throwaway home with sandbox accounts, and the replies it makes to show the outbox.

`mktcrm demo` prints what these return; the steps and their choices (which reviews get thanked,
which text the charter refuses) live here so the command only renders.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mktcrm import config as cfg
from mktcrm import connectors
from mktcrm.connectors.base import API
from mktcrm.core import replies
from mktcrm.core.reviews import listing as reviews
from mktcrm.errors import UsageError

if TYPE_CHECKING:
    from mktcrm.config import Account
    from mktcrm.core.deps import Deps

HEADER = "# Written by `mktcrm demo`: sandbox marketplaces served in-process, no network.\n"
# The files a demo home holds: rebuilding a demo removes these and nothing else.
DEMO_FILES = ("config.toml", "secrets.toml", "mktcrm.db", "mktcrm.db-wal", "mktcrm.db-shm", "mktcrm.db.lock")

BLOCKED_EXAMPLE = (
    "Merci !! Écrivez-nous à contact@maison-dupont.fr : un bon de réduction de 10 % vous attend"
    " si vous passez votre avis à 5 étoiles."
)


def is_demo_home(folder: Path) -> bool:
    """A folder `write_home` made: its config starts with the demo's header."""
    try:
        with (folder / "config.toml").open(encoding="utf-8") as fh:
            return fh.readline() == HEADER
    except (OSError, UnicodeDecodeError):
        return False


def demo_folder(wanted: Path | None) -> Path:
    """The folder to build the demo in: a new temporary one, an empty one, or a demo home (its demo files
    removed, so the same seed gives the same data); anything else is refused — never a seller's real home."""
    import tempfile

    if wanted is None:
        return Path(tempfile.mkdtemp(prefix="mktcrm-demo-")).resolve()
    folder = wanted.expanduser().resolve()
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is not a folder", hint="give --home (or MKTCRM_HOME) a new or empty folder")
    if folder.exists() and any(folder.iterdir()):
        if not is_demo_home(folder):
            raise UsageError(
                f"{folder} is not empty and holds no demo",
                hint="give --home a new or empty folder, or unset MKTCRM_HOME for a temporary one",
            )
        for name in DEMO_FILES:
            (folder / name).unlink(missing_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_home(home: Path, orders: int, seed: int, anchor: str) -> cfg.Paths:
    """A config and a 0600 secrets file pointing at in-process sandbox marketplaces; the paths to use them."""
    import tomli_w

    from mktcrm.sandbox.accounts import demo_accounts, sandbox_account

    accounts = []
    secrets: dict[str, str] = {}
    for marketplace, name in demo_accounts():
        account, account_secrets = sandbox_account(marketplace, name, f"seed={seed}&orders={orders}&anchor={anchor}")
        accounts.append(account)
        secrets.update(account_secrets)
    doc = {
        "defaults": {"currency": "EUR", "timezone": "Europe/Paris"},
        "brand": {"signature": "L'équipe Maison Dupont", "forbidden": ["pas de chance"]},
        "accounts": accounts,
    }
    cfg.write_private(home / "config.toml", HEADER + tomli_w.dumps(doc))
    cfg.write_private(home / "secrets.toml", tomli_w.dumps(secrets))
    return cfg.Paths(config=home / "config.toml", secrets=home / "secrets.toml", db=home / "mktcrm.db", home=home)


def thank_newest(deps: Deps, accounts: list[Account], per_account: int = 2) -> dict[str, int]:
    """Answer each account's newest unanswered 5-star reviews with `thanks`: how many were sent, and how many
    became tasks."""
    counts = {"sent": 0, "task": 0}
    for account in accounts:
        newest = reviews(deps.db, accounts=[account.name], ratings=(5, None), unanswered=True, limit=per_account)
        for review in list(newest):
            outcome = replies.submit(deps, replies.make_draft(deps, review, template="thanks", text=None))
            if outcome.state in counts:
                counts[outcome.state] += 1
    return counts


def refused_example(deps: Deps, accounts: list[Account]) -> replies.Draft | None:
    """`BLOCKED_EXAMPLE` drafted (never sent) for an unanswered review on a marketplace with a reply API."""
    by_api = [a.name for a in accounts if connectors.get(a.marketplace).capabilities["reply_review"] == API]
    if not by_api:
        return None
    sample = next(iter(reviews(deps.db, accounts=by_api[:1], unanswered=True, limit=1)), None)
    if sample is None:
        return None
    return replies.make_draft(deps, sample, template=None, text=BLOCKED_EXAMPLE)
