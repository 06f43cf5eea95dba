"""Benchmark: every hostile or broken file through the command line, under a memory cap.

Builds (once, cached in ``benchmarks/.cache/hostile/``) one file per case of
``BAD_INPUTS.md`` (1-29) and per class of attack on the readers -- zip bombs,
XML entity attacks, parts named or cased otherwise, numbers written with
leading zeros, signs or character references, ``>`` inside attribute values,
size fields that lie (xlsx, xls, shared strings), text records of millions of
fields or one field of hundreds of megabytes, mixed encodings, NUL bytes,
dangerous output folders -- at full size, and runs each through
``survey-analysis`` in its own process under an address-space cap (4 GiB, so
that a regression cannot take the machine down).  For each it prints the exit
status, the wall time and the peak memory: of the largest process
(``ru_maxrss``) and of the command with its children together (sampled from
``/proc``).  The targets: exit 0, 2 or 130 only; under 30 s; under 1.5 GB
together; no traceback or native panic text on the error output.

Run from the project root::

    .venv/bin/python benchmarks/hostile_files.py              # everything
    .venv/bin/python benchmarks/hostile_files.py --only ods   # names containing "ods"
    .venv/bin/python benchmarks/hostile_files.py --extra DIR  # also every file in DIR (inspect)
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import filebuilders as fb  # noqa: E402  (the tests' builders, shared)
import hostile as h  # noqa: E402

CACHE = Path(__file__).resolve().parent / ".cache" / "hostile"
CLI = [str(Path(sys.executable).parent / "survey-analysis")]
CODEBOOK = ROOT / "data" / "codebook.yml"
SAMPLE = ROOT / "data" / "sample" / "google_forms.xlsx"
TIME_TARGET, MEMORY_TARGET_MB, ADDRESS_CAP = 30.0, 1536, 4 << 30
MARKERS = ("Traceback (most recent call last)", "panicked", "memory allocation of", "MemoryError")


# ------------------------------------------------------------------------------------------ building

def _write(name: str, data: bytes) -> Path:
    path = CACHE / name
    path.write_bytes(data)
    return path


def _stream_zip(name: str, parts: dict[str, bytes], big_part: str, head: bytes, repeat: bytes, times: int,
                tail: bytes) -> Path:
    """An xlsx whose ``big_part`` is ``head + repeat * times + tail``, compressed as it is written."""
    path = CACHE / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, data in parts.items():
            if part != big_part:
                archive.writestr(part, data)
        with archive.open(zipfile.ZipInfo(big_part), "w", force_zip64=True) as stream:
            stream.write(head)
            block = repeat * max(1, (1 << 20) // len(repeat))
            full, rest = divmod(times, (1 << 20) // len(repeat) or 1)
            for _ in range(full):
                stream.write(block)
            stream.write(repeat * rest)
            stream.write(tail)
    return path


def _run_without_tag_end(name: str, mib: int, *, ods: bool = False, tag_ends: bool = False) -> Path:
    """A good xlsx plus a part holding one comment of ``mib`` MiB without a '>' (mostly '=', compressing
    about 80 times, under the ratio limit), written in 16 MiB blocks; with ``ods``, an .ods whose
    content.xml holds that comment; with ``tag_ends``, the comment holds a '>' every 1,500 bytes or so
    (still one unfinished token to the XML parser)."""
    import io

    import numpy as np

    path = CACHE / name
    rng = np.random.default_rng(250)
    if ods:
        source = zipfile.ZipFile(io.BytesIO(h.ods_bytes(h.ODS_HEADER)))
        parts = {info.filename: source.read(info) for info in source.infolist()}
        head, end, tail = parts.pop("content.xml").partition(b"</office:spreadsheet>")
        big, before, after = "content.xml", head + b"<!--", b"-->" + end + tail
    else:
        parts = h.xlsx_parts(h.sheet_xml())
        big, before, after = "docProps/pad.xml", b"<?xml version='1.0'?><pad><!--", b"--></pad>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, data in parts.items():
            archive.writestr(part, data)
        info = zipfile.ZipInfo(big)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as stream:
            stream.write(before)
            for _ in range(mib // 16):
                block = np.full(16 << 20, ord("="), np.uint8)
                spots = rng.integers(0, len(block), len(block) // 250)
                block[spots] = rng.choice(np.frombuffer(b'r" abc>' if tag_ends else b'r" abc', np.uint8), len(spots))
                stream.write(block.tobytes())
            stream.write(after)
    return path


def _big_text(name: str, head: bytes, repeat: bytes, times: int, tail: bytes = b"\r\n") -> Path:
    path = CACHE / name
    with open(path, "wb") as handle:
        handle.write(head)
        block = repeat * max(1, (1 << 20) // len(repeat))
        full, rest = divmod(times, len(block) // len(repeat))
        for _ in range(full):
            handle.write(block)
        handle.write(repeat * rest + tail)
    return path


def _survey_csv(rows: int = 3) -> str:
    return fb.csv_text([fb.SURVEY_HEADER] + [[str(v) for v in row] for row in fb.SURVEY_ROWS][:rows])


def build_files() -> list[tuple[str, str, list[str]]]:
    """(case, what it does, command arguments) for every case; files are built into the cache."""
    CACHE.mkdir(parents=True, exist_ok=True)
    ignore = CACHE.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")
    cases: list[tuple[str, str, list[str]]] = []

    def inspect(case: str, what: str, path: Path, *extra: str) -> None:
        cases.append((case, what, ["inspect", str(path), *extra]))

    far = h.far_cell("XFD1048576")
    good = fb.write_survey_xlsx(CACHE / "good.xlsx")
    # BAD_INPUTS 1-5: files and containers
    inspect("01 zip bomb", "300 MB of sheet XML in a small xlsx", fb.write_zip_bomb(CACHE / "01_bomb.xlsx"))
    for part, payload, label in [("xl/worksheets/sheet1.xml", fb.BILLION_LAUGHS, "billion laughs"),
                                 ("xl/worksheets/sheet1.xml", fb.QUADRATIC_BLOWUP, "quadratic blowup"),
                                 ("xl/sharedStrings.xml", fb.EXTERNAL_ENTITY, "external entity")]:
        inspect("02 XML attack", label, fb.replace_zip_part(good, CACHE / f"02_{label.replace(' ', '_')}.xlsx",
                                                             part, payload))
    inspect("03 encrypted", "password-protected xlsx (OLE2)", fb.write_encrypted_xlsx(CACHE / "03_encrypted.xlsx"))
    inspect("04 mislabelled", "an .xls named .xlsx", h.write_xls_stream(CACHE / "04_xls_named.xlsx", h.xls_stream(
        [("Responses", h.survey_sheet())])))
    inspect("04 mislabelled", "a CSV named .xlsx", _write("04_csv_named.xlsx", _survey_csv().encode()))
    inspect("04 zero bytes", "an empty file", _write("04_empty.xlsx", b""))
    inspect("04 truncated", "a zip cut in half", _write("04_truncated.xlsx", good.read_bytes()[:1500]))
    inspect("04 no workbook", "a zip without xl/workbook.xml", _write("04_nowb.xlsx", h.zip_bytes({"a.txt": b"x"})))
    inspect("05 missing", "a file that does not exist", CACHE / "05_missing.xlsx")
    inspect("05 folder", "a folder instead of a file", CACHE)
    cases.append(("05 unknown sheet", "a sheet name that does not exist",
                  ["inspect", str(good), "--sheet", "Nope"]))
    # 6-10: sheets and cells (these load)
    inspect("06 sheets", "hidden and very hidden sheets", fb.write_xlsx(
        CACHE / "06_sheets.xlsx", {"Notes": [["x"]], "Form Responses 1": [fb.SURVEY_HEADER, *fb.SURVEY_ROWS]},
        states={"Notes": "hidden"}))
    inspect("07 merged header", "merged header cells", fb.write_xlsx(
        CACHE / "07_merged.xlsx", {"S": [["Q", None, "R"], ["a", "b", "c"], ["d", "e", "f"]]}, merged={"S": ["A1:B1"]}))
    inspect("08 formulas", "a formula without a cached value", fb.replace_zip_part(
        good, CACHE / "08_formula.xlsx", "xl/worksheets/sheet1.xml",
        h.sheet_xml(extra='<row r="3"><c r="A3"><f>1+1</f></c><c r="B3" t="inlineStr"><is><t>x</t></is></c></row>')))
    inspect("09 dates", "1904 date system", fb.write_xlsx(CACHE / "09_1904.xlsx", {"S": [fb.SURVEY_HEADER, *fb.SURVEY_ROWS]},
                                                          epoch1904=True))
    inspect("10 headers", "blank rows, blank and duplicate headers", _write("10_headers.csv", (
        "Timestamp,,Region,Region\r\n2019-01-14,a,b,c\r\n\r\n\r\n").encode()))
    # 11-12: CSV
    inspect("11 encodings", "Windows-1250 CSV", _write("11_cp1250.csv", "Oraş,Ţară\r\nIaşi,România\r\n".encode("cp1250")))
    inspect("11 encodings", "UTF-8 with BOM", _write("11_bom.csv", "\ufeffOraș,Țară\r\nIași,România\r\n".encode()))
    inspect("12 ragged", "extra and missing fields, quoted newlines, semicolons", _write(
        "12_ragged.csv", 'A;B;C\r\n1;"two\r\nlines";3;4\r\n5\r\n'.encode()))
    # 13-16: values (the bundled sample carries them), 20: disclosure
    cases.append(("13-16 values", "the bundled sample: labels, NA, duplicates, rankings",
                  ["inspect", str(SAMPLE), "--codebook", str(CODEBOOK)]))
    cases.append(("20 disclosure", "evidence on the sample", ["evidence", str(SAMPLE), "--json"]))
    # 17, 19, 21: outputs of free text
    answers = _write("17_answers.csv", fb.csv_text([["=HYPERLINK(\"http://evil\",\"x\")"], ["=cmd|' /C calc'!A0"],
                                                     ["Sună la 0745 123 456"], ["@SUM(1+1)"]]).encode())
    for suffix in (".csv", ".xlsx"):
        out = CACHE / f"17_out{suffix}"
        cases.append(("17 injection", f"formula-like answers and header written to {suffix}",
                      ["map-text", str(answers), "--column", '=HYPERLINK("http://evil","x")', "--codebook",
                       str(CODEBOOK), "--out", str(out), "--force"]))
    long_answer = _write("21_long.csv", fb.csv_text([["Comment"], ["x" * 40_000]]).encode())
    cases.append(("21 excel limits", "a 40,000-character answer written to xlsx",
                  ["map-text", str(long_answer), "--column", "Comment", "--codebook", str(CODEBOOK), "--out",
                   str(CACHE / "21_out.xlsx"), "--force"]))
    # 22: random bytes, mutated files
    inspect("22 random", "random bytes named .xlsx", _write("22_random.xlsx", os.urandom(20_000)))
    inspect("22 random", "random bytes behind a zip signature", _write("22_zipnoise.xlsx", b"PK\x03\x04" + os.urandom(9000)))
    mutated = bytearray(good.read_bytes())
    for k in range(0, len(mutated), 97):
        mutated[k] ^= 0x55
    inspect("22 mutated", "a mutated workbook", _write("22_mutated.xlsx", bytes(mutated)))
    # 23: numbers written unusually
    inspect("23 numbers", "ods rows repeated written 0000009800, 1,000 columns (the 664-byte file)", _write(
        "23_ods_zeros.ods", h.ods_bytes(h.ODS_HEADER + h.ods_number_row(
            row_attributes='table:number-rows-repeated="0000009800"',
            cell_attributes='table:number-columns-repeated="0000001000"'))))
    inspect("23 numbers", "ods repeat after a '>' inside an attribute value", _write(
        "23_ods_gt.ods", h.ods_bytes(h.ODS_HEADER + h.ods_number_row(
            row_attributes='table:style-name="a>b" table:number-rows-repeated="1000000"',
            cell_attributes='table:number-columns-repeated="1000"'))))
    inspect("23 numbers", "ods repeat as character references and a sign", _write(
        "23_ods_entities.ods", h.ods_bytes(h.ODS_HEADER + h.ods_number_row(
            row_attributes='table:number-rows-repeated="+&#49;000000"',
            cell_attributes='table:number-columns-repeated="1000"'))))
    inspect("23 numbers", "xlsx reference XFD00000001048576", _write(
        "23_xlsx_zeros.xlsx", h.xlsx_bytes(h.sheet_xml(extra=h.far_cell("XFD00000001048576")))))
    inspect("23 numbers", "xlsx reference after '>' in an attribute, spaced '='", _write(
        "23_xlsx_gt.xlsx", h.xlsx_bytes(h.sheet_xml(
            extra='<row r="1048576"><c x="a>b" r \n= "XFD1048576"><v>1</v></c></row>'))))
    wide = '<row r="1">' + '<c t="n"> r="A1"<v>1</v></c>' * 100_000 + "</row>"
    tall = "".join(f'<row r="{i}"><c r="A{i}"><v>1</v></c></row>' for i in range(2, 100_001))
    inspect("23 numbers", "xlsx: 100,000 cells whose 'r=\"A1\"' is text, not a reference, over 100,000 rows",
            _write("23_xlsx_text_reference.xlsx", h.xlsx_bytes(h.sheet_xml(extra=wide + tall))))
    gap_path = CACHE / "23_xlsx_no_tag_end_256MiB.xlsx"
    inspect("23 numbers", "xlsx: a part of 256 MiB without a '>' (it took 24 s and 2.4 GB to measure)",
            gap_path if gap_path.exists() else _run_without_tag_end(gap_path.name, 256))
    gap_path = CACHE / "23_ods_no_tag_end_256MiB.ods"
    inspect("23 numbers", "ods: content.xml with 256 MiB without a '>' (it ran past 60 s)",
            gap_path if gap_path.exists() else _run_without_tag_end(gap_path.name, 256, ods=True))
    gap_path = CACHE / "23_ods_comment_with_tag_ends_256MiB.ods"
    inspect("23 numbers", "ods: a 256 MiB comment with a '>' every 1,500 bytes (it took 110 s)",
            gap_path if gap_path.exists() else _run_without_tag_end(gap_path.name, 256, ods=True, tag_ends=True))
    wide_cells = 'table:number-columns-repeated="16384"'
    inspect("23 numbers", "ods: a count under a decoy prefix first (it took 43 s and 3.5 GB)", _write(
        "23_ods_decoy_count.ods", h.ods_bytes(h.ODS_HEADER + h.ods_number_row(
            row_attributes='foo:number-rows-repeated="1" table:number-rows-repeated="3000"',
            cell_attributes=wide_cells))))
    inspect("23 numbers", "ods: a space count under a decoy prefix first", _write(
        "23_ods_decoy_spaces.ods", h.ods_bytes(h.ODS_HEADER + '<table:table-row><table:table-cell '
        'office:value-type="string" table:number-columns-repeated="20"><text:p>a<text:s foo:c="1" '
        'text:c="100000000"/></text:p></table:table-cell></table:table-row>')))
    inspect("23 numbers", "ods: a decoy value type hiding a cell's text (it took 40 s and 5.9 GB)", _write(
        "23_ods_decoy_type.ods", h.ods_bytes(h.ODS_HEADER + '<table:table-row><table:table-cell '
        'calcext:value-type="float" office:value-type="string" table:number-columns-repeated="20"><text:p>a'
        '<text:s text:c="100000000"/></text:p></table:table-cell></table:table-row>')))
    inspect("23 numbers", "ods: an empty table inside the table (it took 76 s and 3.5 GB)", _write(
        "23_ods_nested_table.ods", h.ods_bytes(h.ODS_HEADER + h.ods_number_row(
            row_attributes='table:number-rows-repeated="3000"', cell_attributes=wide_cells)
            + '<table:table table:name="x"></table:table>')))
    inspect("23 numbers", "ods: eight tables under one decoy name (it took 64 s and 3 GB)", _write(
        "23_ods_decoy_names.ods", h.ods_bytes("", tables=[
            (f'S{i}" a:name="Same', h.ods_number_row(row_attributes='table:number-rows-repeated="600"',
                                                     cell_attributes=wide_cells)) for i in range(8)])))
    merges = "".join('<table:table-cell table:number-columns-spanned="16384" table:number-rows-spanned="1000000" '
                     'office:value-type="float" office:value="1"/>' for _ in range(1000))
    inspect("23 numbers", "ods: 1,000 overlapping merged ranges over a 1,000 x 1,000 sheet (it took 61 s)", _write(
        "23_ods_merges.ods", h.ods_bytes(h.ODS_HEADER + f"<table:table-row>{merges}</table:table-row>"
                                         + h.ods_number_row(row_attributes='table:number-rows-repeated="999"',
                                                            cell_attributes='table:number-columns-repeated="1000"'))))
    # 24: parts named otherwise (the 1.5 KB file that aborted Python)
    for label, options in [("sheet part not named .xml", dict(target="worksheets/sheet1.bin",
                                                                sheet_entry="xl/worksheets/sheet1.bin")),
                           ("relationship target in upper case", dict(target="WORKSHEETS/SHEET1.XML")),
                           ("part stored in upper case", dict(sheet_entry="XL/WORKSHEETS/SHEET1.XML")),
                           ("part outside xl/", dict(target="/data.dat", sheet_entry="data.dat"))]:
        inspect("24 part names", label, _write(f"24_{label.split()[0]}_{len(cases)}.xlsx",
                                               h.xlsx_bytes(h.sheet_xml(extra=far), **options)))
    # 25: size fields that lie
    inspect("25 size fields", "xls DIMENSIONS past the sheet", h.write_xls_stream(CACHE / "25_dims.xls", h.xls_stream(
        [("Responses", h.survey_sheet(dims=(0, 0xFFFFFFFF, 0, 0xFFFF)))])))
    inspect("25 size fields", "xls sheet offset out of range", h.write_xls_stream(CACHE / "25_offset.xls", h.xls_stream(
        [("Responses", h.survey_sheet())], offsets={"Responses": 0x7FFFFFF0})))
    inspect("25 size fields", "xls record length past the end", h.write_xls_stream(
        CACHE / "25_length.xls", h.xls_stream([("Responses", h.survey_sheet(h.record(0x0203, b"\0" * 14,
                                                                                     length=60000)))])))
    inspect("25 size fields", "xlsx <dimension> that lies small", _write("25_dimension.xlsx", h.xlsx_bytes(
        h.sheet_xml(extra=far, dimension="A1:B2"))))
    inspect("25 size fields", "shared-strings count 4294967295", _write("25_sst_count.xlsx", h.xlsx_bytes(
        h.sheet_xml(), strings=h.shared_strings(["x"], count="4294967295"))))
    strings_path = CACHE / "25_sst_110M.xlsx"
    if not strings_path.exists():
        _stream_zip(strings_path.name, h.xlsx_parts(h.sheet_xml(), strings=b""), "xl/sharedStrings.xml",
                    f'<sst xmlns="{h.MAIN}">'.encode(), b"<si/>", 110_000_000, b"</sst>")
    inspect("25 size fields", "110 million empty shared strings (a 6.7 MB file)", strings_path)
    cells = "".join(f'<row r="{i}"><c r="A{i}" t="s"><v>0</v></c></row>' for i in range(3, 4003))
    inspect("25 size fields", "one 1 MB shared string used by 4,000 cells", _write("25_sst_clones.xlsx", h.xlsx_bytes(
        h.sheet_xml(extra=cells), strings=h.shared_strings(["a" * 1_000_000]))))
    inspect("25 size fields", "ods: 2 billion spaces from text:s", _write("25_ods_spaces.ods", h.ods_bytes(
        h.ODS_HEADER + '<table:table-row><table:table-cell office:value-type="string"><text:p>a<text:s '
        'text:c="2000000000"/></text:p></table:table-cell></table:table-row>')))
    # 26: a native parser that would abort (isolated, memory-capped)
    inspect("26 native abort", "xls whose far cell needs 17 GB, limits raised as for a trusted file",
            h.write_xls_stream(CACHE / "26_far.xls", h.xls_stream([("Responses", h.survey_sheet(
                h.number(65535, 255, 1.0), dims=(0, 65536, 0, 256)))])), "--limits", "MAX_SHEET_CELLS=99999999999")
    comment = good.read_bytes()
    inspect("26 native abort", "an irregular zip (data after the directory) holding a far cell, limits raised",
            _write("26_irregular.xlsx", h.xlsx_bytes(h.sheet_xml(extra=far))[:-2] + b"\x05\x00extra"),
            "--limits", "MAX_SHEET_CELLS=99999999999")
    del comment
    # 27: CSV at scale
    if not (CACHE / "27_100M_fields.csv").exists():
        _big_text("27_100M_fields.csv", b"A,B\r\n1,", b",", 100_000_000)
        _big_text("27_200MB_field.csv", b"A,B\r\n1,", b"x", 200_000_000)
        _big_text("27_200MB_open_quote.csv", b"A,B\r\n1,\"", b"y", 200_000_000)
    if not (CACHE / "27_1M_rows.csv").exists():
        _big_text("27_1M_rows.csv", b"A,B\r\n", b"1,2\r\n", 1_000_000, b"")
        _big_text("27_padding.csv", b"A,B\r\n1," + b"," * 19_000 + b"\r\n", b"1,2\r\n", 1_000_000, b"")
        _big_text("27_quotes.csv", b"", b',"', 60_000)
    inspect("27 csv", "a million short records", CACHE / "27_1M_rows.csv")
    inspect("27 csv", "one record of 19,000 fields that would pad a million others", CACHE / "27_padding.csv")
    inspect("27 csv", "a first line of 60,000 ',\"' pairs (separator sniffing)", CACHE / "27_quotes.csv")
    inspect("27 csv", "a line of 100 million fields", CACHE / "27_100M_fields.csv")
    inspect("27 csv", "one field of 200 MB", CACHE / "27_200MB_field.csv")
    inspect("27 csv", "a quote that never closes, 200 MB on", CACHE / "27_200MB_open_quote.csv")
    wide = CACHE / "27_10k_columns.csv"
    if not wide.exists():
        wide.write_text(fb.csv_text([[f"Question {k}" for k in range(10_000)], [str(k % 5) for k in range(10_000)]]))
    inspect("27 csv", "10,000 columns (header matching)", wide)
    lines = [f"2019-01-{d % 28 + 1:02d},Bună ziua {d}" for d in range(300)]
    mixed = ("Timestamp,Comment\r\n" + "\r\n".join(lines) + "\r\n").encode() + \
        "2019-02-01,Iaşi\r\n".encode("cp1250") + b"2019-02-02,ok\x00 then\r\n"
    inspect("27 csv", "lines in two encodings and a NUL after 4 KiB", _write("27_mixed.csv", mixed))
    # 28: contact details where they do not belong (loaded; the problem table withholds them)
    inspect("28 contact details", "contact details typed as a member category", _contact_sample())
    # 29: outputs
    a_file = _write("29_a_file.txt", b"someone's notes")
    theirs = CACHE / "29_theirs"
    theirs.mkdir(exist_ok=True)
    (theirs / "budget.xlsx").write_bytes(b"x")
    for label, out in [("--out /", "/"), ("--out a file", str(a_file)), ("--out under a file", str(a_file / "r")),
                       ("--out someone else's folder", str(theirs))]:
        cases.append(("29 outputs", f"report {label}",
                      ["report", str(SAMPLE), "--codebook", str(CODEBOOK), "--out", out]))
    cases.append(("29 outputs", "sample --out a file", ["sample", "--out", str(a_file)]))
    draft = _write("29_draft.yml", b"my edits")
    cases.append(("29 outputs", "codebook draft -o an existing file", ["codebook", "draft", str(SAMPLE), "-o", str(draft)]))
    return cases


def _contact_sample() -> Path:
    import openpyxl

    path = CACHE / "28_contacts.xlsx"
    workbook = openpyxl.load_workbook(SAMPLE)
    workbook.active.cell(row=3, column=4, value="Other: Dr. Ion Popescu, ion.popescu@umfiasi.ro, +40 744 555 666")
    workbook.save(path)
    return path


# ------------------------------------------------------------------------------------------ running

def _tree_rss_mb(root: int) -> float:
    """Resident memory of a process and all its descendants now (MB), from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        current = frontier.pop()
        for pid, parent in parents.items():
            if parent == current and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return sum(rss.get(pid, 0) for pid in tree) / 1e6


