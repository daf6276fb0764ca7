"""`mktcrm report --html` in a real headless Chromium: no console error, nothing fetched, every chart visible.

Playwright for Python drives Debian's `chromium` by its executable path (never a browser Playwright
downloads); `.ci/run` installs it when absent, so this test runs in CI instead of being skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import Home, sandbox_account

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def test_report_renders_in_chromium(home: Home, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        reason = "chromium is missing: `apt-get install -y chromium` (.ci/run does it)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser test: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    ebay, secrets = sandbox_account("ebay", "ebay-fr", orders=120)
    home.configure([ebay], secrets=secrets)
    home.ok("sync", "--quiet")
    target = tmp_path / "report.html"
    home.ok("report", "--period", "365d", "--html", str(target))

    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(target.as_uri(), wait_until="load")
            charts = page.locator("svg.chart")
            assert charts.count() == 3  # orders, revenue, satisfaction for the one account
            for index in range(charts.count()):
                chart = charts.nth(index)
                chart.scroll_into_view_if_needed()
                box = chart.bounding_box()
                assert chart.is_visible() and box is not None and box["width"] > 0 and box["height"] > 0
            bars = page.locator("svg.chart rect.bar")
            assert bars.count() > 0
            box = bars.first.bounding_box()
            assert box is not None and box["width"] > 0 and box["height"] > 0
            assert page.locator("table.kpi tr[data-account='total']").is_visible()
        finally:
            browser.close()
    assert errors == []
    assert requests == [target.as_uri()]  # the file itself, nothing else
