"""`mktcrm doctor`: is every account usable right now? Credentials, reachability, clock."""

from __future__ import annotations

import email.utils
import time
from typing import TYPE_CHECKING, Any

from mktcrm.errors import ExitCode, MktcrmError

if TYPE_CHECKING:
    from mktcrm.config import Account
    from mktcrm.core.deps import Services

# Tokens and signed URLs go wrong past a few minutes of skew.
MAX_SKEW_S = 300


def check_account(app: Services, account: Account) -> dict[str, Any]:
    """One row: status ok/fail, how long the check took, the server's clock offset, and what we learnt.

    `exit_code` says what kind of failure it is (4 credentials or config, 5 busy or unreachable, 1 other),
    so a cron job can tell "fix the key" from "try again later".
    """
    row: dict[str, Any] = {
        "account": account.name,
        "marketplace": account.marketplace,
        "status": "fail",
        "latency_ms": None,
        "clock_skew_s": None,
        "detail": "",
        "exit_code": 0,
    }
    started = time.monotonic()
    try:
        connector = app.connector_for(account)
    except MktcrmError as exc:
        row["detail"], row["exit_code"] = exc.message + (f" ({exc.hint})" if exc.hint else ""), int(exc.exit_code)
        return row
    client = connector.ctx.client
    try:
        result = connector.check()
        row["status"], row["detail"] = ("ok" if result.ok else "fail"), result.detail
        row["exit_code"] = 0 if result.ok else int(ExitCode.CONFIG)  # e.g. the token is another seller's
    except MktcrmError as exc:
        row["detail"], row["exit_code"] = exc.message + (f" ({exc.hint})" if exc.hint else ""), int(exc.exit_code)
    finally:
        client.close()
    row["latency_ms"] = round((time.monotonic() - started) * 1000)
    if client.server_date:
        try:
            server = email.utils.parsedate_to_datetime(client.server_date).timestamp()
            skew = round(server - time.time())
            row["clock_skew_s"] = 0 if abs(skew) <= 1 else skew  # the Date header has 1 s resolution
        except (TypeError, ValueError):
            pass
    if row["status"] == "ok" and row["clock_skew_s"] is not None and abs(row["clock_skew_s"]) > MAX_SKEW_S:
        row["status"] = "fail"
        row["detail"] += f"; this machine's clock is {row['clock_skew_s']:+d} s off the marketplace's (fix NTP)"
        row["exit_code"] = int(ExitCode.CONFIG)
    return row


def exit_code(rows: list[dict[str, Any]]) -> int:
    """Credentials to fix beat a marketplace that is down, which beats anything else; 0 when all are ok."""
    codes = {r["exit_code"] for r in rows if r["status"] != "ok"}
    for code in (ExitCode.CONFIG, ExitCode.TEMPORARY, ExitCode.ERROR):
        if int(code) in codes:
            return int(code)
    return int(ExitCode.ERROR) if codes else 0
