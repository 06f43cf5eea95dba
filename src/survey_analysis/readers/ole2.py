"""Legacy and encrypted workbooks: a small, bounded OLE2 compound-file reader and a BIFF8 walk.

An OLE2 file is either a legacy .xls (a ``Workbook`` stream of BIFF8
records) or a password-protected OOXML workbook (``EncryptionInfo`` and
``EncryptedPackage`` streams).  :class:`OleFile` reads the directory and
streams, capping every sector-chain walk; :func:`scan_xls` walks the
records for each sheet's extent, its error cells and the date system, and
checks the size fields the value reader trusts (record lengths, sheet
offsets, DIMENSIONS, the shared-strings count).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from . import limits
from .table import CellProblem


OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"



_FREE, _END_OF_CHAIN = 0xFFFFFFFF, 0xFFFFFFFE
_MAX_SECTOR_ID = 0xFFFFFFFA


@dataclass
class OleEntry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    start: int
    size: int


class OleFile:
    """A minimal, bounded reader of an OLE2 compound file held in memory.

    Reads the directory and whole streams (regular and mini) by following
    sector chains; every chain walk is capped at the number of sectors in the
    file, so a looping chain cannot hang.  Raises ``ValueError`` on a
    structure that does not add up.
    """

    def __init__(self, data: bytes) -> None:
        if len(data) < 512 or not data.startswith(OLE2_MAGIC):
            raise ValueError("not a compound file")
        self.data = data
        shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        if shift not in (9, 12) or mini_shift != 6:
            raise ValueError("bad sector size")
        self.sector_size = 1 << shift
        self.n_sectors = max((len(data) - self.sector_size) // self.sector_size, 0)
        (n_fat, first_dir, _, self.mini_cutoff, first_mini_fat, n_mini_fat, first_difat, n_difat) = (
            struct.unpack_from("<IIIIIIII", data, 0x2C)
        )
        fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s <= _MAX_SECTOR_ID]
        sector, guard = first_difat, 0
        while sector <= _MAX_SECTOR_ID and guard < n_difat and guard <= self.n_sectors:
            block = self._sector(sector)
            ids = struct.unpack(f"<{self.sector_size // 4}I", block)
            fat_sectors.extend(s for s in ids[:-1] if s <= _MAX_SECTOR_ID)
            sector, guard = ids[-1], guard + 1
        fat_sectors = fat_sectors[: max(n_fat, 0)]
        self.fat = []
        for sector in fat_sectors:
            self.fat.extend(struct.unpack(f"<{self.sector_size // 4}I", self._sector(sector)))
        directory = self._chain_bytes(first_dir, self.fat, self.sector_size, self._sector)
        self.entries: list[OleEntry] = []
        for offset in range(0, len(directory) - 127, 128):
            entry = directory[offset:offset + 128]
            (name_length,) = struct.unpack_from("<H", entry, 64)
            kind = entry[66]
            start, size = struct.unpack_from("<IQ", entry, 116)
            if kind == 0 or not 2 <= name_length <= 64:
                continue
            name = entry[: name_length - 2].decode("utf-16-le", "replace")
            if self.sector_size == 512:
                size &= 0xFFFFFFFF
            self.entries.append(OleEntry(name, kind, start, size))
        root = next((e for e in self.entries if e.kind == 5), None)
        self._mini_stream = b""
        self._mini_fat: list[int] = []
        if root is not None and root.size:
            self._mini_stream = self._chain_bytes(root.start, self.fat, self.sector_size, self._sector)[: root.size]
            if n_mini_fat:
                raw = self._chain_bytes(first_mini_fat, self.fat, self.sector_size, self._sector)
                self._mini_fat = list(struct.unpack(f"<{len(raw) // 4}I", raw[: len(raw) // 4 * 4]))

    def _sector(self, sector: int) -> bytes:
        start = (sector + 1) * self.sector_size
        block = self.data[start:start + self.sector_size]
        if len(block) != self.sector_size:
            raise ValueError("sector past the end of the file")
        return block

    def _mini_sector(self, sector: int) -> bytes:
        block = self._mini_stream[sector * 64:(sector + 1) * 64]
        if len(block) != 64:
            raise ValueError("mini sector past the end of the mini stream")
        return block

    def _chain_bytes(self, first: int, table: list[int], size: int, read) -> bytes:
        parts, sector, steps = [], first, 0
        limit = len(table) + 1
        while sector <= _MAX_SECTOR_ID:
            if steps > limit or sector >= len(table):
                raise ValueError("broken sector chain")
            parts.append(read(sector))
            sector, steps = table[sector], steps + 1
        return b"".join(parts)

    def names(self) -> set[str]:
        return {entry.name for entry in self.entries}

    def stream(self, name: str) -> bytes:
        entry = next(e for e in self.entries if e.kind == 2 and e.name == name)
        if entry.size < self.mini_cutoff:
            data = self._chain_bytes(entry.start, self._mini_fat, 64, self._mini_sector)
        else:
            data = self._chain_bytes(entry.start, self.fat, self.sector_size, self._sector)
        if len(data) < entry.size:
            raise ValueError("stream shorter than its directory entry says")
        return data[: entry.size]


# BIFF8 record types that hold a cell the value reader shows as blank.
_BIFF_BOOLERR, _BIFF_FORMULA = 0x0205, 0x0006
_BIFF_BOF, _BIFF_EOF, _BIFF_BOUNDSHEET = 0x0809, 0x000A, 0x0085
_BIFF_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!",
                0x1D: "#NAME?", 0x24: "#NUM!", 0x2A: "#N/A"}


_BIFF_CELLS = {0x0006, 0x00FD, 0x0203, 0x027E, 0x0204, 0x0205, 0x0201, 0x00D6}
_BIFF_MULTI = {0x00BD, 0x00BE}
_BIFF_DATEMODE = 0x0022


_BIFF_DIMENSIONS, _BIFF_SST, _BIFF_CONTINUE = 0x0200, 0x00FC, 0x003C
_BIFF_MULRK, _BIFF_MULBLANK = 0x00BD, 0x00BE
# BIFF8 sheets end at 65,536 rows and 256 columns.
_XLS_ROWS, _XLS_COLUMNS = 65_536, 256


@dataclass
class XlsScan:
    """What one walk over a BIFF8 workbook stream found."""

    problems: dict[str, list[CellProblem]] = field(default_factory=dict)
    extents: dict[str, tuple[int, int]] = field(default_factory=dict)  # rows, columns
    date1904: bool = False
    #: Why the stream is damaged (records that run past its end, a sheet that starts nowhere), if it is.
    damage: str | None = None
    #: A size field that would make the value reader ask for too much: (message, (limit name, value)).
    unsafe: tuple[str, tuple[str, int]] | None = None


def scan_xls(stream: bytes) -> XlsScan:
    """Error cells, sheet extents and the date system of a BIFF8 (.xls) workbook stream, and its soundness.

    Walks the records: every record must end inside the stream; BOUNDSHEET
    records give the sheet names and the offsets of their substreams, and
    every offset must be where a BOF record starts; DIMENSIONS records must
    stay inside a BIFF8 sheet (the value reader sizes the sheet by them), and
    count towards the sheet's extent with its cell records (the value reader
    expands every sheet to a dense block when it opens the file); the
    shared-strings record may not announce more strings than its bytes can
    hold, nor more than ``MAX_SHARED_STRINGS``; MULRK/MULBLANK column ranges
    must match their length.  BOOLERR records with the error flag are typed
    error values and FORMULA records whose cached result is marked as an
    error hold the error of a calculation; DATEMODE says 1904.
    """
    scan = XlsScan()
    offsets: dict[int, str] = {}
    bof_positions: set[int] = set()
    position, current = 0, None
    end = len(stream)
    max_row = max_column = 0
    sst_unique, sst_bytes, in_sst = None, 0, False
    while position + 4 <= end:
        record, length = struct.unpack_from("<HH", stream, position)
        if position + 4 + length > end:
            if record == 0 and not any(stream[position:]):
                break  # zero padding after the last record
            scan.damage = (f"a record at byte {position:,} of the workbook stream says it is {length:,} bytes "
                           f"long, but the stream ends {end - position - 4:,} bytes later")
            return scan
        body = stream[position + 4:position + 4 + length]
        if record == _BIFF_BOF:
            bof_positions.add(position)
        in_sst = record == _BIFF_SST or (in_sst and record == _BIFF_CONTINUE)
        if in_sst:
            sst_bytes += length
        if current is not None and (record in _BIFF_CELLS or record in _BIFF_MULTI) and length >= 6:
            row, column = struct.unpack_from("<HH", body, 0)
            if record in _BIFF_MULTI:
                (last,) = struct.unpack_from("<H", body, length - 2)
                per_cell = 6 if record == _BIFF_MULRK else 2
                if last < column or length != 6 + per_cell * (last - column + 1):
                    scan.damage = (f"a record at byte {position:,} spans columns {column} to {last} but holds "
                                   f"{length:,} bytes")
                    return scan
                column = last
            max_row, max_column = max(max_row, row + 1), max(max_column, column + 1)
            if record == _BIFF_BOOLERR and length >= 8 and body[7]:
                scan.problems[current].append(
                    CellProblem("error_cell", row + 1, column, _BIFF_ERRORS.get(body[6], "#ERROR")))
            elif record == _BIFF_FORMULA and length >= 14 and body[12:14] == b"\xff\xff" and body[6] == 0x02:
                scan.problems[current].append(
                    CellProblem("error_cell", row + 1, column, _BIFF_ERRORS.get(body[8], "#ERROR")))
        elif record == _BIFF_DIMENSIONS and current is not None and length >= 10:
            if length >= 14:
                first_row, last_row, first_column, last_column = struct.unpack_from("<IIHH", body, 0)
            else:
                first_row, last_row, first_column, last_column = struct.unpack_from("<HHHH", body, 0)
            if not (first_row <= last_row <= _XLS_ROWS and first_column <= last_column <= _XLS_COLUMNS):
                scan.unsafe = (f"sheet '{current}' declares (in its DIMENSIONS record) rows {first_row:,} to "
                               f"{last_row:,} and columns {first_column:,} to {last_column:,}, beyond what an "
                               f".xls sheet can hold ({_XLS_ROWS:,} rows, {_XLS_COLUMNS} columns)",
                               ("MAX_SHEET_CELLS", last_row * last_column))
                return scan
            max_row, max_column = max(max_row, last_row), max(max_column, last_column)
        elif record == _BIFF_BOUNDSHEET and length >= 8:
            (sheet_offset,) = struct.unpack_from("<I", body, 0)
            name_length, flags = body[6], body[7]
            raw = body[8:]
            if flags & 0x01:
                name = raw[: name_length * 2].decode("utf-16-le", "replace")
            else:
                name = raw[:name_length].decode("latin-1")
            offsets[sheet_offset] = name
        elif record == _BIFF_SST and length >= 8:
            sst_unique = struct.unpack_from("<I", body, 4)[0]
        elif record == _BIFF_DATEMODE and length >= 2:
            scan.date1904 = struct.unpack_from("<H", body, 0)[0] == 1
        elif record == _BIFF_BOF and position in offsets:
            current = offsets[position]
            scan.problems.setdefault(current, [])
            max_row = max_column = 0
        elif record == _BIFF_EOF and current is not None:
            scan.extents[current] = (max_row, max_column)
            current = None
        position += 4 + length
    stray = [(offset, name) for offset, name in offsets.items() if offset not in bof_positions]
    if stray:
        offset, name = stray[0]
        scan.damage = (f"sheet '{name}' is said to start at byte {offset:,} of the workbook stream "
                       f"({end:,} bytes long), where no sheet starts")
        return scan
    if sst_unique is not None:
        most = limits.get("MAX_SHARED_STRINGS")
        if sst_unique > most or sst_unique > sst_bytes // 3 + 1:
            scan.unsafe = (f"the shared-strings record announces {sst_unique:,} strings in {sst_bytes:,} bytes "
                           f"(limit MAX_SHARED_STRINGS = {most:,}; each string takes at least 3 bytes)",
                           ("MAX_SHARED_STRINGS", sst_unique))
    return scan