def run_case(argv: list[str]) -> dict:
    """Run one command under the address-space cap; its exit status, time and peak memory."""
    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_CAP, ADDRESS_CAP))

    started = time.perf_counter()
    process = subprocess.Popen([*CLI, *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=cap)
    peak, errors = [0.0], []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _tree_rss_mb(process.pid))
            stop.wait(0.05)

    threads = [threading.Thread(target=sample, daemon=True),
               threading.Thread(target=lambda: errors.append(process.stderr.read()), daemon=True)]
    for thread in threads:
        thread.start()
    timer = threading.Timer(120, process.kill)
    timer.start()
    _, status, usage = os.wait4(process.pid, 0)  # the command's own peak (and of the processes it waited for)
    timer.cancel()
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    stop.set()
    for thread in threads:
        thread.join()
    text = (errors[0] if errors else b"").decode("utf-8", "replace")
    return {"code": process.returncode, "seconds": seconds, "largest_mb": usage.ru_maxrss / 1024,
            "sum_mb": peak[0], "markers": [m for m in MARKERS if m in text],
            "message": next((line for line in text.splitlines() if line.strip()), "")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run the cases whose name or description contains this")
    parser.add_argument("--extra", action="append", default=[], help="also inspect every file in this folder")
    args = parser.parse_args(argv)
    if not sys.platform.startswith("linux"):
        print("this benchmark reads /proc and sets an address-space limit: Linux only")
        return 2
    print("building the files (cached in benchmarks/.cache/hostile/) ...", flush=True)
    cases = build_files()
    for folder in args.extra:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                cases.append(("extra", path.name, ["inspect", str(path)]))
    if args.only:
        cases = [c for c in cases if args.only.lower() in (c[0] + " " + c[1]).lower()]
    print(f"{'case':<20} {'what':<62} {'exit':>4} {'s':>6} {'MB max':>7} {'MB sum':>7}  verdict")
    worst_time = worst_memory = 0.0
    failures = 0
    for case, what, command in cases:
        result = run_case(command)
        memory = max(result["sum_mb"], result["largest_mb"])
        worst_time, worst_memory = max(worst_time, result["seconds"]), max(worst_memory, memory)
        problems = []
        if result["code"] not in (0, 2, 130):
            problems.append(f"exit {result['code']}")
        if result["seconds"] > TIME_TARGET:
            problems.append("too slow")
        if memory > MEMORY_TARGET_MB:
            problems.append("too much memory")
        if result["markers"]:
            problems.append("stderr: " + ", ".join(result["markers"]))
        failures += bool(problems)
        message = re.sub(r"file '[^']*'(, |: )?", "", result["message"])[:90]
        print(f"{case:<20} {what[:62]:<62} {result['code']:>4} {result['seconds']:>6.1f} "
              f"{result['largest_mb']:>7.0f} {result['sum_mb']:>7.0f}  {'; '.join(problems) or 'ok'}  {message}",
              flush=True)
    print(f"\n{len(cases)} cases; worst time {worst_time:.1f} s (target {TIME_TARGET:.0f}); worst memory "
          f"{worst_memory:.0f} MB (target {MEMORY_TARGET_MB}); {failures} case(s) off target.")
    print("The machine may be shared with other work: times are indicative.")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
