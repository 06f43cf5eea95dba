"""The read stage: any survey export file -> raw rows, safely.

This package owns turning one file (xlsx, xlsm, xls, xlsb, ods, csv, tsv)
into a :class:`RawTable`: every row of the chosen sheet as plain Python
values, with the source row number of each, and an account of everything
that was noticed on the way (notes) or could not be read (problems).  It
knows nothing about questionnaires: header layouts, tools and coding belong
to :mod:`survey_analysis.survey`.

What it guarantees:

* The format is recognised from the file's bytes, never from its name; a
  mismatch between the two is read anyway and noted.
* Hostile files are refused before any parser sees them: zip bombs (entry
  count, declared sizes, compression ratio), XML entity attacks (a document
  type declaration in any XML part), sheets whose bounding box would not fit
  in memory -- measured on whatever part the value reader would read, as it
  would read the numbers --, shared strings, merged ranges and text that
  would fill memory, size fields that lie (.xls DIMENSIONS, record lengths,
  sheet offsets), text records of millions of fields.  Every limit is in
  :mod:`.limits`, and every refusal names its limit and how to raise it.
* Nothing a file holds can abort Python: files the checks cannot vouch for
  are parsed in a separate, memory-limited process (:mod:`.isolated`), whose
  death becomes an :class:`~survey_analysis.errors.UnsafeFileError`.
* Nothing is lost silently: error cells and formulas without a calculated
  value become ``None`` *and* a problem entry; ragged CSV rows are padded and
  recorded; trailing blank rows are removed and counted; hidden sheets are
  named in the notes.
* Every error raised is a :class:`~survey_analysis.errors.SurveyError` that
  names the file (and sheet, row, column, value where they apply) and says
  what to do.

Modules: :mod:`.read` (the entry point), :mod:`.limits` (every limit),
:mod:`.files` (paths), :mod:`.zipcheck`, :mod:`.inflate`, :mod:`.xlsx_scan`,
:mod:`.ods_scan`, :mod:`.ole2` (checks before parsing), :mod:`.guard`
(workbook and per-sheet checks), :mod:`.isolated` and :mod:`.isolated_child`
(where the value reader runs), :mod:`.workbook` and :mod:`.sheets`
(workbooks), :mod:`.delimited` (CSV/TSV), :mod:`.table` (the result).
"""

from __future__ import annotations

from . import limits
from .read import read_raw
from .table import RawTable, column_letter

__all__ = ["RawTable", "read_raw", "column_letter", "limits"]
