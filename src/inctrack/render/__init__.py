"""Renderers: records in, text out. JSON and CSV here; Rich views in one module per kind
of record (``incidents``, ``sla``, ``problems``, ``admin``, ``transfer``, ``reports``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from inctrack.records import Record, csv_text, flatten


def to_json(data: Record | Sequence[Record]) -> str:
    """Two-space indented JSON, UTF-8 unescaped: what ``json.dumps(data,
    ensure_ascii=False, indent=2)`` prints, written by orjson (json's indenting
    encoder is pure Python and took a third of a big report's time)."""
    encoded = json_bytes(data)
    if encoded is not None:
        return encoded.decode()
    import json

    return json.dumps(data, ensure_ascii=False, indent=2)


def json_bytes(data: Record | Sequence[Record]) -> bytes | None:
    """:func:`to_json`'s text encoded in UTF-8, or None when orjson refuses the data
    (a lone surrogate from undecodable input): then only :func:`to_json` can write it.

    For printing big outputs: the bytes are half the size of the text as soon as it
    holds one character beyond Latin-1 (``·``), and need no copy to be written."""
    import orjson

    try:
        return orjson.dumps(data, option=orjson.OPT_INDENT_2)
    except orjson.JSONEncodeError:
        return None


def to_csv(records: Sequence[Record], *, columns: Sequence[str] | None = None) -> str:
    """One row per record, nested objects flattened (``sla_response_state``); text that a
    spreadsheet would evaluate or a terminal obey is escaped (:func:`csv_text`)."""
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
    if isinstance(value, str):
        return csv_text(value)
    return value
