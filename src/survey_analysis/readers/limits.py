"""Every limit the readers enforce on a file, in one place.

A survey export is small: tens of columns, at most tens of thousands of rows.
A hostile or damaged file can be a few kilobytes and still ask a parser for
gigabytes.  The readers refuse such files before any parser sees them; the
limits they check are these module constants.  Read them as
``limits.NAME`` at the time of the check (never copy them into another
module), so that a deployment with unusually large trusted files can raise
one here, in one place.
"""

from __future__ import annotations


#: Most entries a workbook zip may hold.  Real workbooks have tens; thousands
#: of tiny entries are a way to exhaust time and memory.
MAX_ZIP_ENTRIES = 10_000
#: Largest declared uncompressed size of one entry (bytes).  A 100,000 x 100
#: sheet written with inline strings is about 0.6 GiB of XML.
MAX_ENTRY_UNCOMPRESSED = 1 << 30
#: Largest declared uncompressed size of all entries together (bytes).
MAX_TOTAL_UNCOMPRESSED = 3 << 29
#: Highest uncompressed/compressed ratio of one entry.  Worksheet XML from
#: Excel, Google Sheets and LibreOffice compresses 5-30 times; a zip bomb
#: hundreds or thousands of times.
MAX_COMPRESSION_RATIO = 200
#: Entries smaller than this (bytes) are not ratio-checked: small, repetitive
#: parts (styles, empty sheets) can compress very well and cannot hurt.
RATIO_CHECK_MIN_SIZE = 1 << 20
#: How much of each XML part is inflated to find its root element; a DOCTYPE
#: must come before the root element, so this is enough to see one.
PROLOG_SCAN_BYTES = 64 * 1024



#: Most cells the bounding box of one sheet may span.  The value reader fills
#: the whole rectangle from the top-left to the bottom-right used cell, so a
#: few-kilobyte file with one cell in A1 and one in ZZ200000 would otherwise ask
#: for 140 million cells (several GiB).  25 million cells is a 100,000 x 250
#: survey.
MAX_SHEET_CELLS = 25_000_000
EXCEL_MAX_ROWS, EXCEL_MAX_COLUMNS = 1_048_576, 16_384
#: Pieces that may hold error cells or formulas are kept for a later pass
#: (run while the value reader parses) up to this many bytes; beyond it they
#: are examined at once, so memory stays bounded for formula-heavy sheets.
PENDING_BYTES = 64 << 20


#: Largest CSV/TSV file read (bytes); the decoded text is held in memory.
MAX_TEXT_BYTES = 512 << 20
#: Largest legacy .xls (OLE2) file read; it is held in memory for its checks.
MAX_BINARY_BYTES = 512 << 20
