"""Renderers: records in, text out. JSON and CSV here; Rich tables in ``table``."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from inctrack.records import Record, flatten


def to_json(data: Record | Sequence[Record]) -> str:
    """Two-space indented JSON, UTF-8 unescaped: what ``json.dumps(data,
    ensure_ascii=False, indent=2)`` prints, written by orjson (json's indenting
    encoder is pure Python and took a third of a big report's time)."""
    import orjson

    try:
        return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
    except orjson.JSONEncodeError:  # e.g. a lone surrogate from undecodable input
        import json

        return json.dumps(data, ensure_ascii=False, indent=2)


def to_csv(records: Sequence[Record], *, columns: Sequence[str] | None = None) -> str:
    """One row per record, nested objects flattened (``sla_response_state``)."""
    rows = [flatten(record) for record in records]
    names = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=names, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _csv_value(value) for key, value in row.items()})
    return buffer.getvalue()


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
