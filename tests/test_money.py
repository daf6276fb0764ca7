"""Money in minor units per ISO 4217 exponent, the same way in every connector and every view."""

from __future__ import annotations

import pytest

from mktcrm.connectors.etsy.streams import money_minor
from mktcrm.money import EXPONENTS, exponent, from_minor, to_minor


@pytest.mark.parametrize(
    ("currency", "digits"),
    [
        *[("EUR", 2), ("usd", 2), ("JPY", 0), ("KRW", 0), ("VND", 0), ("CLP", 0), ("ISK", 0), ("XOF", 0)],
        *[("HUF", 2), ("TWD", 2)],  # ISO says 2 even where cash has no cents: Etsy's divisor says the rest
        *[("KWD", 3), ("BHD", 3), ("TND", 3), ("CLF", 4), (None, 2), ("???", 2)],
    ],
)
def test_iso_4217_exponents(currency: str | None, digits: int) -> None:
    assert exponent(currency) == digits


def test_the_table_holds_only_exceptions() -> None:
    assert all(len(code) == 3 and code.isupper() and e != 2 for code, e in EXPONENTS.items())


def test_yen_and_dinar_round_trip_without_a_100x_error() -> None:
    assert to_minor("1500", "JPY") == 1500 and from_minor(1500, "JPY") == "1500"
    assert to_minor("12.90", "EUR") == 1290 and from_minor(1290, "EUR") == "12.90"
    assert to_minor("1.234", "KWD") == 1234 and from_minor(1234, "KWD") == "1.234"
    assert from_minor(-505, "EUR") == "-5.05" and from_minor(None, "JPY") is None


def test_etsy_money_in_yen_and_in_euros_with_any_divisor() -> None:
    # ¥1,500 as Etsy writes it (divisor 1) and with a divisor of 100 (amount 150000): both 1500 yen.
    assert money_minor({"amount": 1500, "divisor": 1, "currency_code": "JPY"}) == (1500, "JPY")
    assert money_minor({"amount": 150000, "divisor": 100, "currency_code": "JPY"}) == (1500, "JPY")
    assert money_minor({"amount": 12900, "divisor": 1000, "currency_code": "EUR"}, quantity=2) == (2580, "EUR")
