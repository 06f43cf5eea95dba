"""The entry point of the read stage: any export file -> :class:`RawTable`, safely.

:func:`read_raw` recognises the format from the file's first bytes (never
from its name) and hands the file to the zip workbook reader (xlsx, xlsm,
xlsb, ods), the OLE2 reader (xls, or a password-protected workbook) or the
delimited-text reader (csv, tsv).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from ..errors import EmptyFileError, FileProblemError, SurveyError
from . import limits as limit_values
from .delimited import read_text
from .files import FORMAT_NAMES, SUFFIX_FORMATS, check_path, open_binary
from .ole2 import OLE2_MAGIC
from .table import RawTable
from .workbook import read_ole2, read_zip
from .zipcheck import ZIP_MAGIC


def read_raw(path: str | os.PathLike[str], *, sheet: str | int | None = None,
             limits: Mapping[str, int | str] | None = None) -> RawTable:
    """Read every row of a survey export, whatever its format, safely.

    Parameters
    ----------
    path : str or path-like
        The export: .xlsx, .xlsm, .xls, .xlsb, .ods, .csv or .tsv.  The format
        is recognised from the content, not the name.
    sheet : str, int or None, keyword-only
        The sheet to read: its name, or its 0-based position in the workbook.
        ``None`` (default) chooses, among the visible worksheets, the one that
        looks most like a table of responses (most rows with data times most
        header columns) and says why in ``notes``.  Ignored (with a note) for
        text files.
    limits : mapping, optional, keyword-only
        Limits to raise (or lower) for this file, by name, e.g.
        ``{"MAX_SHEET_CELLS": 40_000_000}``: see
        :mod:`survey_analysis.readers.limits` for every limit and what it
        protects against.  Raise one only for a file you trust.

    Returns
    -------
    RawTable
        The rows with their source row numbers, notes and problems.

    Raises
    ------
    FileProblemError
        Missing file, a folder, not readable, too large.
    EmptyFileError
        Zero bytes, or no sheet holds any data.
    WrongFormatError
        Not a spreadsheet or text export, or damaged/truncated.
    UnsafeFileError
        Zip bomb, XML entity declarations, a sheet too large for memory, a
        size field that lies, a file that crashes or exhausts the parser; the
        message names the limit hit and how to raise it.
    EncryptedFileError
        Password-protected workbook.
    SheetNotFoundError
        ``sheet`` names no sheet, or every worksheet is hidden.
    EncodingProblemError
        A text file that is neither UTF-8 nor one of the Windows/ISO codepages
        tried.

    Notes
    -----
    Format: ``PK\\x03\\x04`` starts a zip (xlsx/xlsm by ``xl/workbook.xml``,
    xlsb by ``xl/workbook.bin``, ods by its ``mimetype`` entry);
    ``D0 CF 11 E0`` an OLE2 compound file (an encrypted OOXML package when it
    holds ``EncryptionInfo``/``EncryptedPackage`` streams, else a legacy .xls);
    anything else is read as delimited text.

    Safety, before any parser runs (every limit is a constant of
    :mod:`survey_analysis.readers.limits`, raised with ``limits=``): the zip's
    central directory must show at most ``MAX_ZIP_ENTRIES`` entries, each
    declaring at most ``MAX_ENTRY_UNCOMPRESSED`` bytes
    (``MAX_TOTAL_UNCOMPRESSED`` in all) and, above 1 MiB, a compression ratio
    of at most ``MAX_COMPRESSION_RATIO``; no XML part may declare a document
    type (entities can only be declared there).  Every part of an .xlsx is
    measured as the value reader could read it, whatever its name (it follows
    relationships case-insensitively): the bounding box of its cells --
    largest referenced row x column, cells without a reference counted in
    place -- must stay under ``MAX_SHEET_CELLS`` and Excel's sheet size, its
    cell elements under ``MAX_CELL_ELEMENTS``, its merged ranges under
    ``MAX_MERGED_RANGES``, its shared strings under ``MAX_SHARED_STRINGS``.
    An .ods is read with an XML parser, repeat counts as XML attribute
    values, and its expanded sheets together must stay under
    ``MAX_SHEET_CELLS`` and their text under ``MAX_CELL_TEXT`` (as must the
    text an .xlsx's cells copy from its shared strings).  An
    .xls must have records that end inside its stream, sheet offsets that
    point at sheets, DIMENSIONS inside a sheet and a plausible shared-strings
    count.  Text files are held to ``MAX_TEXT_BYTES``,
    ``MAX_FIELDS_PER_RECORD``, ``MAX_FIELD_CHARS`` and ``MAX_RECORDS``.  The
    value reader also refuses to inflate an entry past its declared size.

    Files the checks cannot vouch for (.xls, .xlsb, unusual zip layouts, XML
    parts not in UTF-8) are parsed in a separate process limited to
    ``ISOLATED_PARSE_MEMORY`` bytes and ``ISOLATED_PARSE_SECONDS`` seconds
    (Linux); if it dies, the file is refused, and Python survives.

    Text decoding: a UTF-8 or UTF-16 byte order mark decides; otherwise strict
    UTF-8; otherwise each of Windows-1250, Windows-1252 and ISO-8859-16 that
    decodes without control characters is scored by its non-ASCII characters
    (+2 for a Romanian or Western European letter, -1 for any other letter,
    -2 for a symbol inside a word) and the best is taken (ties in that order).
    No replacement character (U+FFFD) is ever produced; one already in the
    file is kept and listed in ``problems``.

    Cells: error values and formulas without a cached result become ``None``
    and a ``problems`` entry (xlsx/xlsm from the sheet XML, xls from the BIFF
    records, ods from LibreOffice's error marks; not checked for xlsb).
    Merged ranges are filled with their top-left value and listed in
    ``notes``.  Whole-number floats become ``int``; durations become
    ``datetime.time`` (under a day) or ``"h:mm:ss"`` text.

    References
    ----------
    .. [1] ECMA-376 Office Open XML, Part 1 (SpreadsheetML: ``c``, ``f``,
       ``v`` elements, cell types, ``date1904``) and Part 2 (packaging).
    .. [2] [MS-CFB] Compound File Binary Format; [MS-OFFCRYPTO] Office
       Document Cryptography Structure (``EncryptionInfo``,
       ``EncryptedPackage``); [MS-XLS] BIFF8 records.
    .. [3] OASIS OpenDocument 1.2, Part 1: table:number-rows-repeated,
       table:number-columns-repeated.
    .. [4] OWASP, "XML External Entity Prevention Cheat Sheet" and
       D. Fifield, "A better zip bomb", WOOT '19 (2019).

    Examples
    --------
    >>> raw = read_raw("data/sample/google_forms.xlsx")      # doctest: +SKIP
    >>> raw.rows[0][:2], raw.row_numbers[:2]                   # doctest: +SKIP
    (['Timestamp', 'Email Address'], [1, 2])
    """
    with limit_values.using(limits):
        return _read(path, sheet)


def _read(path, sheet: str | int | None) -> RawTable:
    try:
        path = Path(os.fspath(path))
    except TypeError:
        raise FileProblemError(
            f"expected a file path, got {type(path).__name__}",
            value=path,
            hint="Pass the path of the export file as a string or pathlib.Path.",
        ) from None
    size = check_path(path)
    with open_binary(path) as handle:
        head = handle.read(8)
    if size == 0 or not head:
        raise EmptyFileError(
            "the file is empty (0 bytes)",
            path=path,
            hint="The export or download did not finish; export the responses again.",
        )
    try:
        if head.startswith(ZIP_MAGIC):
            raw = read_zip(path, sheet)
        elif head.startswith(OLE2_MAGIC):
            raw = read_ole2(path, size, sheet)
        else:
            raw = read_text(path, size, sheet)
    except SurveyError:
        raise
    except MemoryError:
        raise FileProblemError(
            "the file does not fit in memory",
            path=path,
            hint="Split the export (for example by date) and read the parts separately.",
        ) from None
    _note_name_mismatch(raw)
    return raw


def _note_name_mismatch(raw: RawTable) -> None:
    suffix = raw.path.suffix.lower()
    expected = SUFFIX_FORMATS.get(suffix)
    if expected is None or raw.format in expected:
        if expected is None and suffix:
            raw.notes.insert(0, f"The name ends in '{suffix}'; the content is {FORMAT_NAMES[raw.format]}.")
        return
    raw.notes.insert(
        0,
        f"The file is named '{raw.path.name}' ('{suffix}') but its content is "
        f"{FORMAT_NAMES[raw.format]}; it was read as such. Rename it to end in "
        f"'.{'csv' if raw.format == 'tsv' else raw.format}' to avoid confusion.",
    )
