"""Seller feedback through the Reports API: createReport → getReport (poll) → getReportDocument → download.

GET_SELLER_FEEDBACK_DATA holds only negative and neutral (1-3 star) feedback, one row per order, as a
tab-separated flat file. The document is fetched from a pre-signed URL on another host, without the
SP-API access token. The report is requested again on every run (and on a resume), from the cursor.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from mktcrm.connectors.base import Page, Stream
from mktcrm.errors import RemoteError, TemporaryError
from mktcrm.records import Review
from mktcrm.timeutil import iso

from .streams import day_start, marketplace_ids

REPORTS = "/reports/2021-06-30"
REPORT_TYPE = "GET_SELLER_FEEDBACK_DATA"
MAX_POLLS = 20
MAX_POLL_WAIT = 30.0
FEEDBACK_HORIZON = timedelta(days=365)  # first run without sync_start: the last year of feedback
PRIVATE_COLUMNS = ("Rater Email",)
_NUMERIC_DATE = re.compile(r"^(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})$")


# Marketplaces whose Seller Central exports write month-first dates (11/19/26); the others write day-first.
MONTH_FIRST_MARKETPLACES = {"ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", "A1AM78C64UM0Y8"}  # US, CA, MX


def parse_dates(values: list[str], day_first_default: bool = False) -> list[str | None]:
    """The report's Date column as UTC midnight ISO strings, whatever the export locale used.

    Accepts ISO (`2026-11-19`, with or without a time) and numeric `M/D/YY`, `D/M/YY`, `D.M.YYYY`…
    The day/month order is decided once for the whole column: a field above 12 decides it; when none does,
    the marketplace's convention (day-first in Europe, month-first in North America, e.g. `11/19/26`).
    """
    numeric = [_NUMERIC_DATE.match(v.strip()) for v in values]
    firsts = [int(m.group(1)) for m in numeric if m and len(m.group(1)) <= 2]
    seconds = [int(m.group(2)) for m in numeric if m and len(m.group(1)) <= 2]
    if any(s > 12 for s in seconds):
        day_first = False
    elif any(f > 12 for f in firsts):
        day_first = True
    else:  # nothing in the column decides: the marketplace's convention does
        day_first = day_first_default
    out: list[str | None] = []
    for value, match in zip(values, numeric, strict=True):
        out.append(_one_date(value.strip(), match, day_first))
    return out


def _one_date(value: str, match: re.Match[str] | None, day_first: bool) -> str | None:
    try:
        if match is None:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            parsed = parsed.replace(tzinfo=parsed.tzinfo or UTC).astimezone(UTC)
            return iso(day_start(parsed.date()))
        a, b, c = (int(g) for g in match.groups())
        if len(match.group(1)) == 4:  # 2026/11/19
            year, month, day = a, b, c
        else:
            year = c + 2000 if c < 100 else c
            month, day = (b, a) if day_first else (a, b)
        return iso(datetime(year, month, day, tzinfo=UTC))
    except ValueError:
        return None


def parse_report(content: bytes, charset: str | None) -> list[dict[str, str]]:
    """Flat-file rows keyed by header; UTF-8 unless the download says otherwise, Windows-1252 as a fallback."""
    try:
        text = content.decode(charset or "utf-8")
    except (LookupError, UnicodeDecodeError):
        text = content.decode("cp1252", errors="replace")
    lines = [line for line in text.lstrip("\ufeff").splitlines() if line.strip()]
    if not lines:
        return []
    header = [h.strip() for h in lines[0].split("\t")]
    rows = []
    for line in lines[1:]:
        cells = line.split("\t")
        rows.append({h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header)})
    return rows


class ReviewsStream(Stream):
    """1-3 star seller feedback from the GET_SELLER_FEEDBACK_DATA report, by feedback date.

    Report dates are days, so the look-back is at least three days; re-reading is harmless (upserts).
    """

    name = "reviews"
    lookback = timedelta(days=3)

    def pages(self, since: datetime | None, token: Any = None) -> Iterator[Page]:
        """One report per run, stored in pages of `page_size` rows; a resume skips the rows already stored."""
        rows = self.fetch(since or day_start((datetime.now(UTC) - FEEDBACK_HORIZON).date()))
        size = max(1, self.ctx.page_size)
        start = min(int(token or 0), len(rows))
        while True:
            page = self.normalize(rows[start : start + size])
            start += size
            page.next_token = start if start < len(rows) else None
            yield page
            if page.next_token is None:
                return

    def fetch(self, since: datetime) -> list[dict[str, str]]:
        client = self.ctx.client
        spec = {"reportType": REPORT_TYPE, "marketplaceIds": marketplace_ids(self), "dataStartTime": iso(since)}
        created = client.post_json(f"{REPORTS}/reports", json=spec)
        report_id = self._field(created, "reportId", "createReport")
        report = self._wait(str(report_id))
        if report.get("processingStatus") == "CANCELLED":
            return []  # Amazon cancels a report that has no data
        doc_id = self._field(report, "reportDocumentId", "getReport")
        document = client.get_json(f"{REPORTS}/documents/{doc_id}")
        url = self._field(document, "url", "getReportDocument")
        # A pre-signed URL on another host: the SP-API token must not travel there (auth=None).
        download = client.request("GET", str(url), auth=None)
        content = download.content
        if document.get("compressionAlgorithm") == "GZIP" or content[:2] == b"\x1f\x8b":
            try:
                content = gzip.decompress(content)
            except (OSError, EOFError):
                if content[:2] == b"\x1f\x8b":
                    raise RemoteError(f"{self.ctx.account.name}: the feedback report is not valid gzip") from None
        return parse_report(content, download.charset_encoding)

    def _wait(self, report_id: str) -> dict[str, Any]:
        """Poll getReport with growing pauses (from `[sync] backoff_seconds`, capped at 30 s), a bounded number."""
        client = self.ctx.client
        pause = max(0.01, client.policy.backoff)
        status = "IN_QUEUE"
        for attempt in range(MAX_POLLS):
            report = client.get_json(f"{REPORTS}/reports/{report_id}")
            status = str(self._field(report, "processingStatus", "getReport"))
            if status in ("DONE", "CANCELLED"):
                return dict(report)
            if status == "FATAL":
                raise RemoteError(
                    f"{self.ctx.account.name}: Amazon could not build the seller feedback report (FATAL)",
                    hint="retry later; if it persists, download it in Seller Central > Reports > Feedback",
                )
            if attempt < MAX_POLLS - 1:
                client.sleep(min(MAX_POLL_WAIT, pause * 2**attempt))
        raise TemporaryError(
            f"{self.ctx.account.name}: the seller feedback report is still {status} after {MAX_POLLS} checks",
            hint="Amazon is slow to build reports right now; run the sync again later",
        )

    def _field(self, body: Any, key: str, operation: str) -> Any:
        value = body.get(key) if isinstance(body, dict) else None
        if value in (None, ""):
            raise RemoteError(f"{self.ctx.account.name}: unexpected answer from {operation} (no {key})")
        return value

    def normalize(self, items: list[dict[str, Any]]) -> Page:
        marketplaces = set(self.ctx.account.get("marketplace_ids") or [])
        day_first = not marketplaces or not marketplaces <= MONTH_FIRST_MARKETPLACES
        dates = parse_dates([row.get("Date", "") for row in items], day_first)
        reviews: list[Review] = []
        cursor: str | None = None
        for row, created in zip(items, dates, strict=True):
            order_id = (row.get("Order ID") or "").strip()
            if not order_id:
                continue
            rating_raw = (row.get("Rating") or "").strip()
            email = (row.get("Rater Email") or "").strip()
            reviews.append(
                Review(
                    id=order_id,
                    kind="seller_feedback",
                    order_id=order_id,
                    buyer_id=email or None,  # the same relay address as the order's buyer: the same key
                    rating=int(rating_raw) if rating_raw.isdigit() else None,
                    rating_raw=rating_raw or None,
                    body=row.get("Comments") or None,
                    created_at=created,
                    updated_at=created,
                    reply_body=row.get("Your Response") or row.get("Response") or None,
                    raw={k: v for k, v in row.items() if k not in PRIVATE_COLUMNS},
                )
            )
            cursor = max(cursor or "", created or "") or None
        return Page(reviews, cursor=cursor)
