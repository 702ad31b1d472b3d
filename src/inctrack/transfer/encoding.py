"""A file that is not in the encoding it is read in: one sentence that says where."""

from __future__ import annotations

import codecs
from typing import IO

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
