"""Reading delimited text exports (CSV, TSV): decoding, separators, ragged records.

Text is decoded strictly: a byte order mark decides, else UTF-8, else the
Windows/ISO codepage that gives the most plausible Romanian and Western
European letters; never a replacement character.  The separator is sniffed
among comma, semicolon and tab (or taken from a ``sep=`` line).  Records
with missing or extra fields are padded or kept whole, and listed; a quoted
field that never closes is refused with its line.
"""

from __future__ import annotations

import bisect
import csv
import gc
import io
import itertools
import re
from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import EmptyFileError, EncodingProblemError, UnsafeFileError, WrongFormatError
from . import limits
from .files import SPREADSHEET_SUFFIXES, read_bytes
from .table import RawTable, column_letter, finish_table, note_replacement_characters


_EMPTY_CSV_HINT = "Export the responses again; the file holds no rows."



_ROMANIAN = set("ăâîșțşţĂÂÎȘȚŞŢ")
_WESTERN = set("àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßœÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝŸŒ")
_EXPECTED_LETTERS = _ROMANIAN | _WESTERN
_FALLBACK_CODECS = ("cp1250", "cp1252", "iso8859_16")
_CODEC_NAMES = {"cp1250": "Windows-1250", "cp1252": "Windows-1252", "iso8859_16": "ISO-8859-16",
                "utf-8": "UTF-8", "utf-8-sig": "UTF-8 with byte order mark", "utf-16": "UTF-16"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _codepage_score(text: str) -> int:
    score = 0
    for match in _NON_ASCII.finditer(text):
        char = match.group()
        if char in _EXPECTED_LETTERS:
            score += 2
        elif char.isalpha():
            score -= 1
        else:
            i = match.start()
            before = text[i - 1] if i else " "
            after = text[i + 1] if i + 1 < len(text) else " "
            if before.isalpha() and after.isalpha():
                score -= 2
    return score


def _decode(path: Path, data: bytes, suffix_is_spreadsheet: bool) -> tuple[str, str, list[str], list[dict]]:
    notes: list[str] = []
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig", notes, []
        except UnicodeDecodeError as exc:
            _encoding_error(path, data, exc.start + 3, "it starts with a UTF-8 byte order mark but is not valid UTF-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            _encoding_error(path, data, exc.start, "it starts with a UTF-16 byte order mark but is not valid UTF-16")
        return text, "utf-16", notes, []
    sample = data[:4096]
    if b"\x00" in sample and _looks_binary(sample):
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if odd > len(sample) // 4 and even == 0 or even > len(sample) // 4 and odd == 0:
            codec = "utf-16-le" if odd > even else "utf-16-be"
            try:
                text = data.decode(codec)
                notes.append(f"The text is UTF-16 without a byte order mark ({codec}).")
                return text, codec, notes, []
            except UnicodeDecodeError:
                pass
        raise _not_text(path, suffix_is_spreadsheet)
    try:
        return data.decode("utf-8"), "utf-8", notes, []
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    mixed = _mixed_lines(data)
    if mixed is not None:
        text, encoding, mixed_notes, problems = mixed
        return text, encoding, notes + mixed_notes, problems
    chosen = _best_codepage(data)
    if chosen is None:
        if suffix_is_spreadsheet:
            raise _not_text(path, True)
        _encoding_error(path, data, first_bad,
                        "it is not UTF-8, and Windows-1250, Windows-1252 and ISO-8859-16 all give control "
                        "characters or undefined bytes")
    codec, text, tried = chosen
    notes.append(
        f"The text is not valid UTF-8 (first at byte {first_bad}); decoded as {_CODEC_NAMES[codec]}, "
        f"which of the codepages that fit ({tried}) gives the most Romanian and Western European letters."
    )
    return text, codec, notes, []


def _looks_binary(sample: bytes) -> bool:
    """Whether a file's first bytes (holding a NUL) are binary data rather than text with a few stray NULs."""
    controls = sum(sample.count(bytes([b])) for b in (*range(0, 9), *range(14, 32)))
    return controls > 3 and controls * 10 > len(sample)


def _best_codepage(data: bytes) -> tuple[str, str, str] | None:
    """The codepage that decodes ``data`` without control characters and with the most plausible letters."""
    scored = []
    for order, codec in enumerate(_FALLBACK_CODECS):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _CONTROL.search(text):
            continue
        scored.append((_codepage_score(text), -order, codec, text))
    if not scored:
        return None
    scored.sort(reverse=True)
    _, _, codec, text = scored[0]
    return codec, text, ", ".join(_CODEC_NAMES[c] for _, _, c, _ in scored)


_LISTED = 100  # problems listed one by one; the rest are counted in a note


def _mixed_lines(data: bytes) -> tuple[str, str, list[str], list[dict]] | None:
    """Decode a file whose lines are in two encodings (UTF-8 and a codepage) line by line.

    Returns ``(text, encoding, notes, problems)`` with one problem per line in
    the less used of the two encodings; ``None`` when the file is not so
    mixed (no line holds valid UTF-8 letters, or no codepage decodes the
    others).
    """
    lines = data.split(b"\n")
    utf8, other = [], []
    for number, line in enumerate(lines):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8.append(number)
        except UnicodeDecodeError:
            other.append(number)
    if not utf8 or not other:
        return None
    chosen = _best_codepage(b"\n".join(lines[n] for n in other))
    if chosen is None:
        return None
    codec = chosen[0]
    other_set = set(other)
    text = "\n".join(line.decode(codec if number in other_set else "utf-8") for number, line in enumerate(lines))
    if len(other) <= len(utf8):
        few, odd, usual = other, _CODEC_NAMES[codec], "UTF-8"
    else:
        few, odd, usual = utf8, "UTF-8", _CODEC_NAMES[codec]
    problems = [{
        "kind": "mixed_encoding", "sheet": None, "row": number + 1, "line": number + 1, "column": None, "value": None,
        "message": (f"line {number + 1} is written in {odd} while most of the file is {usual} (the file was "
                    f"pieced together from two sources); it was decoded as {odd}. Check its letters, and "
                    "export the responses again as UTF-8 if any look wrong."),
    } for number in few[:_LISTED]]
    notes = [f"The file mixes two encodings: {len(few)} line(s) in {odd}, the rest in {usual}; each line "
             f"was decoded in its own encoding (the first {min(len(few), _LISTED)} are listed in problems)."]
    return text, f"utf-8+{codec}", notes, problems


def _encoding_error(path: Path, data: bytes, offset: int, why: str):
    line = data.count(b"\n", 0, offset) + 1
    snippet = data[max(offset - 20, 0):offset + 20]
    raise EncodingProblemError(
        f"the text cannot be decoded: {why} (byte offset {offset}, line {line}, bytes {snippet!r})",
        path=path, row=line, value=data[offset:offset + 4],
        hint="Open the file in a spreadsheet program or text editor and save it as 'CSV UTF-8', "
        "or export it again from the survey tool choosing UTF-8.",
    )


def _not_text(path: Path, suffix_is_spreadsheet: bool) -> WrongFormatError:
    if suffix_is_spreadsheet:
        return WrongFormatError(
            f"the file is named '{path.suffix}' but is neither a workbook (no zip or Excel 97-2003 "
            "signature) nor a text export",
            path=path,
            hint="The file may be damaged or something else renamed; export the responses again as .xlsx or .csv.",
        )
    return WrongFormatError(
        "the file is binary, not a text (CSV/TSV) export nor a workbook",
        path=path,
        hint="Export the responses again as .xlsx or .csv.",
    )


_MARKUP = re.compile(r"\A\s*<(?:!doctype\s+html|html|table|\?xml)", re.I)


def _sniff_delimiter(text: str, suffix: str) -> tuple[str, str]:
    """Pick the field separator among comma, semicolon and tab.

    Each candidate splits the first 64 KiB into records; candidates that give
    one field per record, or leave a quoted field open at the end of an
    untruncated sample, are out.  The rest are ranked by the share of records
    that have the most common number of fields, then by that number, then in
    the order comma, semicolon, tab (tab first for a .tsv name).
    """
    sample = text[:65536]
    truncated = len(text) > len(sample)
    best: tuple[tuple, str] | None = None
    order = ("\t", ",", ";") if suffix == ".tsv" else (",", ";", "\t")
    for rank, delimiter in enumerate(order):
        try:
            records = list(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter))
        except csv.Error:
            continue
        if truncated and len(records) > 1:
            records = records[:-1]
        elif not truncated and records:
            try:
                for _ in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, strict=True):
                    pass
            except csv.Error as exc:
                if "unexpected end of data" in str(exc):
                    continue
        counts = [len(r) for r in records if r][:100]
        if not counts:
            continue
        mode, frequency = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        key = (round(frequency / len(counts), 2), mode, -rank)
        if best is None or key > best[0]:
            best = (key, delimiter)
    if best is None:
        return ",", "Every line has one field only; read as a single column."
    delimiter = best[1]
    name = {",": "comma", ";": "semicolon", "\t": "tab"}[delimiter]
    return delimiter, f"Fields are separated by {name} ('{delimiter.encode('unicode_escape').decode()}')."


