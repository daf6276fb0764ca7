"""Query-parameter rules of the eBay operations the sandbox serves, straight from the OpenAPI files.

Unknown names answer 400: a misspelt filter that a server silently ignored would make a connector read
everything (or nothing) without anyone noticing. Numbers, limits and date windows are checked too.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from mktcrm.sandbox.base import ApiError

# operationId -> every query parameter the spec declares for it.
PARAMS: dict[str, frozenset[str]] = {
    "getOrders": frozenset({"fieldGroups", "filter", "limit", "offset", "orderIds"}),
    "getInventoryItems": frozenset({"limit", "offset"}),
    "getOffers": frozenset({"format", "limit", "marketplace_id", "offset", "sku"}),
    "getFeedback": frozenset(
        {
            "feedback_id",
            "feedback_type",
            "filter",
            "limit",
            "listing_id",
            "offset",
            "order_line_item_id",
            "sort",
            "transaction_id",
            "user_id",
        }
    ),
    "getPaymentDisputeSummaries": frozenset(
        {"order_id", "buyer_username", "open_date_from", "open_date_to", "payment_dispute_status", "limit", "offset"}
    ),
}
FEEDBACK_FILTERS = frozenset({"commentType", "filterImage", "topics", "period", "role", "showAutomatedFeedback"})
MARKETPLACE_IDS = frozenset(
    {"EBAY_FR", "EBAY_DE", "EBAY_GB", "EBAY_IT", "EBAY_ES", "EBAY_US", "EBAY_BE", "EBAY_NL", "EBAY_AT", "EBAY_CH"}
)


class BadRequest(ApiError):
    """HTTP 400 that names the parameter (eBay puts it in ``errors[].parameters``)."""

    def __init__(self, message: str, param: str, error_id: int = 2004) -> None:
        super().__init__(400, message)
        self.param = param
        self.error_id = error_id


def check_names(params: httpx.QueryParams, operation: str) -> None:
    allowed = PARAMS[operation]
    for name in params:
        if name not in allowed:
            raise BadRequest(f"The query parameter '{name}' is not supported by {operation}.", name)


def int_param(params: httpx.QueryParams, name: str, default: int, low: int, high: int | None = None) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"The value of '{name}' must be an integer.", name) from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise BadRequest(f"The value of '{name}' must be {bound}.", name)
    return value


def parse_time(value: str, name: str) -> float:
    """ISO-8601 UTC with ``Z`` (eBay answers 400 to other shapes)."""
    if not value.endswith("Z") or "T" not in value:
        raise BadRequest(f"'{name}' must be an ISO-8601 UTC timestamp such as 2026-08-04T19:09:02.768Z.", name)
    try:
        return datetime.fromisoformat(value[:-1] + "+00:00").timestamp()
    except ValueError:
        raise BadRequest(f"'{name}' is not a valid timestamp.", name) from None


def order_filter(raw: str | None) -> tuple[float | None, float | None]:
    """getOrders ``filter``: only ``lastmodifieddate:[from..to]`` and ``creationdate:[..]`` are modelled.

    Returns the lastmodifieddate range (creationdate wins when both are given, as the spec says).
    """
    if not raw:
        return None, None
    ranges: dict[str, tuple[float | None, float | None]] = {}
    for part in _split(raw):
        name, _, value = part.partition(":")
        if name not in ("lastmodifieddate", "creationdate", "orderfulfillmentstatus"):
            raise BadRequest(f"Invalid filter name '{name}'.", "filter", 30700)
        if name == "orderfulfillmentstatus":
            continue
        if not (value.startswith("[") and value.endswith("]") and ".." in value):
            raise BadRequest(f"Invalid date range in filter '{name}': expected [from..] or [from..to].", "filter")
        start, _, end = value[1:-1].partition("..")
        ranges[name] = (parse_time(start, "filter") if start else None, parse_time(end, "filter") if end else None)
    if "creationdate" in ranges:
        raise BadRequest("This sandbox models lastmodifieddate filters only.", "filter")
    return ranges.get("lastmodifieddate", (None, None))


def _split(raw: str) -> list[str]:
    """Split on commas outside brackets/braces."""
    parts, depth, cur = [], 0, ""
    for ch in raw:
        depth += ch in "[{"
        depth -= ch in "]}"
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [p for p in [*parts, cur] if p]


def feedback_filter(raw: str | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in _split(raw or ""):
        name, sep, value = part.partition(":")
        if not sep or name not in FEEDBACK_FILTERS:
            raise BadRequest(f"Invalid filter '{part}'.", "filter")
        out[name] = value
    if out.get("role", "BUYER") not in ("BUYER", "SELLER"):
        raise BadRequest("role must be BUYER or SELLER.", "filter")
    if out.get("commentType", "POSITIVE") not in ("POSITIVE", "NEUTRAL", "NEGATIVE"):
        raise BadRequest("commentType must be POSITIVE, NEUTRAL or NEGATIVE.", "filter")
    if out.get("period", "7") not in ("7", "30", "90", "180", "365"):
        raise BadRequest("period must be 7, 30, 90, 180 or 365.", "filter")
    return out


def dispute_window(params: httpx.QueryParams) -> tuple[float | None, float | None]:
    """open_date_from/to: at most 90 days apart, from no older than 18 months (real clock)."""
    start = parse_time(params["open_date_from"], "open_date_from") if "open_date_from" in params else None
    end = parse_time(params["open_date_to"], "open_date_to") if "open_date_to" in params else None
    now = datetime.now(UTC).timestamp()
    if start is not None and start < now - 548 * 86400:
        raise BadRequest("open_date_from cannot be more than 18 months in the past.", "open_date_from")
    if start is not None and end is not None and (end < start or end - start > 90 * 86400):
        raise BadRequest("The open date range cannot exceed 90 days.", "open_date_to")
    if start is None and end is not None:
        start = end - 90 * 86400
    if start is not None and end is None:
        end = min(now, start + 90 * 86400)
    return start, end
