"""Query and body validation for the Amazon SP-API sandbox: the rules the Swagger files state, enforced.

Unknown parameters answer 400 (a misspelt filter silently ignored would make a connector read everything),
and so do enum, range and "exactly one of" violations. Paging tokens are opaque but carry a hash of the
other parameters, because SP-API requires them unchanged while paging.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import httpx

from mktcrm.sandbox.base import ApiError
from mktcrm.sandbox.params import check_names, csv_param, datetime_param, int_param

FULFILLMENT_STATUSES = (
    "PENDING_AVAILABILITY",
    "PENDING",
    "UNSHIPPED",
    "PARTIALLY_SHIPPED",
    "SHIPPED",
    "CANCELLED",
    "UNFULFILLABLE",
)
ORDER_DATASETS = (
    "BUYER",
    "RECIPIENT",
    "PROCEEDS",
    "EXPENSE",
    "PROMOTION",
    "CANCELLATION",
    "FULFILLMENT",
    "PACKAGES",
    "TAX",
    "PAYMENT",
    "FULFILLMENT_ORDERS",
)
SEARCH_ORDERS = frozenset(
    {
        "createdAfter",
        "createdBefore",
        "lastUpdatedAfter",
        "lastUpdatedBefore",
        "fulfillmentStatuses",
        "marketplaceIds",
        "fulfilledBy",
        "maxResultsPerPage",
        "paginationToken",
        "includedData",
    }
)
LISTING_DATASETS = (
    "summaries",
    "attributes",
    "issues",
    "offers",
    "fulfillmentAvailability",
    "procurement",
    "relationships",
    "productTypes",
)
SEARCH_LISTINGS = frozenset(
    {
        "marketplaceIds",
        "issueLocale",
        "includedData",
        "identifiers",
        "identifiersType",
        "variationParentSku",
        "packageHierarchySku",
        "createdAfter",
        "createdBefore",
        "lastUpdatedAfter",
        "lastUpdatedBefore",
        "withIssueSeverity",
        "withStatus",
        "withoutStatus",
        "sortBy",
        "sortOrder",
        "pageSize",
        "pageToken",
    }
)
IDENTIFIER_TYPES = ("ASIN", "EAN", "FNSKU", "GTIN", "ISBN", "JAN", "MINSAN", "SKU", "UPC")
REPORT_SPEC_KEYS = frozenset({"reportOptions", "reportType", "dataStartTime", "dataEndTime", "marketplaceIds"})


def enum_list(params: httpx.QueryParams, name: str, allowed: tuple[str, ...]) -> tuple[str, ...] | None:
    """A comma list whose every value must be in the spec's enum."""
    values = csv_param(params, name)
    for value in values or ():
        if value not in allowed:
            raise ApiError(400, f"Invalid value '{value[:40]}' for parameter '{name}'")
    return values


