"""People as CSV: the format and its safety, checked import, export."""

from ._export import ExportKind, export_csv
from ._format import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, PeopleKind, csv_template
from ._import import ImportReport, import_people

__all__ = [
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ROWS",
    "ExportKind",
    "ImportReport",
    "PeopleKind",
    "csv_template",
    "export_csv",
    "import_people",
]
