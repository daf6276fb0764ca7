"""The output contract shared by every list command: formats, --fields, TTY rules, untrusted text."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

import pytest

from conftest import Home, sandbox

REVIEW_JSON_FIELDS = {
    "account",
    "marketplace",
    "id",
    "order_id",
    "kind",
    "rating",
    "title",
    "body",
    "created_at",
    "replied_at",
}
ORDER_JSON_FIELDS = {
    "account",
    "marketplace",
    "order_id",
    "status",
    "created_at",
    "updated_at",
    "total",
    "currency",
    "buyer_key",
}
LISTING_JSON_FIELDS = {"account", "marketplace", "id", "sku", "title", "price", "currency", "quantity", "state"}


@pytest.mark.parametrize(
    ("command", "fields"),
    [
        (("reviews", "list"), REVIEW_JSON_FIELDS),
        (("orders", "list"), ORDER_JSON_FIELDS),
        (("listings", "list"), LISTING_JSON_FIELDS),
    ],
)
def test_json_has_the_stable_fields(synced: Home, command: tuple[str, ...], fields: set[str]) -> None:
    rows = json.loads(synced.ok(*command, "--json").stdout)
    assert rows and fields <= set(rows[0])


def test_money_is_a_decimal_string_and_times_are_utc_z(synced: Home) -> None:
    order = json.loads(synced.ok("orders", "list", "--json", "--limit", "1").stdout)[0]
    assert isinstance(order["total"], str) and order["total"].count(".") == 1
    assert order["created_at"].endswith("Z") and order["currency"] == "EUR"


def test_each_format(synced: Home) -> None:
    count = synced.count("reviews")
    jsonl = synced.ok("reviews", "list", "--format", "jsonl").stdout.splitlines()
    assert len(jsonl) == count and all(json.loads(line)["id"] for line in jsonl)

    table = list(csv.reader(io.StringIO(synced.ok("reviews", "list", "--format", "csv").stdout)))
    assert table[0][:3] == ["account", "id", "rating"] and len(table) == count + 1

    piped = synced.ok("reviews", "list").stdout.splitlines()  # auto, not a TTY: TSV without header
    assert len(piped) == count and not piped[0].startswith("account\t")
    explicit = synced.ok("reviews", "list", "--format", "tsv").stdout.splitlines()
    assert explicit[0].startswith("account\tid\t") and len(explicit) == count + 1

    md = synced.ok("reviews", "list", "--format", "md", "--limit", "3").stdout.splitlines()
    assert md[0].startswith("| account") and md[1].startswith("|--") and len(md) == 5


def test_table_on_a_tty(synced: Home) -> None:
    result = synced.run("orders", "list", "--limit", "2", env={"MKTCRM_FORCE_TTY": "1", "COLUMNS": "160"})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "ORDER_ID" in lines[0] and len(lines) == 3
    assert "\t" not in result.stdout


def test_json_is_indented_on_a_tty_and_compact_when_piped(synced: Home) -> None:
    piped = synced.ok("orders", "list", "--json", "--limit", "2").stdout
    assert piped.count("\n") == 1
    tty = synced.run("orders", "list", "--json", "--limit", "2", env={"MKTCRM_FORCE_TTY": "1"}).stdout
    assert tty.count("\n") > 4 and json.loads(tty) == json.loads(piped)


def test_fields_pick_and_order_columns(synced: Home) -> None:
    rows = json.loads(synced.ok("orders", "list", "--json", "--fields", "total,order_id").stdout)
    assert list(rows[0]) == ["total", "order_id"]
    line = synced.ok("orders", "list", "--fields", "order_id,status", "--limit", "1").stdout
    assert line.count("\t") == 1


def test_unknown_field_is_a_usage_error_listing_valid_ones(synced: Home) -> None:
    result = synced.run("orders", "list", "--fields", "order_id,totl")
    assert result.exit_code == 2
    assert "unknown field 'totl'" in result.stderr and "total" in result.stderr
    assert result.stdout == ""


def test_no_rows_is_success_and_json_is_an_empty_array(synced: Home) -> None:
    # No plug-in maps a status to "returned" yet: a valid filter that matches nothing.
    assert synced.ok("orders", "list", "--json", "--status", "returned").stdout == "[]\n"
    empty = synced.ok("orders", "list", "--status", "returned")
    assert empty.stdout == "" and empty.exit_code == 0
    assert synced.ok("orders", "list", "--format", "jsonl", "--status", "returned").stdout == ""
    # A status outside the vocabulary is bad input, not an empty answer.
    bad = synced.run("orders", "list", "--status", "NOPE")
    assert bad.exit_code == 2 and "Error: unknown order status 'NOPE'" in bad.stderr and "shipped" in bad.stderr


def _hostile(home: Home) -> str:
    rows = home.sql("SELECT id FROM reviews WHERE body LIKE '%' || char(27) || '%' LIMIT 1")
    assert rows, "the sandbox must serve reviews with terminal escapes"
    return str(rows[0][0])


def test_terminal_escapes_never_reach_the_terminal(synced: Home) -> None:
    review_id = _hostile(synced)
    for fmt in ("table", "tsv", "csv", "md"):
        out = synced.run("reviews", "show", review_id, "--format", fmt, env={"COLUMNS": "400"}).stdout
        assert "\x1b" not in out and "\x07" not in out, fmt
    listing = synced.run("reviews", "list", env={"MKTCRM_FORCE_TTY": "1", "NO_COLOR": "1", "COLUMNS": "400"})
    assert "\x1b]" not in listing.stdout and "\x1b[31m" not in listing.stdout
    # JSON keeps the data exactly (escaped as \u001b, which a terminal does not interpret).
    raw = synced.ok("reviews", "show", review_id, "--json").stdout
    assert "\x1b" not in raw and "\\u001b" in raw and "\x1b" in json.loads(raw)["body"]


def test_rich_markup_in_reviews_is_printed_as_text(synced: Home) -> None:
    rows = synced.sql("SELECT id, body FROM reviews WHERE body LIKE '%[red]%' OR body LIKE '%[link=%' LIMIT 1")
    assert rows, "the sandbox must serve reviews with Rich markup"
    review_id, body = rows[0]
    marker = "[red]" if "[red]" in body else "[link="
    out = synced.run("reviews", "show", review_id, env={"MKTCRM_FORCE_TTY": "1", "COLUMNS": "500"}).stdout
    assert marker in out


def test_sql_quotes_are_stored_and_shown_as_data(synced: Home) -> None:
    order_id, cursor = synced.sql(
        "SELECT o.id, s.cursor FROM orders o, sync_state s WHERE s.stream = 'reviews' AND o.status = 'CLOSED' LIMIT 1"
    )[0]
    hostile = 'Nul\'); DROP TABLE reviews;-- "quoted"'
    at = datetime.fromisoformat(cursor.replace("Z", "+00:00")) + timedelta(hours=1)
    sandbox().set_evaluation(order_id, 1, hostile, at)
    synced.ok("sync", "--stream", "reviews", "--quiet")
    assert synced.sql("SELECT body FROM reviews WHERE id = ?", order_id) == [(hostile,)]
    assert json.loads(synced.ok("reviews", "show", order_id, "--json").stdout)["body"] == hostile
    assert hostile in synced.ok("reviews", "show", order_id, "--format", "csv").stdout.replace('""', '"')


def test_reviews_filters(synced: Home) -> None:
    low = json.loads(synced.ok("reviews", "list", "--rating", "1..2", "--json").stdout)
    assert low and all(r["rating"] <= 2 for r in low)
    unanswered = json.loads(synced.ok("reviews", "list", "--unanswered", "--json").stdout)
    assert unanswered and all(r["replied_at"] is None for r in unanswered)
    assert len(unanswered) < synced.count("reviews")
    assert len(json.loads(synced.ok("reviews", "list", "--limit", "3", "--json").stdout)) == 3
    newest = synced.sql("SELECT max(created_at) FROM reviews")[0][0]
    recent = json.loads(synced.ok("reviews", "list", "--since", newest[:10], "--json").stdout)
    assert recent and all(r["created_at"] >= newest[:10] for r in recent)
    assert synced.run("reviews", "list", "--rating", "0..9").exit_code == 2
    assert synced.run("reviews", "list", "--since", "yesterday-ish").exit_code == 2
    assert synced.run("reviews", "list", "--account", "nope").exit_code == 2


def test_reviews_show(synced: Home) -> None:
    review_id = synced.sql("SELECT id FROM reviews LIMIT 1")[0][0]
    shown = json.loads(synced.ok("reviews", "show", review_id, "--json").stdout)
    assert shown["id"] == review_id and shown["account"] == "shop1"
    missing = synced.run("reviews", "show", "NOPE-1")
    assert missing.exit_code == 1 and "no review with id 'NOPE-1'" in missing.stderr


def test_kpi_rows_and_total(synced: Home) -> None:
    """The shape on a synced sandbox; every figure's value is hand-checked in test_kpis.py."""
    rows = json.loads(synced.ok("kpi", "--period", "all", "--json").stdout)
    assert [r["account"] for r in rows] == ["shop1", "total"]
    shop, total = rows
    assert shop["orders"] == total["orders"] > 0
    assert 0 <= shop["dispute_rate_pct"] <= 100 and 0 < shop["repurchase_rate_pct"] < 100
    assert synced.run("kpi", "--period", "fortnight").exit_code == 2
    assert "repurchase_rate_pct" in synced.ok("kpi", "--explain").stdout


