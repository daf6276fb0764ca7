"""Query-parameter parsing for the Mirakl sandbox: validation, OR11 filters, error type.

Invalid values answer 400 naming the parameter, like a strict server would; unknown parameter names are
rejected too, because a misspelt filter silently ignored would make a connector sync everything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from mktcrm.sandbox.base import ApiError
from mktcrm.sandbox.params import bool_param, csv_param, datetime_param
from mktcrm.sandbox.records import INCIDENT_OPEN, ORDER_STATES, Order

MAX_IDS = 100
COMMON = frozenset({"shop_id", "locale"})
PAGING = COMMON | {"max", "offset", "sort", "order", "paginate"}
OR11_PARAMS = PAGING | {
    "order_ids",
    "order_references_for_customer",
    "order_references_for_seller",
    "order_state_codes",
    "channel_codes",
    "only_null_channel",
    "start_date",
    "end_date",
    "start_update_date",
    "end_update_date",
    "customer_debited",
    "payment_workflow",
    "has_incident",
    "fulfillment_center_code",
    "order_tax_mode",
}
OF21_PARAMS = PAGING | {
    "offer_state_codes",
    "sku",
    "product_id",
    "favorite",
    "pricing_channel_code",
    "pricing_customer_organization_id",
}
_WORKFLOWS = (
    "PAY_ON_ACCEPTANCE",
    "PAY_ON_DELIVERY",
    "PAY_ON_DUE_DATE",
    "PAY_ON_SHIPMENT",
    "NO_CUSTOMER_PAYMENT_CONFIRMATION",
)


def order_filters(params: httpx.QueryParams) -> dict[str, Any]:
    """Parse and validate OR11 filters into hashable values (the cache key)."""
    filters: dict[str, Any] = {}
    states = csv_param(params, "order_state_codes")
    if states is not None:
        bad = [s for s in states if s not in ORDER_STATES]
        if bad:
            raise ApiError(400, f"Invalid value for parameter 'order_state_codes': unknown state {bad[0]!r}")
        filters["order_state_codes"] = states
    ids = csv_param(params, "order_ids")
    if ids is not None:
        if len(ids) > MAX_IDS:
            raise ApiError(400, f"Invalid value for parameter 'order_ids': at most {MAX_IDS} ids")
        filters["order_ids"] = ids
    for name in (
        "order_references_for_customer",
        "order_references_for_seller",
        "channel_codes",
        "fulfillment_center_code",
    ):
        value = csv_param(params, name)
        if value is not None:
            filters[name] = value
    for name in ("start_date", "end_date", "start_update_date", "end_update_date"):
        stamp = datetime_param(params, name)
        if stamp is not None:
            filters[name] = stamp
    for name in ("only_null_channel", "customer_debited", "has_incident"):
        flag = bool_param(params, name)
        if flag is not None:
            filters[name] = flag
    for name, allowed in (
        ("payment_workflow", _WORKFLOWS),
        ("order_tax_mode", ("TAX_INCLUDED", "TAX_EXCLUDED")),
    ):
        value = params.get(name)
        if value is not None:
            if value not in allowed:
                raise ApiError(400, f"Invalid value for parameter '{name}': expected one of {', '.join(allowed)}")
            if name == "payment_workflow":
                filters[name] = value
    return filters


def order_predicate(name: str, value: Any) -> Callable[[Order], bool]:
    """One OR11 filter; sandbox orders are all channel FR, centre DEFAULT, PAY_ON_ACCEPTANCE, unreferenced."""
    if name == "order_state_codes":
        return lambda o: o.state in value
    if name == "order_ids":
        return lambda o: o.order_id in value
    if name == "start_date":
        return lambda o: o.created >= value
    if name == "end_date":
        return lambda o: o.created <= value
    if name == "start_update_date":
        return lambda o: o.updated >= value
    if name == "end_update_date":
        return lambda o: o.updated <= value
    if name == "has_incident":
        return lambda o: any(ln.state == INCIDENT_OPEN for ln in o.lines) == value
    if name == "customer_debited":
        return lambda o: (o.accepted is not None) == value
    constant = {
        "channel_codes": "FR" in value,
        "fulfillment_center_code": "DEFAULT" in value,
        "payment_workflow": value == "PAY_ON_ACCEPTANCE",
        "only_null_channel": not value,
    }
    result = constant.get(name, False)  # order references: the sandbox has none, so nothing matches
    return lambda o: result


def direction(params: httpx.QueryParams) -> bool:
    """True for descending order."""
    raw = params.get("order", "asc")
    if raw not in ("asc", "desc"):
        raise ApiError(400, "Invalid value for parameter 'order': expected asc or desc")
    return raw == "desc"
