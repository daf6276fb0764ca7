"""The reason codes each account's marketplace accepts to open or resolve a dispute, with their labels.

Read from the connectors (Mirakl asks its instance, RE01; eBay declares its one resolve code), so
`disputes reasons`, the error of a refused code and shell completion all show the same list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mktcrm.errors import MktcrmError

if TYPE_CHECKING:
    from mktcrm.config import Account
    from mktcrm.core.deps import Services

ACTIONS = ("open", "resolve")
# The capability behind each action: where it is not `api`, any code is kept with a local dispute.
CAPABILITY = {"open": "open_dispute", "resolve": "resolve_dispute"}


@dataclass
class Reasons:
    rows: list[dict[str, Any]] = field(default_factory=list)
    free: list[str] = field(default_factory=list)  # "account: action" that take any code (kept locally)
    failed: list[MktcrmError] = field(default_factory=list)  # accounts that could not be asked


def collect(app: Services, accounts: list[Account], actions: tuple[str, ...] = ACTIONS) -> Reasons:
    """Every (account, action, code, label); one unreachable account is reported, the others still listed."""
    found = Reasons()
    for account in accounts:
        try:
            connector = app.connector_for(account)
        except MktcrmError as exc:
            found.failed.append(exc)
            continue
        try:
            for action in actions:
                codes = connector.dispute_reasons(action)
                found.rows += [
                    {
                        "account": account.name,
                        "marketplace": account.marketplace,
                        "action": action,
                        "code": code,
                        "label": label,
                    }
                    for code, label in codes.items()
                ]
                if not codes:
                    remote = connector.capabilities.get(CAPABILITY[action]) == "api"
                    kept = "the marketplace takes no code" if remote else "kept with the local dispute"
                    found.free.append(f"{account.name}: {action}: any code ({kept})")
        except MktcrmError as exc:
            found.failed.append(exc)
        finally:
            connector.ctx.client.close()
    return found
