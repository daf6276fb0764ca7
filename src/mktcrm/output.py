"""The output contract (DESIGN §9): one place renders rows for every command.

Commands hand over declared fields and plain dict rows; this module picks the format
(table on a TTY, headerless TSV when piped, or what `--format`/`--json` asks), applies
`--fields`, and keeps untrusted text inert: control characters and terminal escape
sequences are stripped and Rich never parses markup in cell values. Data goes to stdout,
everything else to stderr. Rich is imported only when a table is drawn.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any, Literal

from mktcrm.errors import UsageError
from mktcrm.text import clean, defuse_formula, escape_json_unsafe, one_line

FORMATS = ("auto", "table", "tsv", "csv", "json", "jsonl", "md")
Kind = Literal["text", "id", "int", "num", "money", "time", "bool"]


@dataclass(frozen=True)
class Field:
    """A column a command can print: its JSON name, how to show it, and whether tables show it by default."""

    name: str
    kind: Kind = "text"
    default: bool = True
    max_width: int | None = None
    label: str | None = None  # table header when the name is too long for a column
    style: Callable[[str], str | None] | None = None  # a Rich style for a table cell, from its shown text

    @property
    def header(self) -> str:
        return (self.label or self.name).upper()


def is_tty(stream: IO[str]) -> bool:
    """A real terminal, or MKTCRM_FORCE_TTY=1 (for tests and recordings, like GH_FORCE_TTY)."""
    if os.environ.get("MKTCRM_FORCE_TTY") == "1":
        return True
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Output:
    """Where a command's results go. One per invocation, built from the global options."""

    def __init__(
        self,
        fmt: str = "auto",
        fields: str | None = None,
        *,
        no_color: bool = False,
        quiet: bool = False,
        stdout: IO[str] | None = None,
        stderr: IO[str] | None = None,
    ) -> None:
        if fmt not in FORMATS:
            raise UsageError(f"unknown format {fmt!r}", hint=f"use one of: {', '.join(FORMATS)}")
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.tty = is_tty(self.stdout)
        self.format = ("table" if self.tty else "tsv") if fmt == "auto" else fmt
        self.auto = fmt == "auto"
        self.fields_option = fields
        self.no_color = no_color or "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb"
        self.quiet = quiet
        self.limit: int | None = None  # -n/--limit of a command that does not pass it to its query
        # Asked when a list comes out empty: why, when the reason is not the filters (nothing synced yet).
        self.why_empty: Callable[[], tuple[str, str] | None] | None = None

    # ---- messages (stderr) -------------------------------------------------------------
    def note(self, message: str) -> None:
        """Progress and context for people; suppressed by --quiet."""
        if not self.quiet:
            print(clean(message).replace("\n", " "), file=self.stderr)

    def warn(self, message: str) -> None:
        print(f"Warning: {one_line(message)}", file=self.stderr)

    def error(self, message: str, hint: str | None = None) -> None:
        print(f"Error: {one_line(message)}", file=self.stderr)
        if hint:
            print(f"Hint: {one_line(hint)}", file=self.stderr)

    @property
    def machine(self) -> bool:
        """True when stdout is for a program (not a table for people)."""
        return self.format != "table"

    # ---- data (stdout) -----------------------------------------------------------------
    def select(self, fields: Sequence[Field]) -> list[Field]:
        """Apply --fields (order kept, unknown names rejected) or the defaults for this format."""
        by_name = {f.name: f for f in fields}
        if self.fields_option is not None:
            wanted = [n.strip() for n in self.fields_option.split(",") if n.strip()]
            if not wanted:
                raise UsageError("--fields is empty", hint=f"name one or more of: {', '.join(by_name)}")
            unknown = [n for n in wanted if n not in by_name]
            if unknown:
                raise UsageError(
                    f"unknown field {unknown[0]!r}",
                    hint=f"available fields: {', '.join(by_name)}",
                )
            return [by_name[n] for n in wanted]
        if self.format in ("json", "jsonl"):
            return list(fields)
        return [f for f in fields if f.default]

    def rows(
        self,
        fields: Sequence[Field],
        rows: Iterable[Mapping[str, Any]],
        *,
        title: str | None = None,
        empty: str = "No results.",
    ) -> int:
        """Print rows in the chosen format; returns how many were printed."""
        chosen = self.select(fields)
        if self.limit is not None:
            rows = itertools.islice(rows, self.limit)
        writer = getattr(self, f"_write_{self.format}")
        count: int = writer(chosen, (_project(chosen, r) for r in rows), title)
        if count == 0 and self.tty and not self.machine:
            self.note(empty)
        reason = self.why_empty() if count == 0 and self.why_empty and not self.quiet else None
        if reason:
            print(f"{reason[0]}\nHint: {reason[1]}", file=self.stderr)
        return count

    def record(self, fields: Sequence[Field], row: Mapping[str, Any]) -> None:
        """One object: a two-column key/value view for people, an object for programs (every field by default)."""
        chosen = self.select(fields) if self.fields_option is not None else list(fields)
        data = _project(chosen, row)
        if self.format == "json":
            self.json(data)
        elif self.format == "jsonl":
            self.stdout.write(to_json(data) + "\n")
        elif self.format == "table":
            self._write_record(chosen, data)
        else:  # tsv/csv/md: field and value pairs (--fields already applied above)
            pairs = ({"field": f.name, "value": data[f.name]} for f in chosen)
            getattr(self, f"_write_{self.format}")([Field("field"), Field("value")], pairs, None)

    def _write_record(self, fields: list[Field], data: dict[str, Any]) -> None:
        """Field names on the left, whole values wrapped on the right: `show` hides nothing."""
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column(style="" if self.no_color else "bold", no_wrap=True)
        table.add_column(overflow="fold")
        for f in fields:
            value = data[f.name]
            shown = clean(str(value)) if f.kind == "text" and isinstance(value, str) else _display(f, value)
            table.add_row(Text(f.name), Text(shown))
        Console(file=self.stdout, no_color=self.no_color, force_terminal=self.tty, highlight=False).print(table)

    def json(self, data: Any) -> None:
        """One JSON document on stdout (indented for people), for results that are not rows."""
        self.stdout.write(to_json(data, indent=2 if self.tty else None) + "\n")

    # ---- writers -----------------------------------------------------------------------
    def _write_json(self, fields: list[Field], rows: Iterator[dict[str, Any]], title: str | None) -> int:
        count = 0
        indent = 2 if self.tty else None
        self.stdout.write("[")
        for row in rows:
            sep = "," if count else ""
            if indent:
                body = to_json(row, indent=2).replace("\n", "\n  ")
                self.stdout.write(f"{sep}\n  {body}")
            else:
                self.stdout.write(sep + to_json(row))
            count += 1
        self.stdout.write("\n]\n" if count and indent else "]\n")
        return count

    def _write_jsonl(self, fields: list[Field], rows: Iterator[dict[str, Any]], title: str | None) -> int:
        count = 0
        for row in rows:
            self.stdout.write(to_json(row) + "\n")
            self.stdout.flush()
            count += 1
        return count

    def _write_delimited(self, fields: list[Field], rows: Iterator[dict[str, Any]], dialect: str, header: bool) -> int:
        writer = csv.writer(self.stdout, dialect=dialect, lineterminator="\n")
        if header:
            writer.writerow([f.name for f in fields])
        count = 0
        tsv = dialect == "excel-tab"
        # CSV is opened in spreadsheets: marketplace text must not run as a formula there. TSV is for programs
        # (`cut -f`, `while read`) and keeps values as they are.
        defuse = [f.kind == "text" and not tsv for f in fields]
        for row in rows:
            cells = [_flat(f, row[f.name], tsv=tsv) for f in fields]
            writer.writerow([defuse_formula(c) if d else c for c, d in zip(cells, defuse, strict=True)])
            count += 1
        return count

    def _write_tsv(self, fields: list[Field], rows: Iterator[dict[str, Any]], title: str | None) -> int:
        # gh's rule: piped output has no header, so `cut -f` and `while read` work on data lines only.
        return self._write_delimited(fields, rows, "excel-tab", header=not self.auto)

    def _write_csv(self, fields: list[Field], rows: Iterator[dict[str, Any]], title: str | None) -> int:
        return self._write_delimited(fields, rows, "excel", header=True)

    def _write_md(self, fields: list[Field], rows: Iterator[dict[str, Any]], title: str | None) -> int:
        """GitHub-flavoured Markdown, streamed row by row: no padding, so memory stays flat on huge cells."""

        def line(cells: Iterable[str]) -> str:
            return "| " + " | ".join(cells) + " |\n"

        self.stdout.write(line(f.name for f in fields))
        self.stdout.write("|" + "|".join("---" for _ in fields) + "|\n")
        count = 0
        for row in rows:
            cells = (_flat(f, row[f.name], tsv=True).replace("|", "\\|") for f in fields)
            self.stdout.write(line(cells))
            count += 1
        return count

    def _write_table(
        self, fields: list[Field], rows: Iterator[dict[str, Any]], title: str | None, header: bool = True
    ) -> int:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(show_header=header, header_style="" if self.no_color else "bold", box=None, pad_edge=False)
        cells = [[_display(f, row[f.name]) for f in fields] for row in rows]
        console = Console(file=self.stdout, no_color=self.no_color, force_terminal=self.tty, highlight=False)
        widths = _fit_widths(fields, cells, console.width)
        for f, width in zip(fields, widths, strict=True):
            numeric = f.kind in ("int", "num", "money")
            table.add_column(
                f.header, justify="right" if numeric else "left", overflow="ellipsis", no_wrap=True, width=width
            )
        styles = [f.style if f.style and not self.no_color else None for f in fields]
        for cell_row in cells:
            # Text(...) never parses markup: untrusted values stay data; styles come from our code only.
            table.add_row(*(Text(c, style=(st(c) or "") if st else "") for c, st in zip(cell_row, styles, strict=True)))
        count = len(cells)
        if count:
            if title:
                self.note(title)
            # Never drop a column or cut an id to fit: a wider line beats a missing value.
            console.width = max(console.width, sum(widths) + 2 * (len(widths) - 1))
            console.print(table)
        return count


