"""Money in minor units per currency: the one place that knows how many decimals a currency has.

ISO 4217 gives each currency an exponent (EUR 2, JPY 0, KWD 3). Storing ¥1,500 as 150000 "cents" or
showing it as "15.00" is the 100× error real Etsy and Amazon shops in Japan or Korea would see, so every
connector converts with `to_minor(value, currency)` and every view with `from_minor(value, currency)`.

The table lists only the currencies whose exponent is not 2, transcribed from ISO 4217 List One (SIX
Group, the maintenance agency; the same data the `iso4217` and Babel packages ship). A dependency for
fifteen lines of data that change about once a decade would not earn its import time; when the list
changes, update it here (tests/test_money.py pins each entry).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mktcrm import timeutil

# ISO 4217 List One, exponents other than 2 (funds codes included; XAU/XDR and other no-unit codes omitted).
EXPONENTS: dict[str, int] = {
    **dict.fromkeys(
        ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV"), 0
    ),
    **dict.fromkeys(("XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}
DEFAULT_EXPONENT = 2


def exponent(currency: str | None) -> int:
    """Decimals of `currency` (2 when unknown or missing, the ISO default for most currencies)."""
    return EXPONENTS.get((currency or "").strip().upper(), DEFAULT_EXPONENT)


def to_minor(value: Any, currency: str | None) -> int | None:
    """A major-unit amount as the marketplace wrote it ("12.90", 1500) → integer minor units of `currency`."""
    return timeutil.to_minor(value, exponent(currency))


def from_minor(value: int | None, currency: str | None) -> str | None:
    """Minor units → the decimal string money leaves the tool as ("12.90", "1500" for yen)."""
    return timeutil.from_minor(value, exponent(currency))


def net_of(
    total: int | None, currency: str | None, refunds: Iterable[tuple[int | None, str | None]]
) -> tuple[int | None, str | None]:
    """`total` less the refunds made (each in minor units with its currency): what the seller kept.

    A refund in another currency than the total leaves the total unknown (None), never a guess; a refund
    without an amount gave nothing we can count.
    """
    if total is None:
        return None, currency
    for amount, refund_currency in refunds:
        if amount is None:
            continue
        if refund_currency not in (None, currency):
            return None, currency
        total -= amount
    return max(0, total), currency
