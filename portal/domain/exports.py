"""Spreadsheet downloads (ledger, statistics, rankings): one CSV writer and one XLSX writer with one guard.

Formula guard: a cell whose text starts with = + - @ or a tab/carriage return would be run as a formula by a
spreadsheet (CSV injection: a citizen's title "=HYPERLINK(…)"). In CSV such text is written with a leading
apostrophe; in XLSX it is stored as a text cell, never as a formula.

CSV: UTF-8 with a BOM (Excel then reads Chinese correctly), CRLF line ends, moments as "YYYY-MM-DD HH:MM".
XLSX: openpyxl's write-only mode (rows streamed to disk, not held in memory), bold frozen header.
"""
import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    text = str(value)
    return "'" + text if looks_like_formula(text) else text


def csv_chunks(rows: Iterable[list[Any]], header: list[str], rows_per_chunk: int = 500) -> Iterator[str]:
    """The CSV as text chunks: BOM first, header, rows (streamable)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([csv_cell(v) for v in header])
    count = 0
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
        count += 1
        if count % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_text(rows: Iterable[list[Any]], header: list[str]) -> str:
    return "".join(csv_chunks(rows, header))


def write_xlsx(rows: Iterable[list[Any]], header: list[str], out, title: str, *, widths: dict[str, int] | None = None,
               number_formats: dict[int, str] | None = None, freeze: str = "A2") -> None:
    """One sheet named `title` written to `out`. `widths`: column letter → width; `number_formats`: column index
    (0-based) → Excel number format for numbers in that column."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    ws.freeze_panes = freeze
    for letter, width in (widths or {}).items():
        ws.column_dimensions[letter].width = width
    bold = Font(bold=True)
    head = []
    for text in header:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = bold
        head.append(cell)
    ws.append(head)
    formats = number_formats or {}
    for row in rows:
        cells = []
        for index, value in enumerate(row):
            cell = WriteOnlyCell(ws, value=value)
            if looks_like_formula(value):
                cell.data_type = "s"  # text, never a formula
            elif isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif index in formats and isinstance(value, int | float):
                cell.number_format = formats[index]
            cells.append(cell)
        ws.append(cells)
    wb.save(out)
