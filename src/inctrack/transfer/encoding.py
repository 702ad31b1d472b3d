"""A file that is not in the encoding it is read in: one sentence that says where; and
rows written to, and read back from, an import's scratch file."""

from __future__ import annotations

import codecs
import json
from typing import IO, Any

import orjson

from inctrack.errors import Rejected


def undecodable(source: str, exc: UnicodeDecodeError, stream: IO[str]) -> Rejected:
    """One sentence for a file that is not in the encoding it is read in. Text is decoded
    in blocks, so the line is found again by reading the file's bytes line by line."""
    encoding = (getattr(stream, "encoding", None) or "utf-8").removesuffix("-sig")
    line, byte = None, exc.object[exc.start]
    if source != "-":
        decoder = codecs.getincrementaldecoder(encoding)()
        with open(source, "rb") as raw:
            for number, chunk in enumerate(raw, 1):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as found:
                    line, byte = number, found.object[found.start]
                    break
    where = f" at line {line}" if line else ""
    return Rejected(
        f"{source} is not {encoding} text{where} (byte 0x{byte:02x}); save it as UTF-8 or "
        "name its encoding, like --encoding latin-1; nothing was imported."
    )


def dump_row(values: dict[str, str | None]) -> str | bytes:
    """A row for a scratch file: orjson, four times quicker than json (which takes what
    orjson refuses, such as a lone surrogate); :func:`load_row` reads either."""
    try:
        return orjson.dumps(values)
    except TypeError:
        return json.dumps(values, ensure_ascii=False)


def load_row(data: str | bytes) -> dict[str, Any]:
    """A row :func:`dump_row` wrote."""
    try:
        loaded: dict[str, Any] = orjson.loads(data)
    except orjson.JSONDecodeError:
        loaded = json.loads(data)
    return loaded
