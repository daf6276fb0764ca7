"""The Reports API 2021-06-30 part of the Amazon sandbox: createReport, getReport, getReportDocument, download.

A report is DONE after one or two polls (or ends as ``report_status``: CANCELLED, FATAL); its document is
served from a pre-signed URL on another host, gzipped or plain, and refuses an SP-API token sent along.
Only GET_SELLER_FEEDBACK_DATA is generated.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

import httpx

from mktcrm.sandbox.base import ApiError
from mktcrm.sandbox.params import bool_param, check_names
from mktcrm.sandbox.records import Dataset

from . import params as qp
from . import payloads as pl

FEEDBACK = "GET_SELLER_FEEDBACK_DATA"
DOCUMENTS_PREFIX = "/report-documents/"  # served as if from another host: the pre-signed download
REPORT = re.compile(r"^/reports/2021-06-30/reports/([^/]+)$")
DOCUMENT = re.compile(r"^/reports/2021-06-30/documents/([^/]+)$")


class ReportsMixin:
    """Report state and handlers; the sandbox sets the attributes below in its constructor."""

    name: str
    data: Dataset
    reports: dict[str, dict[str, Any]]
    report_status: str
    report_compression: str | None
    report_dates: str
    report_junk: int

    def _create_report(self, request: httpx.Request, path: str) -> tuple[int, Any]:
        check_names(request.url.params, frozenset())
        try:
            body = json.loads(request.content or b"null")
        except ValueError:
            raise ApiError(400, "The request body is not valid JSON") from None
        spec = qp.report_spec(body)
        if spec["reportType"] != FEEDBACK:
            raise ApiError(400, f"Report type {spec['reportType'][:60]} is not available in this sandbox")
        report_id = str(50_000_000_000 + len(self.reports) + 1)
        self.reports[report_id] = {
            "spec": spec,
            "created": datetime.now(UTC).timestamp(),
            "polls": 0,
            "needed": 1 + len(self.reports) % 2,  # DONE after one or two polls
        }
        return 202, {"reportId": report_id}

    def _report_body(self, report_id: str) -> dict[str, Any]:
        report = self.reports.get(report_id)
        if report is None:
            raise ApiError(404, f"Report {report_id[:40]} not found")
        spec, created = report["spec"], report["created"]
        body: dict[str, Any] = {
            "reportId": report_id,
            "reportType": spec["reportType"],
            "marketplaceIds": spec["marketplaceIds"],
            "createdTime": pl.iso(created),
        }
        for key in ("dataStartTime", "dataEndTime"):
            if key in spec:
                body[key] = pl.iso(spec[key])
        report["polls"] += 1
        if report["polls"] < report["needed"]:
            body["processingStatus"] = "IN_QUEUE"
            return body
        body["processingStatus"] = report.setdefault("status", self.report_status)
        body["processingStartTime"] = pl.iso(created)
        body["processingEndTime"] = pl.iso(created + 1)
        if body["processingStatus"] == "DONE":
            body["reportDocumentId"] = f"amzn1.spdoc.1.4.eu.{report_id}.sbx"
        return body

    def _get_report(self, request: httpx.Request, path: str) -> tuple[int, Any]:
        check_names(request.url.params, frozenset())
        match = REPORT.match(path)
        assert match is not None
        return 200, self._report_body(match.group(1))

    def _get_document(self, request: httpx.Request, path: str) -> tuple[int, Any]:
        params = request.url.params
        check_names(params, frozenset({"enableContentEncodingUrlHeader"}))
        bool_param(params, "enableContentEncodingUrlHeader")
        match = DOCUMENT.match(path)
        assert match is not None
        doc_id = match.group(1)
        report_id = doc_id.split(".")[-2] if doc_id.count(".") >= 2 else ""
        if report_id not in self.reports or self.reports[report_id].get("status") != "DONE":
            raise ApiError(404, f"Report document {doc_id[:60]} not found")
        gzipped = self.report_compression == "GZIP"
        self.reports[report_id]["gzip"] = gzipped
        query = f"X-Amz-Expires=300&X-Amz-Signature={_sign(report_id)}"
        url = f"{self._documents_base(request)}{DOCUMENTS_PREFIX}{report_id}?{query}"
        body: dict[str, Any] = {"reportDocumentId": doc_id, "url": url}
        if gzipped:
            body["compressionAlgorithm"] = "GZIP"
        return 200, body

    def _documents_base(self, request: httpx.Request) -> str:
        """Another host than SP-API's, as S3's is. Served on loopback, `localhost` reaches the same server."""
        host = request.headers.get("host", "")
        if host.startswith(("127.0.0.1", "[::1]")):
            port = host.rsplit(":", 1)[1] if host.count(":") == 1 or host.startswith("[") else ""
            return f"http://localhost{':' + port if port else ''}/{self.name}"
        return f"http://sandbox-documents.invalid/{self.name}"

    def _download(self, request: httpx.Request, report_id: str) -> httpx.Response:
        """The pre-signed S3 GET: the signature is the only credential; an SP-API token must not be sent."""
        report = self.reports.get(report_id)
        if request.method != "GET" or report is None or request.url.params.get("X-Amz-Signature") != _sign(report_id):
            return _s3_error(403, "AccessDenied", "Request has expired or the signature does not match")
        if "x-amz-access-token" in request.headers or "authorization" in request.headers:
            return _s3_error(400, "InvalidArgument", "Only one auth mechanism allowed")
        spec = report["spec"]
        start, end = spec.get("dataStartTime", 0.0), spec.get("dataEndTime")
        marketplace = spec["marketplaceIds"][0]
        content = pl.feedback_report(self.data, start, end, self.report_dates, marketplace, self.report_junk)
        if report.get("gzip"):
            content = gzip.compress(content, mtime=0)
        return httpx.Response(200, content=content, headers={"Content-Type": "text/plain;charset=UTF-8"})


def _sign(report_id: str) -> str:
    return hashlib.sha256(f"sbx-s3:{report_id}".encode()).hexdigest()[:32]


def _s3_error(status: int, code: str, message: str) -> httpx.Response:
    xml = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'
    return httpx.Response(status, content=xml.encode(), headers={"Content-Type": "application/xml"})