def read_text(path: Path, size: int, sheet: str | int | None) -> RawTable:
    suffix = path.suffix.lower()
    data = read_bytes(path, size, limits.get("MAX_TEXT_BYTES"), "the text file", "MAX_TEXT_BYTES")
    text, encoding, notes, problems = _decode(path, data, suffix in SPREADSHEET_SUFFIXES)
    del data
    if text.endswith("\x1a"):  # DOS end-of-file marker
        text = text.rstrip("\x1a")
    if _MARKUP.match(text[:2048]):
        what = "an XML file (perhaps an Excel 2003 XML spreadsheet)" if text.lstrip()[:5] == "<?xml" \
            else "an HTML page (some tools save HTML tables with a spreadsheet name)"
        raise WrongFormatError(
            f"this is {what}, not a workbook or a CSV export",
            path=path,
            hint="Open it in Excel or LibreOffice and save it as .xlsx, or export the responses again as .xlsx or .csv.",
        )
    if "\x00" in text:
        text = _drop_nul_characters(text, notes, problems)
    first_line = 1
    delimiter_note = None
    directive = re.match(r"sep=(.)\r?\n", text[:8])
    if directive:
        delimiter = directive.group(1)
        text = text[directive.end():]
        first_line = 2
        delimiter_note = f"The first line 'sep={delimiter}' sets the field separator; it is not data."
    else:
        delimiter, delimiter_note = _sniff_delimiter(text, suffix)
    shown = " and ".join(_CODEC_NAMES.get(c, c) for c in encoding.split("+"))
    notes.append(f"Text encoding: {shown}" + (", line by line." if "+" in encoding else "."))
    notes.append(delimiter_note)
    if sheet is not None:
        notes.append(f"A text file has no sheets; sheet={sheet!r} was ignored.")

    rows, line_numbers, consumed = _records(path, text, delimiter, first_line)
    if rows:
        _check_last_record_closed(path, text, delimiter, line_numbers[-1] - first_line + 1, consumed,
                                  line_numbers[-1])
    if not rows or not any(row.count(None) != len(row) for row in rows):
        raise EmptyFileError("the text file holds no values", path=path, hint=_EMPTY_CSV_HINT)
    # A record is numbered as a spreadsheet program shows it (one row per record, a 'sep=' line
    # hidden); where it starts in the file is kept beside, for a text editor.
    raw = RawTable(path=path, format="tsv" if delimiter == "\t" else "csv", sheet=None, sheets=[],
                   rows=rows, row_numbers=list(range(1, len(rows) + 1)), line_numbers=line_numbers,
                   encoding=encoding, delimiter=delimiter, notes=notes, problems=_by_record(problems, line_numbers))
    _even_out_fields(raw)
    if "\ufffd" in text:
        note_replacement_characters(raw)
    finish_table(raw)
    return raw


