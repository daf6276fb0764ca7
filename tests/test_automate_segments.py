"""The `segment` condition of automation rules: hand-built buyers whose segments are written out by hand.

The clock is pinned (`AppContext.now`) so "loyal" and "unhappy" mean the same thing on every run; records go
through `sync.tables` into the cache and the rules run through the real CLI (`automate run --dry-run --json`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from conftest import Home
from mktcrm.context import AppContext
from mktcrm.db.connect import connect
from mktcrm.db.store import Store
from mktcrm.records import Dispute, Order, Review
from mktcrm.sync.tables import TableRows

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _order(oid: str, day: str, buyer: str, euros: int) -> Order:
    return Order(id=oid, created_at=f"{day}T10:00:00Z", updated_at=f"{day}T10:00:00Z", status="CLOSED",
                 total_minor=euros * 100, currency="EUR", buyer_id=buyer, raw={})  # fmt: skip


def _review(rid: str, day: str, rating: int, order: str | None, buyer: str | None) -> Review:
    return Review(id=rid, kind="seller_feedback", created_at=f"{day}T10:00:00Z", order_id=order, buyer_id=buyer,
                  rating=rating)  # fmt: skip


def _dispute(did: str, day: str, order: str) -> Dispute:
    return Dispute(id=did, kind="incident", status="open", order_id=order, opened_at=f"{day}T10:00:00Z")


# By hand, on 2026-06-01 with the default thresholds:
# d: 3 orders, the last 4 days ago, 900 EUR: loyal, high-value (top 10 % of 4 buyers = the first).
# c: 3 orders, the last 457 days ago: lost, not loyal; its only dispute is 502 days old (not unhappy).
# e: 1 order, rated 1 star 17 days ago and a dispute 20 days ago: unhappy.
# f: 1 order, a dispute 27 days ago: unhappy.
DATA = [
    _order("D1", "2026-04-01", "d", 300),
    _order("D2", "2026-05-25", "d", 300),
    _order("D3", "2026-05-28", "d", 300),
    _order("C1", "2025-01-01", "c", 50),
    _order("C2", "2025-02-01", "c", 50),
    _order("C3", "2025-03-01", "c", 50),
    _order("E1", "2026-05-10", "e", 20),
    _order("F1", "2026-05-01", "f", 60),
    _review("R-D", "2026-05-26", 5, "D2", "d"),  # loyal, by its own buyer
    _review("R-D3", "2026-05-29", 4, "D3", None),  # loyal, through its order
    _review("R-C", "2025-01-10", 4, "C1", "c"),
    _review("R-E", "2026-05-15", 1, "E1", "e"),
    _review("R-X", "2026-05-30", 5, None, None),  # no buyer known: in no segment
    _dispute("F1-1", "2026-05-05", "F1"),
    _dispute("E1-1", "2026-05-12", "E1"),
    _dispute("C1-1", "2025-01-15", "C1"),
]
RULES = """
[segments.custom.big]
revenue_min = 500

[automation.rules.loyal-reviews]
trigger = "review"
segment = "loyal"
action = "notify"

[automation.rules.unhappy-disputes]
trigger = "dispute"
segment = ["unhappy"]
action = "notify"

[automation.rules.valuable-or-gone]
trigger = "order"
segment = ["high-value", "lost"]
action = "notify"

