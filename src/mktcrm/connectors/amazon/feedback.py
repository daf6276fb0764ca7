"""Reading a GET_SELLER_FEEDBACK_DATA flat file as Amazon really writes it, whatever the marketplace.

The header line is in the marketplace's language (German `Datum · Bewertung · Kommentar · Ihre Antwort ·
Transaktionsnummer · E-Mail des Bewertenden`…) while the six columns keep their order, so columns are read
by position, as Airbyte's and FikaAmazonAPI's readers do. The Date column follows the marketplace's own
form (table below). Each row is checked (a date, a rating 1-5, an order id of Amazon's 3-7-7 shape); a row
that fails is reported by its line number, never stored with a guessed value nor dropped silently.
Sources: docs/marketplaces/amazon.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from mktcrm.timeutil import iso

COLUMNS = ("date", "rating", "comments", "response", "order_id", "rater_email")
PRIVATE = ("rater_email",)
ORDER_ID = re.compile(r"^\d{3}-\d{7}-\d{7}$")
_NUMERIC = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})$")

Order = Literal["dmy", "mdy", "ymd"]
# The Date column's field order per marketplace id (Airbyte's SellerFeedbackReports map, and the issue's
# captures): day-first in Europe and also on amazon.ca and amazon.com.mx, year-first (`26/1/5`) in Japan
# and ISO in Sweden, dotted day-first (`5.1.26`) in Germany, month-first only on amazon.com.
DATE_ORDER: dict[str, Order] = {
    "ATVPDKIKX0DER": "mdy",  # US
    "A2EUQ1WTGCTBG2": "dmy",  # CA
    "A1AM78C64UM0Y8": "dmy",  # MX
    "A2Q3Y263D00KWC": "dmy",  # BR
    "A1PA6795UKMFR9": "dmy",  # DE (dotted)
    "A13V1IB3VIYZZH": "dmy",  # FR
    "A1RKKUPIHCS9HS": "dmy",  # ES
    "APJ6JRA9NG5V4": "dmy",  # IT
    "A1F83G8C2ARO7P": "dmy",  # UK
    "A1805IZSGTT6HS": "dmy",  # NL
    "AMEN7PMS3EDWL": "dmy",  # BE
    "A1C3SOZRARQ6R3": "dmy",  # PL
    "A33AVAJ2PDY3EV": "dmy",  # TR
    "A2VIGQ35RCS4UG": "dmy",  # AE
    "A17E79C6D8DWNP": "dmy",  # SA
    "ARBP9OOSHTCHU": "dmy",  # EG
    "A21TJRUUN4KGV": "dmy",  # IN
    "A39IBJ37TRP1C6": "dmy",  # AU
    "A19VAU5U5O7RUS": "dmy",  # SG
    "A2NODRKZP88ZB9": "ymd",  # SE (2026-01-05)
    "A1VC38T7YXB528": "ymd",  # JP (26/1/5)
}
DEFAULT_ORDER: Order = "dmy"  # most marketplaces; an unknown one is read day-first and checked


def date_order(marketplace_id: str) -> Order:
    return DATE_ORDER.get(marketplace_id, DEFAULT_ORDER)


def parse_date(value: str, order: Order) -> str | None:
    """One Date cell as UTC midnight ISO text; None when it is not a real date in the marketplace's form.

    ISO dates (`2026-11-19`, with or without a time) are read on every marketplace; a numeric date is
    read in the marketplace's order only, so `05/01/26` is 5 January in Paris and 1 May in New York.
    """
    text = value.strip()
    match = _NUMERIC.match(text)
    try:
        if match is None:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            parsed = parsed.replace(tzinfo=parsed.tzinfo or UTC).astimezone(UTC)
            return iso(datetime(parsed.year, parsed.month, parsed.day, tzinfo=UTC))
        a, b, c = match.groups()
        if len(a) == 4 or order == "ymd":
            year, month, day = int(a), int(b), int(c)
        elif order == "mdy":
            month, day, year = int(a), int(b), int(c)
        else:
            day, month, year = int(a), int(b), int(c)
        if len(str(year)) == 3:
            return None
        return iso(datetime(year + 2000 if year < 100 else year, month, day, tzinfo=UTC))
    except ValueError:
        return None


@dataclass(frozen=True)
class FeedbackRow:
    """One checked row: where it was (for error messages) and its cells by Amazon's column position."""

    marketplace_id: str
    line: int  # 1-based line of the file, the header being line 1
    cells: dict[str, str]
    created_at: str | None = None
    rating: int | None = None
    problem: str | None = None  # why the row cannot be trusted (None: it can)


def read_rows(text: str, marketplace_id: str) -> list[FeedbackRow]:
    """Every data line of the file, checked; the header line is skipped whatever its language."""
    order = date_order(marketplace_id)
    lines = text.lstrip("\ufeff").splitlines()
    rows: list[FeedbackRow] = []
    header_seen = False
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if not header_seen:
            header_seen = True
            continue
        rows.append(_check(line.split("\t"), marketplace_id, number, order))
    return rows


def _check(raw: list[str], marketplace_id: str, line: int, order: Order) -> FeedbackRow:
    cells = {name: (raw[i].strip() if i < len(raw) else "") for i, name in enumerate(COLUMNS)}
    problem = None
    created = parse_date(cells["date"], order)
    rating = int(cells["rating"]) if cells["rating"].isdigit() and 1 <= int(cells["rating"]) <= 5 else None
    if len(raw) < len(COLUMNS) - 1:
        problem = f"{len(raw)} columns instead of {len(COLUMNS)}"
    elif created is None:
        problem = f"date {cells['date'][:20]!r} is not a {order.upper()} date"
    elif rating is None:
        problem = f"rating {cells['rating'][:20]!r} is not 1-5"
    elif not ORDER_ID.match(cells["order_id"]):
        problem = f"order id {cells['order_id'][:30]!r} is not Amazon's 123-1234567-1234567"
    return FeedbackRow(marketplace_id, line, cells, created, rating, problem)