def _by_record(problems: list[dict], line_numbers: list[int]) -> list[dict]:
    """Number the problems found by line (encodings, NUL bytes) by the record holding the line, as others are."""
    for problem in problems:
        line = problem.get("line")
        if line is not None and line_numbers:
            problem["row"] = max(bisect.bisect_right(line_numbers, line), 1)
    return problems


def _drop_nul_characters(text: str, notes: list[str], problems: list[dict]) -> str:
    """Remove NUL characters (never part of an answer; they end text in many programs), listing their lines."""
    total = text.count("\x00")
    position, listed = text.find("\x00"), []
    while position != -1 and len(listed) < _LISTED:
        line = text.count("\n", 0, position) + 1
        listed.append(line)
        following = text.find("\n", position)
        position = -1 if following == -1 else text.find("\x00", following)
    for line in listed:
        problems.append({
            "kind": "nul_character", "sheet": None, "row": line, "line": line, "column": None, "value": None,
            "message": (f"line {line} holds NUL characters (byte 0), which no answer contains; they were "
                        "removed. The file was probably damaged or joined from a binary file; check the line."),
        })
    notes.append(f"{total} NUL character(s) were removed from {len(listed)}"
                 f"{'+' if position != -1 else ''} line(s) (listed in problems).")
    return text.replace("\x00", "")


