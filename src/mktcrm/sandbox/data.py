"""Seeded generator for one sandbox operator (a shop on a Mirakl instance).

Everything derives from ``random.Random(f"{seed}:{name}")``, so (seed, name, orders, anchor, days) always
yields the same shop, and two operators look visibly different (catalogue chosen from the name). Records
are compact (see ``records``): 100k orders generate in about a second.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import TypeVar

from . import texts
from .records import (
    DAY,
    INCIDENT_OPEN,
    REFUNDED,
    Customer,
    Dataset,
    Evaluation,
    Line,
    Offer,
    Order,
)

T = TypeVar("T")


def anchor_epoch(anchor: date) -> float:
    """The data's "now": midnight UTC at the start of ``anchor``."""
    return datetime(anchor.year, anchor.month, anchor.day, tzinfo=UTC).timestamp()


def generate(name: str, seed: int, n_orders: int, anchor: date, days: int) -> Dataset:
    """Build the whole shop deterministically for these inputs."""
    rng = random.Random(f"{seed}:{name}")
    now = anchor_epoch(anchor)
    prefix = "".join(ch for ch in name.upper() if ch.isalnum())[:3] or "MKP"
    categories = texts.CATALOGUES.get(name, texts.MIXED_CATALOGUE)
    offers = [_offer(rng, i, prefix, categories) for i in range(max(12, n_orders // 20))]

    n_buyers, buyer_seq = _buyer_sequence(rng, n_orders)
    customers = [_customer(rng, i, prefix) for i in range(n_buyers)]
    if n_buyers >= 20:  # a guaranteed few hostile names, then rare random ones
        hostile = rng.sample(range(n_buyers - 1), len(texts.HOSTILE_NAMES))
        hostile += [i for i in range(n_buyers) if rng.random() < 0.003]
        for k, i in enumerate(hostile):
            customers[i].firstname, customers[i].lastname = texts.HOSTILE_NAMES[k % len(texts.HOSTILE_NAMES)]

    span = days * DAY
    created = sorted(float(int(now - rng.random() * span)) for _ in range(n_orders))
    number = rng.randrange(10_000, 90_000) * 100
    orders: list[Order] = []
    for i, t0 in enumerate(created):
        number += 1
        state, updated, accepted, shipped, received = _timeline(rng, t0, now)
        lines, shipping = _lines(rng, offers, state)
        order = Order(
            f"{prefix}{number:08d}-A",
            t0,
            updated,
            state,
            buyer_seq[i],
            lines,
            shipping,
            accepted,
            shipped,
            received,
            has_message=rng.random() < 0.08,
        )
        if state in ("RECEIVED", "CLOSED") and received is not None and rng.random() < 0.55:
            order.evaluation = _evaluation(rng, received, now, customers[order.customer].firstname)
            order.updated = max(order.updated, order.evaluation.updated, order.evaluation.reply_date or 0.0)
        orders.append(order)

    _sprinkle_hostile_comments(rng, orders)
    _add_incidents(rng, orders, now)
    ds = Dataset(
        name,
        seed,
        prefix,
        now,
        customers,
        offers,
        orders,
        next_number=number,
        mutation_rng=random.Random(f"{seed}:{name}:mutations"),
    )
    ds.by_id = {o.order_id: o for o in orders}
    return ds


def add_orders(ds: Dataset, n: int, at: float) -> list[str]:
    """Append ``n`` WAITING_ACCEPTANCE orders created and updated at ``at``."""
    rng = ds.mutation_rng
    ids: list[str] = []
    for _ in range(n):
        if ds.customers and rng.random() < 0.3:
            cust = rng.randrange(len(ds.customers))
        else:
            cust = len(ds.customers)
            ds.customers.append(_customer(rng, cust, ds.prefix))
        lines, shipping = _lines(rng, ds.offers, "WAITING_ACCEPTANCE")
        order = Order(ds.new_order_id(), at, at, "WAITING_ACCEPTANCE", cust, lines, shipping)
        ds.orders.append(order)
        ds.by_id[order.order_id] = order
        ids.append(order.order_id)
    return ids


def _pick(rng: random.Random, seq: Sequence[T]) -> T:
    """``rng.choice`` without its rejection sampling: this runs ~10 times per order at 100k orders."""
    return seq[int(rng.random() * len(seq))]


def _offer(rng: random.Random, i: int, prefix: str, categories: tuple[texts.Category, ...]) -> Offer:
    cat = categories[i % len(categories)] if i < len(categories) else rng.choice(categories)
    lo, hi = cat.price_range
    price = round(int(lo + (hi - lo) * rng.random() ** 2) + rng.choice((0.0, 0.49, 0.9, 0.99)), 2)
    digits = f"376{(rng.randrange(10**9)):09d}"
    check = (10 - sum(int(d) * (3 if k % 2 else 1) for k, d in enumerate(digits)) % 10) % 10
    return Offer(
        offer_id=3_000_000 + i,
        shop_sku=f"SKU-{cat.code[:4]}-{i:05d}",
        product_sku=f"{prefix}P{100_000 + i}",
        ean=f"{digits}{check}",
        title=f"{rng.choice(cat.bases)} {rng.choice(cat.variants)}",
        category=cat,
        brand=rng.choice(cat.brands),
        price=max(price, 1.0),
        quantity=0 if rng.random() < 0.08 else rng.randrange(1, 250),
        active=rng.random() < 0.9,
    )


def _customer(rng: random.Random, i: int, prefix: str) -> Customer:
    female = rng.random() < 0.52
    first = _pick(rng, texts.FEMALE_FIRSTNAMES if female else texts.MALE_FIRSTNAMES)
    city, zip_code = _pick(rng, texts.CITIES)
    street = f"{1 + int(rng.random() * 179)} {_pick(rng, texts.STREETS)}"
    return Customer(
        f"{prefix}-C{i:07d}",
        first,
        _pick(rng, texts.LASTNAMES),
        "Mme" if female else "M.",
        street,
        zip_code,
        city,
    )


def _buyer_sequence(rng: random.Random, n: int) -> tuple[int, list[int]]:
    """Buyer index per order: ~72% of buyers order once, the rest 2-9 times (repeat-purchase KPIs)."""
    seq: list[int] = []
    buyer = 0
    while len(seq) < n:
        r = rng.random()
        count = 1 if r < 0.72 else 2 if r < 0.86 else 3 if r < 0.93 else 4 if r < 0.97 else rng.randint(5, 9)
        seq.extend([buyer] * count)
        buyer += 1
    del seq[n:]
    rng.shuffle(seq)
    return buyer, seq


def _timeline(
    rng: random.Random, created: float, now: float
) -> tuple[str, float, float | None, float | None, float | None]:
    """Walk the Mirakl order life cycle until ``now``: (state, updated, accepted, shipped, received)."""
    r = rng.random()
    if r < 0.05:
        t = created + int(rng.uniform(0.05, 1.0) * DAY)
        return ("REFUSED", t, None, None, None) if t <= now else ("WAITING_ACCEPTANCE", created, None, None, None)
    accepted = created + int(rng.uniform(300, 6 * 3600))
    if accepted > now:
        return "WAITING_ACCEPTANCE", created, None, None, None
    if r < 0.11:
        t = accepted + int(rng.uniform(0.1, 2.0) * DAY)
        return ("CANCELED", t, accepted, None, None) if t <= now else ("SHIPPING", accepted, accepted, None, None)
    shipped = accepted + int(rng.uniform(0.3, 2.5) * DAY)
    if shipped > now:
        return "SHIPPING", accepted, accepted, None, None
    received = shipped + int(rng.uniform(1.0, 4.0) * DAY)
    if r < 0.14 or received > now:
        return "SHIPPED", shipped, accepted, shipped, None
    closed = received + int(rng.uniform(5.0, 20.0) * DAY)
    if r < 0.20 or closed > now:
        return "RECEIVED", received, accepted, shipped, received
    return "CLOSED", closed, accepted, shipped, received


def _lines(rng: random.Random, offers: list[Offer], state: str) -> tuple[list[Line], float]:
    """1-3 lines, popular offers more likely; free shipping from 49 EUR."""
    r = rng.random()
    n = 1 if r < 0.75 else 2 if r < 0.93 else 3
    lines = []
    subtotal = 0.0
    for _ in range(n):
        q = rng.random()
        line = Line(int(len(offers) * rng.random() ** 1.6), 1 if q < 0.8 else 2 if q < 0.95 else 3, state)
        subtotal += offers[line.offer].price * line.quantity
        lines.append(line)
    return lines, 0.0 if subtotal >= 49 else _pick(rng, (4.9, 5.99, 6.9))


def _evaluation(rng: random.Random, received: float, now: float, firstname: str) -> Evaluation:
    """Grade skewed to 4-5; date within 10 days of receipt and never after ``now``."""
    r = rng.random()
    grade = 5 if r < 0.55 else 4 if r < 0.80 else 3 if r < 0.88 else 2 if r < 0.93 else 1
    at = received + int(rng.random() * min(10 * DAY, now - received))
    ev = Evaluation(
        grade,
        _comment(rng, grade),
        at,
        at,
        visible=rng.random() < 0.97,
        on_time=grade >= 3 or rng.random() < 0.3,
        conform=grade >= 3 or rng.random() < 0.4,
        packaging=max(1, min(5, grade + _pick(rng, (-1, 0, 0, 1)))),
    )
    if rng.random() < 0.15:
        pool = texts.REPLY_POSITIVE if grade >= 4 else texts.REPLY_NEGATIVE
        ev.reply = rng.choice(pool).format(firstname=firstname)
        ev.reply_date = min(now, at + rng.randrange(2 * 3600, 3 * 86400))
    return ev


def _comment(rng: random.Random, grade: int) -> str | None:
    """Short or long (300-600 chars) French comment; a few evaluations carry no comment at all."""
    pool = texts.POSITIVE if grade >= 4 else texts.NEUTRAL if grade == 3 else texts.NEGATIVE
    r = rng.random()
    if r < 0.05:
        return None
    if r < 0.25:
        target = rng.randint(300, 600)
        sentences = rng.sample(pool + texts.STORY, len(pool) + len(texts.STORY))
        parts: list[str] = []
        total = -1
        for s in sentences:
            if total >= target:
                break
            if total + 1 + len(s) > 600:
                continue
            parts.append(s)
            total += 1 + len(s)
        return " ".join(parts)
    text = _pick(rng, pool)
    if r >= 0.7:
        second = _pick(rng, pool)
        text = text if second == text else f"{text} {second}"
    if rng.random() < 0.1:
        text += " " + _pick(rng, texts.EMOJI)
    return text


def _sprinkle_hostile_comments(rng: random.Random, orders: list[Order]) -> None:
    """Each hostile string once (when there are enough evaluations) plus ~1.5% random ones."""
    evaluated = [o for o in orders if o.evaluation is not None]
    if not evaluated:
        return
    k = min(len(texts.HOSTILE_COMMENTS), max(1, len(evaluated) // 5))
    for i, order in enumerate(rng.sample(evaluated, k)):
        assert order.evaluation is not None
        order.evaluation.comment = texts.HOSTILE_COMMENTS[i]
    for order in evaluated:
        if rng.random() < 0.015:
            assert order.evaluation is not None
            base = order.evaluation.comment or ""
            hostile = rng.choice(texts.HOSTILE_COMMENTS)
            order.evaluation.comment = f"{base} {hostile}" if len(base) + len(hostile) < 600 else hostile


def _add_incidents(rng: random.Random, orders: list[Order], now: float) -> None:
    """~4% open incidents on shipped/received orders; ~1% resolved ones (line REFUNDED) on closed orders."""
    if len(orders) < 10:
        return
    eligible = [o for o in orders if o.state in ("SHIPPED", "RECEIVED")]
    for order in rng.sample(eligible, min(len(eligible), round(0.04 * len(orders)))):
        assert order.shipped is not None
        at = min(now, order.shipped + int(rng.uniform(1.0, 6.0) * DAY))
        order.lines[0].state = INCIDENT_OPEN
        order.updated = max(order.updated, at)
    closed = [o for o in orders if o.state == "CLOSED"]
    for order in rng.sample(closed, min(len(closed), max(1, round(0.01 * len(orders))))):
        assert order.received is not None
        order.lines[0].state = REFUNDED
        order.lines[0].refund_date = order.received + int(rng.uniform(1.0, 4.0) * DAY)