def _fit_widths(fields: list[Field], cells: list[list[str]], budget: int) -> list[int]:
    """Column widths: ids, numbers and times in full; free text shrinks (widest first) to fit the terminal."""
    widths = []
    for i, f in enumerate(fields):
        natural = max([len(f.header), *(len(c[i]) for c in cells)])
        widths.append(min(natural, f.max_width) if f.max_width else natural)
    flexible = [i for i, f in enumerate(fields) if f.kind == "text"]
    excess = sum(widths) + 2 * (len(widths) - 1) - budget
    while excess > 0 and flexible:
        widest = max(flexible, key=lambda i: widths[i])
        floor = max(len(fields[widest].header), 12)
        if widths[widest] <= floor:
            flexible.remove(widest)
            continue
        cut = min(excess, widths[widest] - floor)
        widths[widest] -= cut
        excess -= cut
    return widths


def _project(fields: list[Field], row: Mapping[str, Any]) -> dict[str, Any]:
    return {f.name: row.get(f.name) for f in fields}


def _flat(field: Field, value: Any, *, tsv: bool) -> str:
    """A cell for TSV/CSV/md: JSON-ish scalars, cleaned text; tabs and newlines escaped in TSV."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return clean(json.dumps(value, ensure_ascii=False))
    text = clean(str(value))
    if tsv:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "")
    return text


def _display(field: Field, value: Any) -> str:
    """A cell for people: short times, empty for null, one line of cleaned text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field.kind == "time" and isinstance(value, str) and len(value) >= 16:
        return value[:16].replace("T", " ")
    if isinstance(value, (dict, list)):
        return one_line(json.dumps(value, ensure_ascii=False))
    return one_line(str(value))


def to_json(data: Any, indent: int | None = None) -> str:
    """`json.dumps` as every command prints it: UTF-8 kept, C1 and bidi controls escaped (inert on a terminal)."""
    return escape_json_unsafe(json.dumps(data, ensure_ascii=False, indent=indent))
