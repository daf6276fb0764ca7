"""`mktcrm report`: its KPI table read back with the stdlib HTML parser equals `mktcrm kpi --json`; untrusted
text stays text in HTML and Markdown; the file is whole or absent; extra sections plug in by name."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from conftest import Home, mirakl_account, sandbox_account
from mktcrm.core import kpi_view
from mktcrm.core import report as report_core
from mktcrm.db.connect import connect
from mktcrm.db.store import Store
from mktcrm.records import Review
from mktcrm.sync.tables import TableRows

PERIOD = ("--period", "2026-11")  # a calendar month: both commands measure the very same bounds
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)> **gras** | [lien](http://evil.example) &amp;"


class Parsed(HTMLParser):
    """Collects what the tests check: KPI cells by account and field, every tag seen, every URL attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[tuple[str, str], Any] = {}
        self.previous: dict[tuple[str, str], Any] = {}
        self.tags: set[str] = set()
        self.urls: list[str] = []
        self.charts = 0
        self.text: list[str] = []
        self._account = ""
        self._field = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.add(tag)
        self.urls += [v or "" for k, v in attrs if k in ("src", "href", "xlink:href", "action")]
        if tag == "tr" and "data-account" in a:
            self._account = a["data-account"] or ""
        if tag == "td" and "data-field" in a:
            self._field = a["data-field"] or ""
            self.cells[(self._account, self._field)] = json.loads(a["data-value"] or "null")
        if tag == "span" and "data-previous" in a:
            self.previous[(self._account, self._field)] = json.loads(a["data-previous"] or "null")
        if tag == "svg" and "chart" in (a.get("class") or ""):
            self.charts += 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture
def shops(home: Home) -> Home:
    ebay, secrets = sandbox_account("ebay", "ebay-fr", orders=150)
    shop = mirakl_account("shop", base_url=mirakl_account("shop")["base_url"].replace("orders=40", "orders=150"))
    home.configure([shop, ebay], secrets={shop["api_key_env"]: "sandbox-shop-key", **secrets})
    home.ok("sync", "--quiet")
    db = connect(home.db_path)
    with Store(db).transaction():
        review = Review(id="EVIL", kind="seller_feedback", created_at="2026-11-10T10:00:00Z", rating=1, body=HOSTILE)
        TableRows(Store(db), "shop", "mirakl").write([review])
    db.close()
    return home


def parse(path: Path) -> Parsed:
    parser = Parsed()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_kpi_table_matches_kpi_json(shops: Home, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    shops.ok("report", *PERIOD, "--html", str(target))
    page = parse(target)
    rows = json.loads(shops.ok("kpi", *PERIOD, "--compare", "--json").stdout)
    assert {r["account"] for r in rows} == {"shop", "ebay-fr", "total"}
    checked = 0
    for row in rows:
        for name in kpi_view.DEFAULT:
            assert page.cells[(row["account"], name)] == row[name], (row["account"], name)
            assert page.previous[(row["account"], name)] == row["previous"][name], (row["account"], name)
            checked += 1
    assert checked == 3 * len(kpi_view.DEFAULT)
    assert any(v not in (None, 0) for v in page.cells.values())  # real figures, not an empty table
    assert page.charts == 2 * len(report_core.TREND_FIELDS)  # orders, revenue, satisfaction per account
    text = " ".join(page.text)
    for heading in ("Due within 7 days", "Friction points", "Worst SKUs by dispute rate"):
        assert heading in text


def test_untrusted_text_stays_text_and_nothing_is_fetched(shops: Home, tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    shops.ok("report", *PERIOD, "--html", str(target))
    page = parse(target)
    assert "script" not in page.tags and "img" not in page.tags and "a" not in page.tags
    assert page.urls == []  # no src or href at all: nothing to load
    html = target.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the buyer's words are shown, as text
    assert "default-src 'none'" in html


def test_markdown_escapes_markup(shops: Home) -> None:
    out = shops.ok("report", *PERIOD, "--md", "-")
    assert out.stdout.startswith("# Customer report, 2026-11")
    assert "| shop | mirakl |" in out.stdout
    assert "<script>" not in out.stdout and "[lien](" not in out.stdout and "**gras**" not in out.stdout
    assert r"\[lien\](http://evil.example) \&amp;" in out.stdout  # shown as typed, inert
    assert r"\<script\>alert(1)\</script\>" in out.stdout


def test_files_are_whole_or_absent_and_usage_errors(home: Home, tmp_path: Path) -> None:
    home.configure()
    out = home.run("report", *PERIOD)
    assert out.exit_code == 2 and "--html FILE" in out.stderr
    out = home.run("report", "--html", str(tmp_path / "nowhere" / "r.html"))
    assert out.exit_code == 2 and "no folder" in out.stderr and "Traceback" not in out.stderr
    out = home.run("report", "--period", "yesterday", "--html", str(tmp_path / "r.html"))
    assert out.exit_code == 2 and "cannot read the period" in out.stderr
    assert not (tmp_path / "r.html").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".r.html")] == []


def test_the_segments_section_shows_what_mktcrm_segments_says(home: Home, tmp_path: Path) -> None:
    home.configure()
    home.ok("sync", "--quiet")
    rows = json.loads(home.ok("segments", "--json").stdout)
    everyone = next(r for r in rows if r["segment"] == "all")
    assert everyone["buyers"] > 0
    target = tmp_path / "r.html"
    home.ok("report", "--html", str(target))
    html = target.read_text(encoding="utf-8")
    section = html[html.index("<h2>Segments</h2>") :]
    section = section[: section.index("</table>")]
    assert f"<td>{everyone['buyers']}</td>" in section
    assert all(f"<td>{r['segment']}</td>" in section for r in rows)
