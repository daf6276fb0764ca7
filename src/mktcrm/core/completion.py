"""What shell completion offers, read cheaply on every Tab: names from the config file as written (no
validation, no connector registry) and ids from the cache opened read-only (never created, never migrated).

Completion must never fail loudly or write anything: any problem gives no candidates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mktcrm.config import Paths
    from mktcrm.core.deps import Services

Candidate = tuple[str, str]  # (value, help shown beside it by zsh and fish)


def _config(paths: Paths) -> dict[str, Any]:
    import tomllib

    try:
        with paths.config.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def accounts(paths: Paths, incomplete: str) -> list[Candidate]:
    found = []
    for table in _config(paths).get("accounts") or []:
        name = table.get("name") if isinstance(table, dict) else None
        if isinstance(name, str) and name.startswith(incomplete):
            found.append((name, str(table.get("marketplace", ""))))
    return found


def templates(paths: Paths, incomplete: str) -> list[Candidate]:
    """Every template name, and each base name (`thanks` for `thanks.fr`) as --template resolves it."""
    from mktcrm.core.templates import available

    inline = _config(paths).get("templates")
    try:
        found = available(paths.config.parent / "templates", inline if isinstance(inline, dict) else {})
    except Exception:  # an unreadable template file: no candidates rather than a traceback in the shell
        return []
    names = {name: template.origin for name, template in found.items()}
    for name in list(names):
        base = name.split(".")[0]
        names.setdefault(base, "picks the review's language")
    return sorted((n, origin) for n, origin in names.items() if n.startswith(incomplete))


def dispute_ids(paths: Paths, incomplete: str, account: str | None = None, limit: int = 100) -> list[Candidate]:
    """Dispute ids starting with what was typed, with account, kind and status beside each."""
    import sqlite3

    from mktcrm.db import disputes

    if not paths.db.is_file():
        return []
    try:
        db = sqlite3.connect(f"{paths.db.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return []
    db.row_factory = sqlite3.Row
    try:
        return [
            (str(row["id"]), f"{row['account']} {row['kind']} {row['status']}")
            for row in disputes.completion_candidates(db, incomplete, account, limit)
        ]
    except sqlite3.Error:
        return []
    finally:
        db.close()


def reasons(app: Services, action: str, incomplete: str, account: str | None, typed: str | None) -> list[Candidate]:
    """Reason codes for `action` on the account of `typed` (an order for open, a dispute for resolve), or
    on `account`, or on every account; each code once, with its label."""
    from mktcrm.core import dispute_reasons, dispute_views, disputes
    from mktcrm.errors import MktcrmError

    try:
        if account is None and typed and action == "open":
            account = dispute_views.account_for_order(app, typed, None).name
        elif account is None and typed:
            account = disputes.find(app, typed)["account"]
        chosen = [app.settings.account(account)] if account else app.settings.accounts
        found = dispute_reasons.collect(app, chosen, (action,))
    except MktcrmError:
        return []
    labels: dict[str, str] = {}
    for row in found.rows:
        labels.setdefault(row["code"], row["label"])
    return [(code, label) for code, label in labels.items() if code.startswith(incomplete)]