def test_disputes_list(synced: Home) -> None:
    rows = json.loads(synced.ok("disputes", "list", "--status", "awaiting_seller", "--json").stdout)
    assert rows and all(r["status"] == "awaiting_seller" for r in rows)
    assert {"incident", "inquiry", "return"} <= {r["kind"] for r in rows}
    assert {
        "account",
        "marketplace",
        "id",
        "kind",
        "order_id",
        "status",
        "reason",
        "opened_at",
        "respond_by",
        "resolved_at",
    } <= set(rows[0])


def _evaluate(home: Home, texts: list[str]) -> list[str]:
    """Buyers leave these texts as evaluations on closed orders; synced; returns the review ids."""
    rows = home.sql(
        "SELECT o.id, s.cursor FROM orders o, sync_state s WHERE s.stream = 'reviews' AND o.status = 'CLOSED'"
        " ORDER BY o.id LIMIT ?",
        len(texts),
    )
    at = datetime.fromisoformat(rows[0][1].replace("Z", "+00:00")) + timedelta(hours=1)
    for (order_id, _), text in zip(rows, texts, strict=True):
        sandbox().set_evaluation(order_id, 1, text, at)
    home.ok("sync", "--stream", "reviews", "--quiet")
    return [str(r[0]) for r in rows]


