"""Dispute deadlines: each marketplace's counting (hours, local days, business days with holidays)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest

from mktcrm.core import deadlines
from mktcrm.core.deadlines import describe, parse_override, respond_by, rule_for, time_left
from mktcrm.errors import ConfigError
from mktcrm.timeutil import iso, parse_time

KINDS = {"incident", "return", "inquiry", "case", "payment_dispute", "claim", "local"}


def at(text: str) -> datetime:
    value = parse_time(text)
    assert value is not None
    return value


def due(marketplace: str, kind: str, start: str, **kw: object) -> str | None:
    return iso(respond_by(marketplace, kind, at(start), **kw))  # type: ignore[arg-type]


# ---- the table -----------------------------------------------------------------------------
def test_every_rule_cites_a_source_and_a_check_date() -> None:
    every = deadlines.rules()
    assert every
    for rule in every:
        assert rule.source.startswith("https://"), rule
        assert isinstance(rule.checked, date), rule
        assert rule.amount > 0 and rule.unit in ("hours", "calendar_days", "business_days"), rule
        assert rule.start in ("opened_at", "updated_at") and rule.kind in KINDS, rule
    assert len({(r.marketplace, r.kind) for r in every}) == len(every), "one rule per marketplace and kind"


@pytest.mark.parametrize(
    ("marketplace", "kind", "amount", "unit"),
    [
        ("ebay", "payment_dispute", 5, "calendar_days"),
        ("ebay", "return", 3, "business_days"),
        ("ebay", "inquiry", 3, "business_days"),
        ("amazon", "inquiry", 24, "hours"),
        ("amazon", "claim", 48, "hours"),
        ("etsy", "case", 3, "calendar_days"),
        ("mirakl", "inquiry", 24, "hours"),
        ("mirakl", "incident", 4, "calendar_days"),
        ("mirakl", "return", 3, "business_days"),
    ],
)
def test_researched_figures(marketplace: str, kind: str, amount: int, unit: str) -> None:
    rule = rule_for(marketplace, kind)
    assert rule is not None and (rule.amount, rule.unit) == (amount, unit)


def test_mirakl_return_says_it_is_an_operator_default() -> None:
    rule = rule_for("mirakl", "return")
    assert rule is not None and "operator-dependent default" in rule.note


# A plain week (Mon 2026-06-01 10:00 Paris = 08:00Z): no holiday, no DST change.
PLAIN_WEEK = [
    ("ebay", "payment_dispute", "2026-06-06T08:00:00Z"),
    ("ebay", "return", "2026-06-04T08:00:00Z"),
    ("ebay", "inquiry", "2026-06-04T08:00:00Z"),
    ("amazon", "inquiry", "2026-06-02T08:00:00Z"),
    ("amazon", "claim", "2026-06-03T08:00:00Z"),
    ("amazon", "return", "2026-06-03T08:00:00Z"),
    ("etsy", "case", "2026-06-04T08:00:00Z"),
    ("mirakl", "inquiry", "2026-06-02T08:00:00Z"),
    ("mirakl", "incident", "2026-06-05T08:00:00Z"),
    ("mirakl", "return", "2026-06-04T08:00:00Z"),
]


@pytest.mark.parametrize(("marketplace", "kind", "expected"), PLAIN_WEEK)
def test_every_rule_arithmetic(marketplace: str, kind: str, expected: str) -> None:
    assert due(marketplace, kind, "2026-06-01T08:00:00Z") == expected


def test_every_rule_in_the_table_is_exercised() -> None:
    assert {(m, k) for m, k, _ in PLAIN_WEEK} == {(r.marketplace, r.kind) for r in deadlines.rules()}


def test_result_is_aware_utc() -> None:
    result = respond_by("ebay", "return", datetime(2026, 6, 1, 8, tzinfo=UTC))
    assert result is not None and result.utcoffset() == timedelta(0)
    naive = respond_by("amazon", "claim", datetime(2026, 6, 1, 8))  # the cache's UTC, tz dropped
    assert iso(naive) == "2026-06-03T08:00:00Z"


@pytest.mark.parametrize(("marketplace", "kind"), [("amazon", "incident"), ("cdiscount", "return"), ("etsy", "claim")])
def test_no_rule_means_no_deadline(marketplace: str, kind: str) -> None:
    assert rule_for(marketplace, kind) is None
    assert respond_by(marketplace, kind, at("2026-06-01T08:00:00Z")) is None


@pytest.mark.parametrize("marketplace", ["ebay", "amazon", "etsy", "mirakl"])
def test_local_disputes_have_no_deadline(marketplace: str) -> None:
    assert respond_by(marketplace, "local", at("2026-06-01T08:00:00Z")) is None


# ---- business days -------------------------------------------------------------------------
def test_business_days_skip_the_weekend() -> None:
    # Thu 19 Nov 10:00 CET: Fri, Mon, Tue.
    assert due("ebay", "return", "2026-11-19T09:00:00Z") == "2026-11-24T09:00:00Z"


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("2026-11-09T09:00:00Z", "2026-11-13T09:00:00Z"),  # Mon; Wed 11 Nov Armistice skipped
        ("2026-12-24T09:00:00Z", "2026-12-30T09:00:00Z"),  # Thu; Christmas Fri then weekend
        ("2026-05-13T08:00:00Z", "2026-05-19T08:00:00Z"),  # Wed; Thu 14 May Ascension skipped
        ("2026-12-30T09:00:00Z", "2027-01-05T09:00:00Z"),  # across the year: 1 Jan 2027 skipped
    ],
)
def test_business_days_skip_french_public_holidays(start: str, expected: str) -> None:
    assert due("ebay", "inquiry", start) == expected


def test_business_days_from_a_saturday_count_whole_days_from_monday() -> None:
    # Sat 21 Nov 15:00 CET: Mon, Tue, Wed → due at the end of Wednesday (Thu 00:00 Paris).
    assert due("ebay", "return", "2026-11-21T14:00:00Z") == "2026-11-25T23:00:00Z"
    # Opened on a public holiday (Wed 11 Nov): Thu, Fri, Mon.
    assert due("ebay", "return", "2026-11-11T10:00:00Z") == "2026-11-16T23:00:00Z"


def test_business_days_are_counted_in_the_account_timezone() -> None:
    start = "2026-11-20T23:30:00Z"  # Saturday 00:30 in Paris, still Friday 18:30 in New York
    assert due("ebay", "return", start) == "2026-11-25T23:00:00Z"
    assert due("ebay", "return", start, timezone="America/New_York", country="US") == "2026-11-25T23:30:00Z"


def test_the_country_changes_the_holidays() -> None:
    # Armistice (Wed 11 Nov) is French only.
    assert due("ebay", "return", "2026-11-09T09:00:00Z", country="FR") == "2026-11-13T09:00:00Z"
    assert due("ebay", "return", "2026-11-09T09:00:00Z", country="DE") == "2026-11-12T09:00:00Z"
    # Good Friday (3 Apr) is German only; Easter Monday is in both.
    assert due("ebay", "return", "2026-04-02T08:00:00Z", country="fr") == "2026-04-08T08:00:00Z"
    assert due("ebay", "return", "2026-04-02T08:00:00Z", country="DE") == "2026-04-09T08:00:00Z"
    # German Unity Day 2026 falls on a Saturday: no difference that week.
    assert deadlines.is_business_day(date(2026, 10, 2), "DE")
    fr, de = (due("ebay", "return", "2026-10-01T08:00:00Z", country=c) for c in ("FR", "DE"))
    assert fr == de == "2026-10-06T08:00:00Z"


def test_unknown_country_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="'XX'"):
        respond_by("ebay", "return", at("2026-06-01T08:00:00Z"), country="XX")


def test_unknown_timezone_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="Mars/Olympus"):
        respond_by("ebay", "payment_dispute", at("2026-06-01T08:00:00Z"), timezone="Mars/Olympus")


# ---- daylight saving ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "start", "expected", "hours"),
    [
        # eBay payment dispute, 5 days from Thu 26 Mar 10:00 CET → Tue 31 Mar 10:00 CEST (spring forward 29 Mar)
        ("payment_dispute", "2026-03-26T09:00:00Z", "2026-03-31T08:00:00Z", 119),
        # … from Thu 22 Oct 10:00 CEST → Tue 27 Oct 10:00 CET (fall back 25 Oct)
        ("payment_dispute", "2026-10-22T08:00:00Z", "2026-10-27T09:00:00Z", 121),
        # eBay return, 3 business days from Fri 27 Mar 10:00 CET → Wed 1 Apr 10:00 CEST
        ("return", "2026-03-27T09:00:00Z", "2026-04-01T08:00:00Z", 119),
    ],
)
def test_days_keep_the_local_clock_across_dst(kind: str, start: str, expected: str, hours: int) -> None:
    result = respond_by("ebay", kind, at(start))
    assert iso(result) == expected
    assert result is not None and (result - at(start)) == timedelta(hours=hours)
    zone = deadlines._zone("Europe/Paris")
    assert result.astimezone(zone).hour == at(start).astimezone(zone).hour == 10
    assert result.astimezone(zone).utcoffset() != at(start).astimezone(zone).utcoffset()


def test_mirakl_incident_across_the_autumn_change() -> None:
    # Sat 24 Oct 22:00 CEST → Wed 28 Oct 22:00 CET
    assert due("mirakl", "incident", "2026-10-24T20:00:00Z") == "2026-10-28T21:00:00Z"


@pytest.mark.parametrize("start", ["2026-03-28T12:00:00Z", "2026-10-24T12:00:00Z"])
@pytest.mark.parametrize(("marketplace", "kind", "hours"), [("amazon", "claim", 48), ("mirakl", "inquiry", 24)])
def test_hours_are_elapsed_time_across_dst(start: str, marketplace: str, kind: str, hours: int) -> None:
    result = respond_by(marketplace, kind, at(start))
    assert result is not None and (result - at(start)).total_seconds() == hours * 3600


# ---- overrides -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4d", (4, "calendar_days")),
        ("24h", (24, "hours")),
        ("3bd", (3, "business_days")),
        (" 2BD ", (2, "business_days")),
    ],
)
def test_parse_override(text: str, expected: tuple[int, str]) -> None:
    assert parse_override(text) == expected


@pytest.mark.parametrize("text", ["", "4", "d", "0h", "-1d", "1.5h", "2w", "4 days", "3 bd x"])
def test_invalid_override_names_the_value_and_the_forms(text: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_override(text)
    assert repr(text) in err.value.message
    assert err.value.hint is not None and all(form in err.value.hint for form in ("24h", "4d", "3bd"))


def test_override_replaces_the_figure_and_says_config() -> None:
    rule = rule_for("mirakl", "incident", {"incident": "2d"})
    assert rule is not None and (rule.amount, rule.unit, rule.source) == (2, "calendar_days", "config")
    assert due("mirakl", "incident", "2026-06-01T08:00:00Z", overrides={"incident": "2d"}) == "2026-06-03T08:00:00Z"
    # Other kinds keep the table; the start time of the rule is kept.
    assert rule_for("mirakl", "return", {"incident": "2d"}) == rule_for("mirakl", "return")
    inquiry = rule_for("amazon", "inquiry", {"Inquiry": "12h"})
    assert inquiry is not None and (inquiry.amount, inquiry.start) == (12, "updated_at")


def test_override_adds_a_deadline_where_the_table_has_none() -> None:
    overrides = {"return": "3bd", "local": "7d"}
    assert due("etsy", "return", "2026-11-19T09:00:00Z", overrides=overrides) == "2026-11-24T09:00:00Z"
    assert due("etsy", "local", "2026-06-01T08:00:00Z", overrides=overrides) == "2026-06-08T08:00:00Z"


def test_invalid_override_fails_even_for_a_table_kind() -> None:
    with pytest.raises(ConfigError, match="'4 jours'"):
        respond_by("mirakl", "incident", at("2026-06-01T08:00:00Z"), overrides={"incident": "4 jours"})


# ---- words for people ------------------------------------------------------------------------
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(hours=3), "3 h left"),
        (timedelta(hours=3, minutes=59), "3 h left"),
        (timedelta(hours=47, minutes=30), "47 h left"),
        (timedelta(days=2, hours=5), "2 d left"),
        (timedelta(minutes=45), "45 min left"),
        (timedelta(seconds=60), "1 min left"),
        (timedelta(seconds=59), "due now"),
        (timedelta(0), "due now"),
        (timedelta(seconds=-30), "due now"),
        (timedelta(seconds=-90), "overdue by 1 min"),
        (timedelta(hours=-5, minutes=-10), "overdue by 5 h"),
        (timedelta(days=-2), "overdue by 2 d"),
        (timedelta(days=-9, hours=-23), "overdue by 9 d"),
    ],
)
def test_time_left(delta: timedelta, words: str) -> None:
    assert time_left(NOW + delta, NOW) == words


def test_describe() -> None:
    ebay_return = rule_for("ebay", "return")
    assert ebay_return is not None
    text = describe(ebay_return)
    assert text.startswith("3 business days from opening (FR holidays), source https://www.ebay.")
    assert "checked 2026-11-22" in text
    assert "(DE holidays)" in describe(ebay_return, country="de")
    amazon = rule_for("amazon", "inquiry")
    assert amazon is not None and describe(amazon).startswith("24 h from the latest message, source https://")
    payment = rule_for("ebay", "payment_dispute")
    assert payment is not None and describe(payment).startswith("5 calendar days from opening, source https://")
    config = rule_for("mirakl", "incident", {"incident": "1d"})
    assert config is not None and describe(config) == "1 calendar day from opening, source: account config (deadlines)"


def test_import_does_not_load_holidays() -> None:
    code = "import sys, mktcrm.core.deadlines; print('holidays' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