_PHYSICAL_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


class _RecordTooWide(Exception):
    """Raised from the line feed when the record being read already has too many fields."""


class _LineFeed:
    """The text's lines for the csv reader, counting the separators of the record being read.

    The csv reader builds a whole record before handing it over, so a line
    of millions of separators must be stopped while the lines are fed to it.
    """

    def __init__(self, text: str, delimiter: str) -> None:
        # Lines as slices of the text (io.StringIO would hold a second, wider copy of it).
        self._lines = (match.group() for match in _PHYSICAL_LINE.finditer(text))
        self._delimiter = delimiter
        self._most = limits.get("MAX_FIELDS_PER_RECORD")
        self.separators = 0
        self.lines_read = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.lines_read += 1
        self.separators += line.count(self._delimiter)
        if self.separators >= self._most:
            raise _RecordTooWide
        return line


def _unclosed_quote(path: Path, line: int) -> WrongFormatError:
    """Separators inside a quote that never closes are not fields: the quote is the problem."""
    return WrongFormatError(
        f"a quoted field that starts on or after line {line} never ends (an opening double quote "
        "without its closing quote), so the rest of the file would be one cell", path=path, row=line,
        hint="Open the file in a text editor at that line and close or remove the stray double "
        "quote, or export the responses again.")


def _records(path: Path, text: str, delimiter: str, first_line: int) -> tuple[list[list[Any]], list[int], int]:
    """Split the text into records under the limits; returns the rows, their first lines, the lines read."""
    rows: list[list[Any]] = []
    line_numbers: list[int] = []
    feed = _LineFeed(text, delimiter)
    reader = csv.reader(feed, delimiter=delimiter)
    most_records, most_cells = limits.get("MAX_RECORDS"), limits.get("MAX_SHEET_CELLS")
    longest = limits.get("MAX_FIELD_CHARS")
    consumed = cells = 0
    previous_limit = csv.field_size_limit(longest)
    collecting = gc.isenabled()
    gc.disable()  # many small lists that cannot form cycles; see _convert
    try:
        for record in reader:
            line_numbers.append(first_line + consumed)
            consumed = reader.line_num
            feed.separators = 0
            cells += len(record)
            rows.append([None if v == "" else v for v in record])
            if len(rows) > most_records or cells > most_cells:
                name, found = ("MAX_RECORDS", len(rows)) if len(rows) > most_records else ("MAX_SHEET_CELLS", cells)
                raise UnsafeFileError(
                    f"the text holds more than {limits.get(name):,} "
                    f"{'records' if name == 'MAX_RECORDS' else 'fields in all'} by line {first_line + consumed} "
                    f"(limit {name}); a survey export holds far fewer", path=path, row=first_line + consumed,
                    hint="Check that this is the export of responses; split it if it is. "
                    + limits.raise_hint(name, found))
    except _RecordTooWide:
        line = first_line + consumed
        if feed.lines_read - consumed > 1 and _quote_left_open(text, line - first_line):
            raise _unclosed_quote(path, line) from None
        raise UnsafeFileError(
            f"the record that starts on line {line} has more than {feed._most:,} fields (limit "
            "MAX_FIELDS_PER_RECORD); a survey export has at most a few thousand columns", path=path, row=line,
            hint="Open the file in a text editor at that line: it may be a run of separators or a damaged "
            "file. " + limits.raise_hint("MAX_FIELDS_PER_RECORD")) from None
    except csv.Error as exc:
        line = first_line + consumed
        detail = str(exc)
        if "field larger than field limit" not in detail:
            raise WrongFormatError(
                f"the text cannot be split into fields from line {line} on ({detail})", path=path, row=line,
                hint="Open the file in a text editor at that line, or export the responses again.") from None
        if _quote_left_open(text, line - first_line):
            raise _unclosed_quote(path, line) from None
        raise UnsafeFileError(
            f"a field of the record that starts on line {line} is longer than {longest:,} characters "
            "(limit MAX_FIELD_CHARS); a spreadsheet cell holds at most 32,767", path=path, row=line,
            hint="Open the file in a text editor at that line; export the responses again. "
            + limits.raise_hint("MAX_FIELD_CHARS")) from None
    finally:
        csv.field_size_limit(previous_limit)
        if collecting:
            gc.enable()
    return rows, line_numbers, consumed


