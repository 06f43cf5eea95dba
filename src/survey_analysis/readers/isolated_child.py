"""The separate process in which a workbook the checks cannot vouch for is parsed.

Run by :mod:`survey_analysis.readers.isolated` as a script (``python -I
isolated_child.py PATH MEMORY``), never imported: it loads only the standard
library and python-calamine, so it starts in a few tens of milliseconds.  It
first caps its own address space at ``MEMORY`` bytes, so that a file asking
for more ends this process (the value reader aborts when an allocation
fails) and never the analyst's Python; its error output goes to a file the
parent reads, never to the terminal.

It speaks length-prefixed pickles on its standard input and output:
``("meta", [(name, type, visibility), ...])`` once the workbook is open, then
for each ``("sheet", name)`` request ``("sheet", start, end, merged)``,
``("rows", [...])`` batches and ``("done",)``; ``("error", kind, text)`` when
the value reader refuses the file.  ``("close",)`` or the end of its input
ends it.
"""

import pickle
import struct
import sys

_CELLS_PER_MESSAGE = 200_000


def _send(out, message) -> None:
    data = pickle.dumps(message, protocol=4)
    out.write(struct.pack("<Q", len(data)))
    out.write(data)
    out.flush()


def _receive(source):
    head = source.read(8)
    if len(head) < 8:
        return None
    (length,) = struct.unpack("<Q", head)
    return pickle.loads(source.read(length))


def _name(value) -> str:
    return str(value).rsplit(".", 1)[-1]


def main() -> int:
    path, memory = sys.argv[1], int(sys.argv[2])
    if memory > 0:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    out, source = sys.stdout.buffer, sys.stdin.buffer
    try:
        import python_calamine

        workbook = python_calamine.load_workbook(path)
        metas = [(meta.name, _name(meta.typ), _name(meta.visible)) for meta in workbook.sheets_metadata]
    except MemoryError:
        return 3
    except BaseException as exc:  # the value reader's errors, panics included
        _send(out, ("error", type(exc).__name__, str(exc)[:500]))
        return 0
    _send(out, ("meta", metas))
    while True:
        request = _receive(source)
        if request is None or request[0] != "sheet":
            return 0
        try:
            sheet = workbook.get_sheet_by_name(request[1])
            try:
                merged = sheet.merged_cell_ranges
            except BaseException:  # merged ranges are optional information
                merged = None
            _send(out, ("sheet", sheet.start, sheet.end, merged))
            batch, cells = [], 0
            for row in sheet.iter_rows():
                batch.append(row)
                cells += len(row) + 1
                if cells >= _CELLS_PER_MESSAGE:
                    _send(out, ("rows", batch))
                    batch, cells = [], 0
            _send(out, ("rows", batch))
            _send(out, ("done",))
        except MemoryError:
            return 3
        except BaseException as exc:
            _send(out, ("error", type(exc).__name__, str(exc)[:500]))


if __name__ == "__main__":
    sys.exit(main())
