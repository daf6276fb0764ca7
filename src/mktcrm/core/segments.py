"""Buyer segments: the built-in definitions, the seller's thresholds and own segments, and who is in which.

Each segment is one SQL predicate over a buyer's rollup row (`buyer_stats`: orders, revenue, first and last
order, ratings, disputes), so `buyers list --segment`, `segments`, templates and other features (automation
conditions, reports) all read the same definition. Orders are sales (cancelled and refused orders are not);
revenue is what was paid and not refunded, in the buyer's one currency. Times compare with the clock the
caller passes (`Services.now`), so a test can pin "today".

Public: `BUILTINS`, `definitions`, `segmenter`, `buyers`, `buyers_of`, `member_keys`, `summary`, `detail`,
`for_template`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from mktcrm.config import BUILTIN_SEGMENTS
from mktcrm.db import buyer_queries as q
from mktcrm.db import dialect
from mktcrm.errors import ConfigError, NotFoundError, UsageError
from mktcrm.money import EXPONENTS, from_minor
from mktcrm.timeutil import iso

if TYPE_CHECKING:
    import sqlite3

    from mktcrm.core.deps import Services

BUILTINS = BUILTIN_SEGMENTS
# `{{ buyer.segment }}`: the first segment a buyer is in, in this order (who they are before how they feel).
PRIORITY = ("loyal", "high-value", "repeat", "at-risk", "lost", "unhappy", "new")
DEFAULTS: dict[str, float] = {
    "new_days": 30,
    "repeat_orders": 2,
    "loyal_orders": 3,
    "loyal_days": 180,
    "high_value_pct": 10,
    "at_risk_factor": 2,
    "lost_days": 365,
    "unhappy_days": 90,
}
_REVENUE = (
    "(b.revenue_minor * 1.0 / CASE b.currency "
    + " ".join(f"WHEN '{c}' THEN {10**e}" for c, e in sorted(EXPONENTS.items()))
    + " ELSE 100 END)"
)


def _fields(d: str) -> dict[str, str]:
    """Fields a custom segment may filter on (`<field>_min`, `<field>_max`), as SQL over a buyer row."""
    return {
        "orders": "b.orders",
        "revenue": _REVENUE,
        "avg_rating": "(b.rating_sum * 1.0 / nullif(b.rated, 0))",
        "reviews": "b.reviews",
        "disputes": "b.disputes",
        "days_since_last_order": dialect.days_between(d, "b.last_order_at", ":now"),
        "days_since_first_order": dialect.days_between(d, "b.first_order_at", ":now"),
    }


_NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")


def definitions(limits: dict[str, float] | None = None) -> dict[str, str]:
    """Each built-in segment in words, with the thresholds in force."""
    t = {**DEFAULTS, **(limits or {})}
    return {
        "new": f"first order within the last {t['new_days']:g} days",
        "repeat": f"{t['repeat_orders']:g} orders or more",
        "loyal": f"{t['loyal_orders']:g} orders or more, the last within {t['loyal_days']:g} days",
        "high-value": f"top {t['high_value_pct']:g} % of the account's buyers by revenue (ties included)",
        "at-risk": (
            f"a repeat buyer, not lost, whose last order is older than {t['at_risk_factor']:g}x their usual gap"
            " between orders (first to last order / (orders - 1), at least 1 day)"
        ),
        "lost": f"no order for more than {t['lost_days']:g} days",
        "unhappy": f"rated 2 stars or less, or had a dispute (not a message), in the last {t['unhappy_days']:g} days",
    }


@dataclass
class Segmenter:
    """The segments in force at one time for some accounts: names, SQL predicates and their parameters."""

    names: list[str]
    predicates: list[str]
    params: dict[str, Any] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)

    def predicate(self, name: str) -> str:
        if name not in self.names:
            raise UsageError(f"unknown segment {name!r}", hint=f"segments: {', '.join(self.names)}")
        return self.predicates[self.names.index(name)]

    def members(self, mask: int) -> list[str]:
        return [n for i, n in enumerate(self.names) if mask & (1 << i)]


def segmenter(db: sqlite3.Connection, config: dict[str, Any], now: datetime, accounts: Sequence[str]) -> Segmenter:
    """Built-ins with the configured thresholds, then the seller's own segments, for these accounts at `now`."""
    t = _limits(config)
    p: dict[str, Any] = {
        "now": iso(now),
        "new_since": iso(now - timedelta(days=t["new_days"])),
        "loyal_since": iso(now - timedelta(days=t["loyal_days"])),
        "lost_since": iso(now - timedelta(days=t["lost_days"])),
        "unhappy_since": iso(now - timedelta(days=t["unhappy_days"])),
        "repeat_orders": t["repeat_orders"],
        "loyal_orders": t["loyal_orders"],
        "at_risk_factor": t["at_risk_factor"],
    }
    floors = []
    for i, account in enumerate(accounts):
        p[f"hv_a{i}"], p[f"hv_f{i}"] = account, q.high_value_floor(db, account, t["high_value_pct"])
        floors.append(f"WHEN :hv_a{i} THEN CAST(:hv_f{i} AS BIGINT)")  # typed: PostgreSQL reads a NULL as text
    floor = f"(CASE b.account {' '.join(floors)} END)" if floors else "NULL"
    d = dialect.of(db)
    # A buyer's usual gap between orders, in days (at least 1); only read for buyers with 2 orders or more.
    span = dialect.days_between(d, "b.first_order_at", "b.last_order_at")
    gap = dialect.greatest(d, f"{span} / nullif(b.orders - 1, 0)", "1")
    builtin = {
        "new": "b.first_order_at >= :new_since",
        "repeat": "b.orders >= :repeat_orders",
        "loyal": "b.orders >= :loyal_orders AND b.last_order_at >= :loyal_since",
        "high-value": f"b.orders > 0 AND b.revenue_minor > 0 AND b.revenue_minor >= {floor}",
        "at-risk": f"b.orders >= {dialect.greatest(d, ':repeat_orders', '2')} AND b.last_order_at >= :lost_since"
        f" AND {dialect.days_between(d, 'b.last_order_at', ':now')} > :at_risk_factor * {gap}",
        "lost": "b.orders > 0 AND b.last_order_at < :lost_since",
        "unhappy": "(b.low_rating_at >= :unhappy_since OR b.last_dispute_at >= :unhappy_since)",
    }
    seg = Segmenter(list(builtin), list(builtin.values()), p, definitions(t))
    for name, spec in (config.get("custom") or {}).items():
        _add_custom(seg, name, spec, _fields(d))
    return seg


