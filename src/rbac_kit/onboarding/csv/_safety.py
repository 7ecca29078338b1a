"""Cells a spreadsheet would run as a formula, neutralised on export and restored on import.

A spreadsheet opening a CSV evaluates a cell starting with ``=``, ``+``,
``-`` or ``@`` (and, in some, a tab or a carriage return before one of those)
as a formula: ``=HYPERLINK("http://evil","click")`` in a name becomes a live
link, and worse can run commands (OWASP, "CSV Injection"). Such values are
legitimate here: ``=1+2@example.com`` is a valid email, ``+4412345`` or
``-42`` a plausible Customer ID. So export never drops them; it prefixes a
``'``, which spreadsheets show as text.

To keep export and import exact inverses, the mark is unambiguous: a
leading ``'`` is added to a cell starting with a formula character, *and*
to a cell starting with ``'`` followed by a formula character or another
``'``. Import removes one leading ``'`` from exactly those shapes, so every
value comes back as it was. (A value typed by hand as ``'=x`` therefore
imports as ``=x``; write ``''=x`` to mean ``'=x``.)
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import TextIO

__all__ = ["FORMULA_START", "neutralise", "restore", "write_csv"]

#: The first characters that make a spreadsheet treat a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MARK = "'"
_AFTER_MARK = (*FORMULA_START, _MARK)


def neutralise(cell: str) -> str:
    """``cell`` as text no spreadsheet evaluates: with a leading ``'`` where one is needed."""
    if cell.startswith(FORMULA_START) or (
        cell.startswith(_MARK) and cell[1:].startswith(_AFTER_MARK)
    ):
        return _MARK + cell
    return cell


def restore(cell: str) -> str:
    """The value :func:`neutralise` turned into ``cell`` (the inverse: one mark removed)."""
    if cell.startswith(_MARK) and cell[1:].startswith(_AFTER_MARK):
        return cell[1:]
    return cell


def write_csv(out: TextIO, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> int:
    """Write the header and ``rows`` to ``out``, every cell neutralised; return the rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
        count += 1
    return count