[automation.rules.big-reviews]
trigger = "review"
segment = "big"
rating = "5"
action = "notify"
"""


@pytest.fixture
def seller(home: Home, monkeypatch: pytest.MonkeyPatch) -> Home:
    monkeypatch.setattr(AppContext, "now", lambda self: NOW)
    home.configure()
    with (home.path / "config.toml").open("a", encoding="utf-8") as f:
        f.write(RULES)
    db = connect(home.db_path)
    with Store(db).transaction():
        TableRows(Store(db), "shop1", "mirakl").write(DATA)
    db.close()
    return home


def _planned(home: Home) -> dict[str, set[str]]:
    steps: list[dict[str, Any]] = json.loads(home.ok("automate", "run", "--dry-run", "--json").stdout)
    out: dict[str, set[str]] = {}
    for s in steps:
        out.setdefault(s["rule"], set()).add(s["ref_id"])
    return out


def test_rules_act_only_on_items_whose_buyer_is_in_the_segment(seller: Home) -> None:
    assert _planned(seller) == {
        "loyal-reviews": {"R-D", "R-D3"},
        "unhappy-disputes": {"F1-1", "E1-1"},
        "valuable-or-gone": {"D1", "D2", "D3", "C1", "C2", "C3"},
        "big-reviews": {"R-D"},  # a custom segment (900 EUR >= 500), and the rating condition still holds
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"loyl"', "segment names 'loyl', which is not one"),
        ("[]", "segment = [] matches nothing"),
        ("5", "segment has the wrong type"),
    ],
)
def test_a_bad_segment_is_a_config_error_naming_the_rule(home: Home, value: str, message: str) -> None:
    home.configure()
    with (home.path / "config.toml").open("a", encoding="utf-8") as f:
        f.write(f'\n[automation.rules.oops]\ntrigger = "order"\nsegment = {value}\naction = "notify"\n')
    result = home.run("automate", "run", "--dry-run")
    assert result.exit_code == 4
    first = result.stderr.splitlines()[0]
    assert first.startswith("Error: ") and "automation rule 'oops'" in first and message in first
    assert "Traceback" not in result.stderr


def test_a_task_rule_has_no_segment_condition(home: Home) -> None:
    home.configure()
    with (home.path / "config.toml").open("a", encoding="utf-8") as f:
        f.write('\n[automation.rules.t]\ntrigger = "task"\nsegment = "loyal"\naction = "notify"\n')
    result = home.run("config", "check")
    assert result.exit_code == 4 and "a task rule has no segment condition" in result.stderr


def _said(rid: str, rating: int, body: str) -> Review:
    return Review(id=rid, kind="seller_feedback", created_at="2026-05-20T10:00:00Z", order_id="G1", buyer_id="g",
                  rating=rating, body=body)  # fmt: skip


def _claim(did: str, code: str, reason: str) -> Dispute:
    return Dispute(id=did, kind="incident", status="open", order_id="G1", opened_at="2026-05-21T10:00:00Z",
                   reason_code=code, reason=reason)  # fmt: skip


# Themes by hand: a broken parcel is `damaged`, two weeks late is `delivery_delay`, a missing part is
# `missing_item`, praise touches no friction (`other`); Mirakl declares RETURN_BROKEN_ITEM as `damaged`, and
# an operator's own code "12" is read from its label ("Colis non reçu": `delivery_delay`).
THEMED = [
    _order("G1", "2026-05-18", "g", 40),
    _said("T-1", 1, "Colis arrivé cassé, très déçu"),
    _said("T-2", 2, "Livré avec deux semaines de retard"),
    _said("T-3", 1, "Il manque une pièce dans le carton"),
    _said("T-4", 5, "Très bon produit, merci"),
    _claim("K-1", "RETURN_BROKEN_ITEM", "Article abîmé"),
    _claim("K-2", "12", "Colis non reçu"),
]
THEME_RULES = """
[automation.rules.damaged-or-missing]
trigger = "review"
theme = ["damaged", "missing_item"]
action = "notify"

[automation.rules.late-disputes]
trigger = "dispute"
theme = "delivery_delay"
action = "notify"

[automation.rules.broken-disputes]
trigger = "dispute"
theme = "damaged"
action = "notify"
"""


def test_rules_act_only_on_items_that_touch_the_theme(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AppContext, "now", lambda self: NOW)
    home.configure()
    with (home.path / "config.toml").open("a", encoding="utf-8") as f:
        f.write(THEME_RULES)
    db = connect(home.db_path)
    with Store(db).transaction():
        TableRows(Store(db), "shop1", "mirakl").write(THEMED)
    db.close()
    assert _planned(home) == {
        "damaged-or-missing": {"T-1", "T-3"},
        "late-disputes": {"K-2"},
        "broken-disputes": {"K-1"},
    }
    with (home.path / "config.toml").open("a", encoding="utf-8") as f:
        f.write('\n[automation.rules.oops]\ntrigger = "order"\ntheme = "damaged"\naction = "notify"\n')
    refused = home.run("automate", "run", "--dry-run")
    assert refused.exit_code == 4 and "automation rule 'oops'" in refused.stderr and "theme" in refused.stderr
