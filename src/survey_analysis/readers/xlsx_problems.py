"""The problem pass over a worksheet's XML: cells the value reader would show as blank.

Error cells (``t="e"``) and formulas without a cached value read as empty;
the safety scan (:mod:`.xlsx_scan`) keeps the pieces of XML that may hold
such cells, and :func:`sheet_problems` lists them, while the value reader
parses the sheet.
"""

from __future__ import annotations

import re

from .table import CellProblem

_PREFIX = rb"(?:[A-Za-z_][\w.\-]*:)?"
_CELL = re.compile(rb"<" + _PREFIX + rb"c(\s[^>]*)?(?:/>|>(.*?)</" + _PREFIX + rb"c\s*>)", re.S)
_ATTR_R = re.compile(rb"(?:^|\s)r\s*=\s*[\"']\$?([A-Za-z]{1,3})\$?(\d{1,7})[\"']")
_ATTR_T = re.compile(rb"(?:^|\s)t\s*=\s*[\"']([A-Za-z]+)[\"']")
_FORMULA = re.compile(rb"<" + _PREFIX + rb"f(?:\s[^>]*)?(?:/>|>(.*?)</" + _PREFIX + rb"f\s*>)", re.S)
_VALUE = re.compile(rb"<" + _PREFIX + rb"v(?:\s[^>]*)?(?:/>|>(.*?)</" + _PREFIX + rb"v\s*>)", re.S)


def column_index(letters: bytes) -> int:
    """0-based index of a column written in letters (``b"A"`` -> 0, ``b"AA"`` -> 26)."""
    index = 0
    for char in letters.upper():
        index = index * 26 + (char - 64)
    return index - 1


def _xml_text(raw: bytes | None) -> str:
    if raw is None:
        return ""
    text = raw.decode("utf-8", "replace")
    return (
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
        .replace("&apos;", "'").replace("&amp;", "&")
    )


def sheet_problems(pending: list[bytes]) -> list[CellProblem]:
    """Error cells and formula cells without a cached value in pieces of sheet XML."""
    found: list[CellProblem] = []
    for segment in pending:
        found.extend(scan_segment(segment))
    return found


def scan_segment(segment: bytes) -> list[CellProblem]:
    """The error cells and formula cells without a cached value in one piece of sheet XML."""
    found = []
    for cell in _CELL.finditer(segment):
        attrs, body = cell.group(1) or b"", cell.group(2) or b""
        type_match = _ATTR_T.search(attrs)
        cell_type = type_match.group(1) if type_match else b"n"
        formula = _FORMULA.search(body)
        if cell_type != b"e" and formula is None:
            continue
        value = _VALUE.search(body)
        ref = _ATTR_R.search(attrs)
        row = int(ref.group(2)) if ref else None
        column = column_index(ref.group(1)) if ref else None
        if cell_type == b"e":
            found.append(CellProblem("error_cell", row, column, _xml_text(value.group(1) if value else None)))
        elif value is None or (not (value.group(1) or b"").strip() and cell_type not in (b"str", b"inlineStr")):
            text = _xml_text(formula.group(1)) if formula is not None else ""
            found.append(CellProblem("formula_without_value", row, column, ("=" + text) if text else None))
    return found
