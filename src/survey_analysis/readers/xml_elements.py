"""Where XML elements start in a piece of a part, found with numpy from its ``<`` and ``:`` bytes.

Used by the safety scan (:mod:`.xlsx_scan`) to count cells, rows, shared
strings and the like in a piece of XML without parsing it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Elements"]


class Elements:
    """Where elements start in a padded piece, found from its ``<`` bytes (and ``:`` bytes, for prefixes).

    The value reader matches elements by their local name, whatever their
    namespace prefix, so ``<c ...>`` and ``<x:c ...>`` are both cells.  The
    positions of ``<`` (and, when the piece holds any, of ``:``) are found
    once, with the byte after each; each name is then checked at those
    positions only.  A prefixed end tag ``</x:c>`` is counted too, so
    prefixed counts are upper bounds.
    """

    def __init__(self, segment: bytes, a: np.ndarray) -> None:
        self.a = a
        self._sources = []
        for byte in (b"<", b":"):
            if byte == b":" and byte not in segment:
                continue
            at = np.flatnonzero(a == byte[0])
            self._sources.append((at, a[at + 1]))
        self.lt = self._sources[0][0]
        self._found: dict[tuple[bytes, bool], np.ndarray] = {}

    def starts(self, name: bytes, *, prefixed: bool = True) -> np.ndarray:
        """Offsets of the ``<`` (or ``:``) before ``name`` followed by a blank, ``>`` or ``/``."""
        key = (name, prefixed)
        if key not in self._found:
            self._found[key] = self._starts(name, prefixed)
        return self._found[key]

    def _starts(self, name: bytes, prefixed: bool) -> np.ndarray:
        found = []
        for at, first in self._sources[:None if prefixed else 1]:
            at = at[first == name[0]]
            for k, byte in enumerate(name[1:], start=2):
                at = at[self.a[at + k] == byte]
            after = self.a[at + len(name) + 1]
            found.append(at[(after <= 32) | (after == 62) | (after == 47)])
        return np.concatenate(found) if len(found) > 1 else found[0]

    def count(self, name: bytes, *, prefixed: bool = True) -> int:
        return len(self.starts(name, prefixed=prefixed))

    def markup(self) -> int:
        """How many ``<!`` (comments, CDATA sections, declarations) and ``<?`` (instructions) the piece holds."""
        after = self._sources[0][1]
        return int(np.count_nonzero((after == 33) | (after == 63)))

    def end_tags(self, name: bytes) -> int:
        """How many end tags ``</name>`` without a prefix the piece holds (prefixed ones count in :meth:`starts`)."""
        at = self.lt[self._sources[0][1] == 47]
        for k, byte in enumerate(name, start=2):
            at = at[self.a[at + k] == byte]
        after = self.a[at + len(name) + 2]
        return int(np.count_nonzero((after <= 32) | (after == 62)))

    def prefixed_end_tags(self, prefix: bytes, name: bytes) -> int:
        """How many end tags ``</prefix:name>`` (``prefix`` given with its colon) the piece holds.

        :meth:`starts` counts them among the starts of ``name``; subtracting
        them gives the exact count when every element carries ``prefix``.
        """
        if len(self._sources) < 2 or not prefix:
            return 0
        at, first = self._sources[1]
        at = at[(first == name[0]) & (at >= len(prefix) + 1)]
        for k, byte in enumerate(name[1:], start=2):
            at = at[self.a[at + k] == byte]
        after = self.a[at + len(name) + 1]
        at = at[(after <= 32) | (after == 62)]
        for k, byte in enumerate(b"</" + prefix[:-1]):
            at = at[self.a[at - len(prefix) - 1 + k] == byte]
        return len(at)

    def prefixed(self, name: bytes) -> bool:
        """Whether ``name`` appears with a prefix (``:name``)."""
        return len(self._sources) > 1 and self.count(name) > self.count(name, prefixed=False)