def _limits(config: dict[str, Any]) -> dict[str, float]:
    t = {**DEFAULTS, **{k: v for k, v in config.items() if k in DEFAULTS}}
    for key, value in t.items():
        if value <= 0 or (key == "high_value_pct" and value > 100):
            raise ConfigError(
                f"[segments] {key} must be more than 0{' and at most 100' if key == 'high_value_pct' else ''}",
                hint=f"the default is {DEFAULTS[key]:g} (docs/segments.md)",
            )
    return t


def _add_custom(seg: Segmenter, name: str, spec: Any, fields: dict[str, str]) -> None:
    """A seller's segment: every condition must hold (fields' `_min`/`_max`, `in` and `not_in` segments)."""
    where = f"[segments.custom.{name}]"
    if not _NAME.match(name) or name in seg.names or name == "all":
        raise ConfigError(
            f"{where}: a segment name is lower-case letters, digits and '-', and not a built-in one or 'all'",
            hint="e.g. [segments.custom.big-spenders]",
        )
    if not isinstance(spec, dict) or not spec:
        raise ConfigError(f"{where} must be a table of conditions", hint="e.g. orders_min = 2, revenue_min = 200")
    known = [f"{f}_{b}" for f in fields for b in ("min", "max")] + ["in", "not_in", "description"]
    parts = []
    for i, (key, value) in enumerate(spec.items()):
        if key not in known:
            raise ConfigError(f"{where}: unknown condition {key!r}", hint=f"conditions: {', '.join(known)}")
        if key == "description":
            continue
        if key in ("in", "not_in"):
            names = [value] if isinstance(value, str) else value
            if not isinstance(names, list) or not all(isinstance(n, str) and n in seg.names for n in names):
                raise ConfigError(f"{where}: {key} must list segments defined above it", hint=", ".join(seg.names))
            joined = " AND ".join(f"({seg.predicate(n)})" for n in names)
            parts.append(f"({joined})" if key == "in" else f"NOT (({joined}) IS TRUE)")
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where}: {key} must be a number, got {value!r}")
        param = f"c_{len(seg.names)}_{i}"
        seg.params[param] = value
        column, bound = key.rsplit("_", 1)
        parts.append(f"{fields[column]} {'>=' if bound == 'min' else '<='} :{param}")
    if not parts:
        raise ConfigError(f"{where} has no condition", hint="e.g. orders_min = 2")
    seg.names.append(name)
    seg.predicates.append(" AND ".join(f"(({x}) IS TRUE)" for x in parts))  # unknown is false, on both stores
    seg.descriptions[name] = str(spec.get("description") or "custom: " + ", ".join(f"{k} {v}" for k, v in spec.items()))


