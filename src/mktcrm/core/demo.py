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

if TYPE_CHECKING:
    from mktcrm.config import Account
    from mktcrm.core.deps import Deps

BLOCKED_EXAMPLE = (
    "Merci !! Écrivez-nous à contact@maison-dupont.fr : un bon de réduction de 10 % vous attend"
    " si vous passez votre avis à 5 étoiles."
)


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
    header = "# Written by `mktcrm demo`: sandbox marketplaces served in-process, no network.\n"
    cfg.write_private(home / "config.toml", header + tomli_w.dumps(doc))
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