def _quote_left_open(text: str, lines_before: int) -> bool:
    """Whether the double quotes from the start of line ``lines_before + 1`` on leave one open.

    Quotes inside a quoted field are doubled, so well-formed text holds an
    even number of them; an odd number means a quote never closes.
    """
    offset = 0
    if lines_before:
        found = next(itertools.islice(_LINE_BREAK.finditer(text), lines_before - 1, None), None)
        offset = found.end() if found is not None else 0
    return text.count('"', offset) % 2 == 1


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _check_last_record_closed(path: Path, text: str, delimiter: str, start_in_text: int,
                              lines_in_text: int, line: int) -> None:
    """Refuse a file whose last record is a quoted field that never closes.

    The csv module, when not strict, silently makes everything after an
    unmatched opening quote one cell; such a quote always ends up in the last
    record, so only a last record spanning several lines is parsed again,
    strictly.
    """
    if lines_in_text <= start_in_text:
        return
    offset = 0
    if start_in_text > 1:
        found = next(itertools.islice(_LINE_BREAK.finditer(text), start_in_text - 2, None), None)
        if found is None:
            return
        offset = found.end()
    try:
        for _ in csv.reader(io.StringIO(text[offset:], newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise WrongFormatError(
                f"a quoted field that starts on line {line} never ends (an opening double quote without "
                "its closing quote), so the rest of the file would be one cell",
                path=path, row=line,
                hint="Open the file in a text editor at that line and close or remove the stray double "
                "quote, or export the responses again.",
            ) from None


def _even_out_fields(raw: RawTable) -> None:
    """Pad short records and record both short and long ones as problems."""
    lengths = Counter(len(row) for row in raw.rows if row)
    if not lengths:
        return
    widest, most = max(lengths), limits.get("MAX_SHEET_CELLS")
    if widest * len(raw.rows) > most:  # one long record would pad every other one to its width
        line = next(line for row, line in zip(raw.rows, raw.line_numbers) if len(row) == widest)
        raise UnsafeFileError(
            f"the record on line {line} has {widest:,} fields, and padding the file's {len(raw.rows):,} records "
            f"to that width would make {widest * len(raw.rows):,} cells (limit MAX_SHEET_CELLS = {most:,})",
            path=raw.path, row=line,
            hint="Open the file in a text editor at that line: a run of separators there is not an answer. "
            + limits.raise_hint("MAX_SHEET_CELLS", widest * len(raw.rows)))
    expected = lengths.most_common(1)[0][0]
    header = next((row for row in raw.rows if row.count(None) != len(row)), [])
    short = long = 0
    for row, record, line in zip(raw.rows, raw.row_numbers, raw.line_numbers):
        n = len(row)
        if n == 0 or n == expected or row.count(None) == n:
            continue  # a blank line or a record of empty fields is a blank row, not a short one
        if n < expected:
            short += 1
            columns = f"{column_letter(n)}-{column_letter(expected - 1)}" if expected - n > 1 else column_letter(n)
            raw.problems.append({
                "kind": "missing_fields", "sheet": None, "row": record, "line": line, "column": columns,
                "value": None,
                "message": (f"record {record} (line {line}) has {n} field(s) where most records have {expected}; "
                            f"the missing {expected - n} (columns {columns}) were left empty. Check that the record was "
                            "not split or cut short."),
            })
        else:
            extra = row[expected:]
            if all(v is None for v in extra):
                continue
            long += 1
            columns = f"{column_letter(expected)}-{column_letter(n - 1)}"
            raw.problems.append({
                "kind": "extra_fields", "sheet": None, "row": record, "line": line, "column": columns,
                "value": [v for v in extra if v is not None],
                "message": (f"record {record} (line {line}) has {n} fields where most records have {expected} (header: "
                            f"{len([h for h in header if h is not None])} named); the extra values were kept "
                            f"in columns {columns}. A separator inside an unquoted answer usually causes this."),
            })
    width = max(len(row) for row in raw.rows)
    for row in raw.rows:
        if len(row) < width:
            row.extend([None] * (width - len(row)))
    if short or long:
        raw.notes.append(
            f"{short} record(s) with missing fields were padded with empty cells and {long} record(s) "
            "with extra fields were kept whole (listed in problems)."
        )