def test_csv_cells_never_run_as_spreadsheet_formulas(synced: Home) -> None:
    formulas = ['=HYPERLINK("http://evil.example";"clic")', "+33 cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)"]
    ids = _evaluate(synced, formulas)
    for review_id, text in zip(ids, formulas, strict=True):
        csv_out = synced.ok("reviews", "show", review_id, "--format", "csv").stdout
        body_cell = next(line for line in csv_out.splitlines() if line.startswith("body,"))
        assert body_cell.removeprefix("body,").strip('"').replace('""', '"') == "'" + text
        # Programs get the value as it is: JSON and TSV are not for spreadsheets.
        assert json.loads(synced.ok("reviews", "show", review_id, "--json").stdout)["body"] == text
    listed = synced.ok("reviews", "list", "--format", "csv", "--fields", "id,body").stdout
    assert "'=HYPERLINK(" in listed and ",=HYPERLINK(" not in listed and ',"=HYPERLINK(' not in listed
    tsv = synced.ok("reviews", "list", "--format", "tsv", "--fields", "id,body").stdout
    assert any(line.split("\t")[1].lstrip('"').startswith("=HYPERLINK(") for line in tsv.splitlines()[1:])


def test_bidi_and_c1_controls_never_reach_the_terminal(synced: Home) -> None:
    spoof, c1 = "abc\u202egnp.exe\u202c et \u2066isolé\u2069", "prix\x9b31m en rouge\x85 fin"
    ids = _evaluate(synced, [spoof, c1])
    unsafe = ("\u202e", "\u202c", "\u2066", "\u2069", "\x9b", "\x85")
    for fmt in ("table", "tsv", "csv", "md", "json", "jsonl"):
        for review_id in ids:
            shown = synced.run("reviews", "show", review_id, "--format", fmt, env={"COLUMNS": "400"})
            assert shown.exit_code == 0 and review_id in shown.stdout
            assert not any(ch in shown.stdout for ch in unsafe), (fmt, shown.stdout)
        listed = synced.run("reviews", "list", "--format", fmt, env={"COLUMNS": "400"})
        assert listed.exit_code == 0 and ids[0] in listed.stdout
        assert not any(ch in listed.stdout for ch in unsafe), fmt
    shown = synced.ok("reviews", "show", ids[0], "--format", "tsv").stdout
    assert "abcgnp.exe et isolé" in shown  # what is left reads in stored order
    # JSON keeps the exact data, written as escapes a terminal does not interpret.
    raw = synced.ok("reviews", "show", ids[0], "--json").stdout
    assert "\\u202e" in raw and json.loads(raw)["body"] == spoof
    assert json.loads(synced.ok("reviews", "show", ids[1], "--json").stdout)["body"] == c1


def test_markdown_output_grows_with_the_data_not_with_the_widest_cell(synced: Home) -> None:
    bodies = [f"{i} " + "avis très long " * 70_000 for i in range(5)]  # ~1 MB each
    _evaluate(synced, bodies)
    out = synced.ok("reviews", "list", "--format", "md", "--fields", "id,body").stdout
    rows = [line for line in out.splitlines()[2:]]
    assert len(out) < sum(map(len, bodies)) + 200 * len(rows)  # no padding to the widest cell
    assert sum(1 for line in rows if len(line) > 1_000_000) == 5