def enum_value(params: httpx.QueryParams, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = params.get(name, default)
    if value not in allowed:
        raise ApiError(400, f"Invalid value '{value[:40]}' for parameter '{name}'")
    return value


def query_hash(params: httpx.QueryParams, token_name: str) -> str:
    """A fingerprint of every parameter but the paging token: a token is only valid for its query."""
    items = sorted((k, v) for k, v in params.multi_items() if k != token_name)
    return hashlib.sha256(json.dumps(items).encode()).hexdigest()[:12]


def encode_token(offset: int, fingerprint: str) -> str:
    raw = json.dumps({"o": offset, "q": fingerprint}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str | None, fingerprint: str, name: str) -> int:
    """The offset inside a token this sandbox issued for the same query; 400 otherwise."""
    if token is None:
        return 0
    try:
        body: Any = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        offset, issued_for = int(body["o"]), str(body["q"])
    except (ValueError, KeyError, TypeError):
        raise ApiError(400, f"Invalid {name}") from None
    if issued_for != fingerprint:
        raise ApiError(400, f"Invalid {name}: the other request parameters must not change while paging")
    return offset


@dataclass(frozen=True)
class OrderQuery:
    """searchOrders filters, hashable so filtered lists can be cached while a sync pages through them."""

    field: str  # "created" or "updated"
    after: float
    before: float | None
    statuses: tuple[str, ...] | None
    marketplaces: tuple[str, ...] | None
    fulfilled_by: tuple[str, ...] | None


def order_query(params: httpx.QueryParams) -> tuple[OrderQuery, int, tuple[str, ...]]:
    """(filters, page size, included datasets), enforcing the "exactly one of" rules of the spec."""
    check_names(params, SEARCH_ORDERS)
    created_after, updated_after = datetime_param(params, "createdAfter"), datetime_param(params, "lastUpdatedAfter")
    created_before = datetime_param(params, "createdBefore")
    updated_before = datetime_param(params, "lastUpdatedBefore")
    if (created_after is None) == (updated_after is None):
        raise ApiError(400, "Exactly one of createdAfter and lastUpdatedAfter must be provided")
    if created_after is not None and updated_before is not None:
        raise ApiError(400, "lastUpdatedBefore cannot be combined with createdAfter")
    if updated_after is not None and created_before is not None:
        raise ApiError(400, "createdBefore cannot be combined with lastUpdatedAfter")
    size = int_param(params, "maxResultsPerPage", 100)
    if not 1 <= size <= 100:
        raise ApiError(400, "maxResultsPerPage must be between 1 and 100")
    marketplaces = csv_param(params, "marketplaceIds")
    if marketplaces is not None and len(marketplaces) > 50:
        raise ApiError(400, "marketplaceIds accepts at most 50 values")
    query = OrderQuery(
        "created" if created_after is not None else "updated",
        created_after if created_after is not None else updated_after,  # type: ignore[arg-type]
        created_before if created_after is not None else updated_before,
        enum_list(params, "fulfillmentStatuses", FULFILLMENT_STATUSES),
        marketplaces,
        enum_list(params, "fulfilledBy", ("MERCHANT", "AMAZON")),
    )
    if query.before is not None and query.before < query.after:
        raise ApiError(400, "The Before date must be equal to or after the After date")
    return query, size, enum_list(params, "includedData", ORDER_DATASETS) or ()


@dataclass(frozen=True)
class ListingQuery:
    """searchListingsItems filters and sort (hashable: the cache key)."""

    created_after: float | None
    created_before: float | None
    updated_after: float | None
    updated_before: float | None
    with_status: tuple[str, ...] | None
    without_status: tuple[str, ...] | None
    identifiers: tuple[str, ...] | None
    identifiers_type: str | None
    sort_by: str
    descending: bool


def listing_query(params: httpx.QueryParams) -> tuple[ListingQuery, int, tuple[str, ...], tuple[str, ...]]:
    """(filters, page size, marketplaces, included datasets); marketplaceIds is required here."""
    check_names(params, SEARCH_LISTINGS)
    marketplaces = csv_param(params, "marketplaceIds")
    if not marketplaces:
        raise ApiError(400, "Missing required parameter: marketplaceIds")
    size = int_param(params, "pageSize", 10)
    if not 1 <= size <= 20:
        raise ApiError(400, "pageSize must be between 1 and 20")
    identifiers = csv_param(params, "identifiers")
    id_type = params.get("identifiersType")
    if (identifiers is None) != (id_type is None):
        raise ApiError(400, "identifiers and identifiersType must be provided together")
    if id_type is not None and id_type not in IDENTIFIER_TYPES:
        raise ApiError(400, f"Invalid value '{id_type[:40]}' for parameter 'identifiersType'")
    if identifiers is not None and len(identifiers) > 20:
        raise ApiError(400, "identifiers accepts at most 20 values")
    enum_list(params, "withIssueSeverity", ("WARNING", "ERROR"))
    statuses = ("BUYABLE", "DISCOVERABLE")
    query = ListingQuery(
        datetime_param(params, "createdAfter"),
        datetime_param(params, "createdBefore"),
        datetime_param(params, "lastUpdatedAfter"),
        datetime_param(params, "lastUpdatedBefore"),
        enum_list(params, "withStatus", statuses),
        enum_list(params, "withoutStatus", statuses),
        identifiers,
        id_type,
        enum_value(params, "sortBy", ("sku", "createdDate", "lastUpdatedDate"), "lastUpdatedDate"),
        enum_value(params, "sortOrder", ("ASC", "DESC"), "DESC") == "DESC",
    )
    included = enum_list(params, "includedData", LISTING_DATASETS) or ("summaries",)
    return query, size, marketplaces, included


def report_spec(body: Any) -> dict[str, Any]:
    """createReport's CreateReportSpecification, checked: required keys, types, no unknown keys."""
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object")
    unknown = sorted(set(body) - REPORT_SPEC_KEYS)
    if unknown:
        raise ApiError(400, f"Unknown property '{unknown[0][:40]}' in the request body")
    if not isinstance(body.get("reportType"), str):
        raise ApiError(400, "Missing required property: reportType")
    ids = body.get("marketplaceIds")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 25 or not all(isinstance(i, str) for i in ids):
        raise ApiError(400, "marketplaceIds must be a list of 1 to 25 marketplace ids")
    options = body.get("reportOptions", {})
    if not isinstance(options, dict) or not all(isinstance(v, str) for v in options.values()):
        raise ApiError(400, "reportOptions must be an object of strings")
    for key in ("dataStartTime", "dataEndTime"):
        if key in body:
            body[key] = _body_time(body[key], key)
    return body


def _body_time(value: Any, key: str) -> float:
    from datetime import UTC, datetime

    try:
        stamp = datetime.fromisoformat(str(value))
    except ValueError:
        raise ApiError(400, f"{key} must be an ISO-8601 date-time") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()
