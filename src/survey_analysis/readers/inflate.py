"""Inflating zip entries quickly and in bounded pieces.

ISA-L (the ``isal`` package) inflates about twice as fast as zlib; when it is
installed, stored and deflated entries are read with it, refusing to produce
more than an entry's declared size and checking its CRC-32, as
:mod:`zipfile` does.  :func:`prefetched` inflates the next chunk in a thread
while the current one is examined.
"""

from __future__ import annotations

import queue
import struct
import threading
import zipfile
import zlib
from pathlib import Path


try:  # an optional, faster inflater (ISA-L); the standard zlib otherwise
    from isal import isal_zlib as fast_zlib
except ImportError:  # pragma: no cover - depends on the installation
    fast_zlib = None
CHUNK_BYTES = 4 << 20


INFLATE_ERRORS: tuple[type[BaseException], ...] = (zlib.error,) + (
    (fast_zlib.error,) if fast_zlib is not None else ())
_RAW_CHUNK = 1 << 20


class RawEntry:
    """Read one stored or deflated zip entry with the faster inflater.

    Finds the entry's data from its local header, inflates it in pieces of
    at most the size asked for, refuses to produce more than the declared
    size and checks the size and CRC-32 at the end, as :mod:`zipfile` does.
    """

    def __init__(self, path: Path, info: zipfile.ZipInfo) -> None:
        self._info = info
        self._handle = open(path, "rb")
        try:
            self._handle.seek(info.header_offset)
            header = self._handle.read(30)
            if len(header) != 30 or header[:4] != b"PK\x03\x04":
                raise zipfile.BadZipFile(f"bad local header for '{info.filename}'")
            name_length, extra_length = struct.unpack("<HH", header[26:30])
            self._handle.seek(info.header_offset + 30 + name_length + extra_length)
        except BaseException:
            self._handle.close()
            raise
        self._remaining = info.compress_size
        self._pending = b""
        self._inflater = fast_zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        self._produced = 0
        self._crc = 0
        self._done = False

    def read(self, size: int) -> bytes:
        while not self._done:
            if not self._pending and self._remaining:
                self._pending = self._handle.read(min(self._remaining, _RAW_CHUNK))
                if not self._pending:
                    raise EOFError(f"the entry '{self._info.filename}' is cut short")
                self._remaining -= len(self._pending)
            if self._inflater is not None:
                out = self._inflater.decompress(self._pending, size)
                self._pending = self._inflater.unconsumed_tail
                finished = self._inflater.eof or (not self._pending and not self._remaining and not out)
            else:
                out, self._pending = self._pending[:size], self._pending[size:]
                finished = not self._pending and not self._remaining
            if out:
                self._produced += len(out)
                if self._produced > self._info.file_size:
                    raise zipfile.BadZipFile(f"the entry '{self._info.filename}' inflates past its declared size")
                self._crc = fast_zlib.crc32(out, self._crc)
            if finished and not (self._inflater is not None and self._pending and not self._inflater.eof):
                self._done = True
                if self._inflater is not None and not self._inflater.eof:
                    # zipfile accepts a stream without its final block; the value reader does not.
                    raise zipfile.BadZipFile(f"the compressed data of '{self._info.filename}' stops before its end")
                if self._produced != self._info.file_size or self._crc != self._info.CRC:
                    raise zipfile.BadZipFile(f"bad size or CRC-32 for '{self._info.filename}'")
            if out:
                return out
        return b""

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> "RawEntry":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def open_entry(path: Path, archive: zipfile.ZipFile, part: str):
    """A readable stream of one entry: the faster inflater when installed, else :mod:`zipfile`."""
    info = archive.getinfo(part)
    if fast_zlib is None or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) \
            or info.flag_bits & 0x1:
        return archive.open(info)
    return RawEntry(path, info)


def prefetched(stream, depth: int = 2):
    """Yield the stream's chunks (then ``b""``), inflating the next ones in a thread.

    Inflating releases the interpreter lock, so the next chunk is inflated
    while the current one is examined; memory stays at ``depth`` chunks.
    """
    chunks: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            while not stop.is_set():
                chunk = stream.read(CHUNK_BYTES)
                chunks.put(chunk)
                if not chunk:
                    return
        except BaseException as exc:  # handed to the consumer, which re-raises it
            chunks.put(exc)

    worker = threading.Thread(target=produce, name="sheet-inflate", daemon=True)
    worker.start()
    try:
        while True:
            item = chunks.get()
            if isinstance(item, BaseException):
                raise item
            yield item
            if not item:
                return
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                chunks.get_nowait()
            except queue.Empty:
                pass
            worker.join(timeout=0.01)
