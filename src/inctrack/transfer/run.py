"""Import, driving: ``inctrack import`` from a file name to a summary.

It guesses the format, opens the file, picks the reader (an inctrack export,
any CSV through a column mapping, or a ServiceNow export) and feeds its drafts
to the :class:`~inctrack.transfer.importer.Importer` inside the one
transaction it opens.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import IO

from inctrack.errors import NotFound, Rejected, UsageError
from inctrack.incidents.tracker import Tracker
from inctrack.transfer import servicenow
from inctrack.transfer.export import ExportFormat
from inctrack.transfer.fields import DateReader
from inctrack.transfer.importer import (
    Importer,
    Progress,
    TooManyProblems,
    few_collections,
    size_and_position,
)
from inctrack.transfer.readers import RecordReader, parse_mapping, parse_values
from inctrack.transfer.summary import ConflictPolicy, Summary

InputFormat = ExportFormat


def guess_format(source: str, given: InputFormat | None) -> InputFormat:
    """``--input-format``, else the file name's: ``.jsonl``/``.ndjson``, ``.json``, ``.csv``."""
    if given is not None:
        return given
    suffix = Path(source).suffix.lower()
    found = {".jsonl": InputFormat.JSONL, ".ndjson": InputFormat.JSONL,
             ".json": InputFormat.JSON, ".csv": InputFormat.CSV}.get(suffix)  # fmt: skip
    if found is None:
        what = "standard input" if source == "-" else source
        raise UsageError(
            f"Cannot tell the format of {what}; say --input-format jsonl, json or csv."
        )
    return found


def open_source(source: str, *, encoding: str, stdin: IO[bytes] | None = None) -> IO[str]:
    """The file (``-``: ``stdin``) as text, newlines untouched; a UTF-8 BOM is skipped."""
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    try:
        "".encode(codec)
    except LookupError:
        raise UsageError(f"{encoding!r} is not a text encoding; try utf-8 or latin-1.") from None
    if source == "-":
        if stdin is None:
            raise UsageError("Reading standard input (-) needs a stream to read.")
        return io.TextIOWrapper(stdin, encoding=codec, newline="")
    try:
        return open(source, encoding=codec, newline="")
    except FileNotFoundError:
        raise NotFound(f"There is no file {source}.") from None
    except OSError as exc:
        raise Rejected(f"Cannot read {source}: {exc.strerror}.") from None


def import_file(
    tracker: Tracker,
    stream: IO[str],
    summary: Summary,
    *,
    fmt: InputFormat,
    dates: DateReader,
    mapping: dict[str, str] | None = None,
    translate: dict[str, dict[str, str]] | None = None,
    nulls: Iterable[str] = (),
    on_conflict: ConflictPolicy = ConflictPolicy.SKIP,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> Summary:
    """Import an inctrack export (or, with ``mapping``, any CSV) inside the tracker's
    transaction; raises, having written nothing, on a problem, unless ``dry_run``."""
    importer = Importer(tracker, summary, on_conflict=on_conflict, dry_run=dry_run)
    reader = RecordReader(importer, dates=dates, nulls=nulls, translate=translate)
    if fmt is InputFormat.JSONL:
        drafts = reader.jsonl(stream)
    elif fmt is InputFormat.JSON:
        drafts = reader.json(stream)
    else:
        drafts = reader.csv(stream, mapping or {})
    size, position = size_and_position(stream)
    with few_collections():
        try:
            for count, draft in enumerate(drafts, 1):
                importer.add(draft)
                if progress is not None and count % 1000 == 0:
                    progress("Importing", position(), size)
        except TooManyProblems:
            pass
        finished = importer.finish()
    if progress is not None:
        progress("Importing", size or 0, size)
    return finished


@dataclass(frozen=True)
class ImportOptions:
    """What ``inctrack import`` was asked to do."""

    source: str
    """A file name, or ``-`` for standard input."""
    fmt: InputFormat | None = None
    """None: from the file name (CSV for ServiceNow, and for `--map` on stdin)."""
    origin: str = "inctrack"
    """``inctrack`` (an export, or any CSV with ``mapping``) or ``servicenow``."""
    mapping: Sequence[str] = ()
    values: Sequence[str] = ()
    nulls: Sequence[str] = ()
    dayfirst: bool = False
    date_format: str | None = None
    encoding: str = "utf-8"
    on_conflict: ConflictPolicy = ConflictPolicy.SKIP
    dry_run: bool = False


def run_import(
    options: ImportOptions,
    *,
    tracker: Callable[..., AbstractContextManager[Tracker]],
    tz: tzinfo,
    stdin: IO[bytes] | None = None,
    progress: Progress | None = None,
) -> Summary:
    """The whole of ``inctrack import``: ``tracker(write=...)`` opens the one transaction.

    A ServiceNow file is read (and sorted) before the transaction begins. Raises the
    verdict (problems, exit 4; a refused conflict, exit 6) unless this is a dry run,
    whose summary says what would happen and whose verdict the caller raises after
    showing it.
    """
    servicenow_file = options.origin == "servicenow"
    if servicenow_file or (options.mapping and options.fmt is None and options.source == "-"):
        fmt = InputFormat.CSV  # what else could a column map mean
    else:
        fmt = guess_format(options.source, options.fmt)
    if servicenow_file and (options.mapping or options.values):
        raise UsageError(
            "--map and --value are for other CSV files; a ServiceNow export is read by its "
            "own column names (docs/reference/formats.md)."
        )
    if fmt is not InputFormat.CSV and (options.mapping or options.dayfirst or options.date_format):
        raise UsageError(
            "--map, --dayfirst and --date-format are for CSV files; JSON files have field "
            "names and ISO 8601 dates."
        )
    mapping, translate = parse_mapping(options.mapping), parse_values(options.values)
    summary = Summary(options.source, fmt.value, dry_run=options.dry_run,
                      on_conflict=options.on_conflict.value)  # fmt: skip
    dates = DateReader(tz, dayfirst=options.dayfirst, date_format=options.date_format,
                       lenient=fmt is InputFormat.CSV)  # fmt: skip
    write = not options.dry_run
    with open_source(options.source, encoding=options.encoding, stdin=stdin) as stream:
        if servicenow_file:
            nulls = frozenset(options.nulls)
            prepared = servicenow.prepare(stream, summary, dates=dates, nulls=nulls,
                                          progress=progress)  # fmt: skip
            with prepared, tracker(write=write) as inside:
                return prepared.load(inside, on_conflict=options.on_conflict,
                                     dry_run=options.dry_run, progress=progress)  # fmt: skip
        with tracker(write=write) as inside:
            return import_file(
                inside, stream, summary, fmt=fmt, dates=dates, mapping=mapping,
                translate=translate, nulls=options.nulls, on_conflict=options.on_conflict,
                dry_run=options.dry_run, progress=progress,
            )  # fmt: skip
