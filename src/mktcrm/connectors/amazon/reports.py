"""Seller feedback through the Reports API: createReport → getReport (poll) → getReportDocument → download.

GET_SELLER_FEEDBACK_DATA holds only negative and neutral (1-3 star) feedback, one row per order, as a
tab-separated flat file in the marketplace's language and date form (read by `feedback`), so one report is
requested per marketplace. The document is fetched from a pre-signed URL on another host, without the
SP-API access token. The report is requested again on every run (and on a resume), from the cursor.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from mktcrm.connectors.base import Page, Stream
from mktcrm.errors import RemoteError, TemporaryError
from mktcrm.records import Review
from mktcrm.timeutil import iso

from .feedback import PRIVATE, FeedbackRow, read_rows
from .streams import day_start, marketplace_ids

REPORTS = "/reports/2021-06-30"
REPORT_TYPE = "GET_SELLER_FEEDBACK_DATA"
MAX_POLLS = 20
MAX_POLL_WAIT = 30.0
FEEDBACK_HORIZON = timedelta(days=365)  # first run without sync_start: the last year of feedback


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

    def fetch(self, since: datetime) -> list[FeedbackRow]:
        """Every row of one report per marketplace, in marketplace order then file order (stable for resumes)."""
        rows: list[FeedbackRow] = []
        for marketplace in marketplace_ids(self):
            rows.extend(read_rows(self._download(marketplace, since), marketplace))
        return rows

    def _download(self, marketplace: str, since: datetime) -> str:
        client = self.ctx.client
        spec = {"reportType": REPORT_TYPE, "marketplaceIds": [marketplace], "dataStartTime": iso(since)}
        created = client.post_json(f"{REPORTS}/reports", json=spec)
        report_id = self._field(created, "reportId", "createReport")
        report = self._wait(str(report_id))
        if report.get("processingStatus") == "CANCELLED":
            return ""  # Amazon cancels a report that has no data
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
        return decode(content, download.charset_encoding)

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

    def normalize(self, items: list[FeedbackRow]) -> Page:  # type: ignore[override]
        reviews: list[Review] = []
        cursor: str | None = None
        bad = [row for row in items if row.problem]
        for row in items:
            if row.problem:
                continue
            cells = row.cells
            email = cells["rater_email"]
            reviews.append(
                Review(
                    id=cells["order_id"],
                    kind="seller_feedback",
                    order_id=cells["order_id"],
                    buyer_id=email or None,  # the same relay address as the order's buyer: the same key
                    rating=row.rating,
                    rating_raw=cells["rating"],
                    body=cells["comments"] or None,
                    created_at=row.created_at,
                    updated_at=row.created_at,
                    reply_body=cells["response"] or None,
                    raw={k: v for k, v in cells.items() if k not in PRIVATE} | {"marketplace_id": row.marketplace_id},
                )
            )
            cursor = max(cursor or "", row.created_at or "") or None
        first = f"{bad[0].marketplace_id} report line {bad[0].line}: {bad[0].problem}" if bad else None
        return Page(reviews, cursor=cursor, skipped=len(bad), first_bad=first)


def decode(content: bytes, charset: str | None) -> str:
    """UTF-8 unless the download says otherwise; Windows-1252 (a superset of Latin-1) as a fallback."""
    try:
        return content.decode(charset or "utf-8")
    except (LookupError, UnicodeDecodeError):
        return content.decode("cp1252", errors="replace")
