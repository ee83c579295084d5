"""CSV downloads for trainers: cells a spreadsheet will not run as formulas, UTF-8 with a BOM for Excel."""

from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Sequence

from flask import Response


def safe_cell(value: Any) -> str:
    """Return a CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_response(header: Sequence[Any], rows: Iterable[Sequence[Any]], filename: str) -> Response:
    """Answer rows as a CSV download, private to the trainer and never cached."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    resp = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