def _accounts(svc: Services, accounts: Sequence[str]) -> list[str]:
    return list(accounts) or q.accounts_with_buyers(svc.db)


def _row(seg: Segmenter, r: dict[str, Any]) -> dict[str, Any]:
    """A buyer as commands print it: money as text in its currency, never an e-mail or address."""
    rated = r["rated"]
    return {
        "account": r["account"],
        "buyer_key": r["buyer_key"],
        "name": r.get("display_name"),
        "orders": r["orders"],
        "revenue": from_minor(r["revenue_minor"], r["currency"]) if r["currency"] else None,
        "currency": r["currency"] or ("mixed" if r["orders"] and r["revenue_minor"] is None else None),
        "first_order_at": r["first_order_at"],
        "last_order_at": r["last_order_at"],
        "reviews": r["reviews"],
        "avg_rating": round(r["rating_sum"] / rated, 2) if rated else None,
        "disputes": r["disputes"],
        "segments": seg.members(r["mask"]),
    }


def buyers(
    svc: Services,
    accounts: Sequence[str] = (),
    *,
    segment: str | None = None,
    sort: str = "revenue",
    limit: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Buyers of these accounts (all with buyers when none given), optionally one segment's, sorted."""
    names = _accounts(svc, accounts)
    seg = segmenter(svc.db, svc.settings.segments, svc.now(), names)
    only = seg.predicate(segment) if segment else None
    if sort not in q.SORTS:
        raise UsageError(f"unknown sort {sort!r}", hint=f"sorts: {', '.join(q.SORTS)}")
    for r in q.buyers(svc.db, names, seg.predicates, seg.params, only=only, sort=sort, limit=limit):
        yield _row(seg, r)


def summary(svc: Services, accounts: Sequence[str] = ()) -> list[dict[str, Any]]:
    """One row per account and segment ("all" first): buyers, share of the account's buyers and revenue,
    repurchase rate, average rating, dispute rate. Rates are empty when nothing is there to divide."""
    out = []
    for account in _accounts(svc, accounts):
        seg = segmenter(svc.db, svc.settings.segments, svc.now(), [account])
        groups = q.summary(svc.db, account, seg.predicates, seg.params)
        currencies = {g["currency"] for g in groups if g["ordering"]}
        total = _sums([g for g in groups])
        for i, name in enumerate(["all", *seg.names]):
            part = _sums([g for g in groups if name == "all" or g["mask"] & (1 << (i - 1))])
            out.append(_summary_row(account, name, part, total, currencies))
    return out


def _sums(groups: list[dict[str, Any]]) -> dict[str, int]:
    keys = ("buyers", "ordering", "revenue", "repurchasers", "rating_sum", "rated", "disputed")
    return {k: sum(g[k] or 0 for g in groups) for k in keys}


def _pct(a: int, b: int) -> float | None:
    return round(100 * a / b, 1) if b else None


def _summary_row(
    account: str, name: str, part: dict[str, int], total: dict[str, int], currencies: set[str | None]
) -> dict[str, Any]:
    one = len(currencies) == 1 and None not in currencies
    return {
        "account": account,
        "segment": name,
        "buyers": part["buyers"],
        "buyers_pct": _pct(part["buyers"], total["buyers"]),
        # A share of revenue only adds up within one currency: empty when the account's buyers paid in several.
        "revenue_share_pct": _pct(part["revenue"], total["revenue"]) if one else None,
        "repurchase_rate_pct": _pct(part["repurchasers"], part["ordering"]),
        "avg_rating": round(part["rating_sum"] / part["rated"], 2) if part["rated"] else None,
        "dispute_rate_pct": _pct(part["disputed"], part["buyers"]),
    }


def detail(svc: Services, buyer_key: str, account: str | None = None) -> dict[str, Any]:
    """One buyer: figures, revenue per currency, open items, segments and a timeline of what happened."""
    found = [account] if account else q.find_accounts(svc.db, buyer_key)
    if not found:
        raise NotFoundError(f"no buyer {buyer_key!r} in the cache", hint="list them with `mktcrm buyers list`")
    if len(found) > 1:
        raise UsageError(f"buyer {buyer_key!r} is in several accounts", hint="add --account NAME")
    rows = list(buyers_of(svc, found[0], buyer_key))
    if not rows:
        raise NotFoundError(f"no buyer {buyer_key!r} in {found[0]}", hint="list them with `mktcrm buyers list`")
    buyer = rows[0]
    buyer["revenue_by_currency"] = {
        cur: from_minor(v, cur) for cur, v in q.revenue_by_currency(svc.db, found[0], buyer_key).items()
    }
    buyer.update(q.open_items(svc.db, found[0], buyer_key))
    buyer["timeline"] = [_event(e) for e in q.timeline(svc.db, found[0], buyer_key)]
    return buyer


def _event(e: dict[str, Any]) -> dict[str, Any]:
    minor = e.pop("total_minor")
    return {**e, "amount": from_minor(minor, e["currency"]) if e["currency"] else None}


def member_keys(svc: Services, account: str, names: Sequence[str]) -> set[str]:
    """Keys of the account's buyers in any of these segments now (automation rules' `segment` condition)."""
    seg = segmenter(svc.db, svc.settings.segments, svc.now(), [account])
    either = " OR ".join(f"coalesce(({seg.predicate(n)}), 0)" for n in names)
    return {r["buyer_key"] for r in q.buyers(svc.db, [account], [], seg.params, only=either)}


def buyers_of(svc: Services, account: str, buyer_key: str) -> Iterator[dict[str, Any]]:
    seg = segmenter(svc.db, svc.settings.segments, svc.now(), [account])
    for r in q.buyers(svc.db, [account], seg.predicates, seg.params, buyer_key=buyer_key):
        yield _row(seg, r)


def for_template(
    svc: Services, account: str, *, review_id: str | None = None, order_id: str | None = None
) -> dict[str, Any]:
    """`{{ buyer.segment }}`, `{{ buyer.segments }}`, `{{ buyer.orders }}` for a reply to a review or a message
    on an order's dispute; empty values when the marketplace names no buyer there."""
    if review_id is not None:
        key = q.review_buyer(svc.db, account, review_id)
    else:
        key = q.order_buyer(svc.db, account, order_id) if order_id else None
    rows = list(buyers_of(svc, account, key)) if key else []
    if not rows:
        return {"segment": "", "segments": [], "orders": 0}
    names = rows[0]["segments"]
    primary = next((n for n in PRIORITY if n in names), names[0] if names else "")
    return {"segment": primary, "segments": names, "orders": rows[0]["orders"]}
