"""Export and import: every incident with its whole history, out and back in.

The modules, each on what it may import, so that none imports another in a
circle:

- ``export``: incidents out to JSON Lines, one JSON array or CSV;
- ``summary`` and ``importer``: what an import did, and the :class:`Importer`
  that writes drafts (bulk inserts are ``inctrack.storage.bulk``'s);
- ``fields``, ``timeline``, ``readers`` and ``servicenow``: files in, drafts
  out, handed to an importer;
- ``run``: ``inctrack import`` itself, which picks the reader.

The names below are the public API: ``from inctrack import transfer``, then
``transfer.run_import(...)``.
"""

from inctrack.transfer.export import (
    EXPORT_CSV_COLUMNS,
    ExportFormat,
    export_record,
    export_records,
    output_file,
    write_export,
)
from inctrack.transfer.importer import REPORT_INDEXES, Importer, Progress, TooManyProblems
from inctrack.transfer.run import (
    ImportOptions,
    InputFormat,
    guess_format,
    import_file,
    open_source,
    run_import,
)
from inctrack.transfer.summary import SUMMARY_CSV_COLUMNS, ConflictPolicy, Summary

__all__ = [
    "EXPORT_CSV_COLUMNS",
    "REPORT_INDEXES",
    "SUMMARY_CSV_COLUMNS",
    "ConflictPolicy",
    "ExportFormat",
    "ImportOptions",
    "Importer",
    "InputFormat",
    "Progress",
    "Summary",
    "TooManyProblems",
    "export_record",
    "export_records",
    "guess_format",
    "import_file",
    "open_source",
    "output_file",
    "run_import",
    "write_export",
]
