"""Where a report's figures come from, so that a page mailed on its own can be traced.

Every page ends with one provenance line and ``index.html`` lists the same:
the export's file name and SHA-256, the sheet read, the codebook and its
SHA-256, the membership register and its SHA-256 (if any), the package
version, the date and time of the run, the disclosure threshold and the
random seed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

__all__ = ["Provenance", "sha256"]


def sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, as 64 hexadecimal digits."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Provenance:
    """The inputs and settings of one report run.

    Attributes
    ----------
    input_name, input_sha256 : str
        The export's file name (never its folder, which may name a person) and hash.
    sheet : str or None
        The sheet read (None for a text file, or before loading).
    codebook_name, codebook_sha256 : str
    register_name, register_sha256 : str or None
    version : str
        The package version.
    created : datetime
        When the run started (local time, with its UTC offset).
    threshold : int
        The disclosure threshold.
    random_state : int
        The seed of every random step.
    """

    input_name: str
    input_sha256: str
    codebook_name: str
    codebook_sha256: str
    register_name: str | None
    register_sha256: str | None
    version: str
    created: dt.datetime
    threshold: int
    random_state: int
    sheet: str | None = None

    @classmethod
    def of(cls, input_path: str | Path, codebook_path: str | Path, register_path: str | Path | None = None, *,
           sheet: str | None = None, threshold: int = 5, random_state: int = 0) -> "Provenance":
        """The provenance of a run on these files (hashes computed now)."""
        from .. import __version__

        return cls(input_name=Path(input_path).name, input_sha256=sha256(input_path),
                   codebook_name=Path(codebook_path).name, codebook_sha256=sha256(codebook_path),
                   register_name=None if register_path is None else Path(register_path).name,
                   register_sha256=None if register_path is None else sha256(register_path),
                   version=__version__, created=dt.datetime.now().astimezone().replace(microsecond=0),
                   threshold=int(threshold), random_state=int(random_state), sheet=sheet)

    def with_sheet(self, sheet: str | None) -> "Provenance":
        return replace(self, sheet=sheet)

    def same_inputs(self, other: "Provenance") -> bool:
        """Made from the same files with the same settings (the run's time aside)."""
        keys = ("input_sha256", "codebook_sha256", "register_sha256", "version", "threshold", "random_state")
        return all(getattr(self, k) == getattr(other, k) for k in keys)

    def items(self, cat) -> list[tuple[str, str]]:
        """(label, value) pairs in the report's language, for the footer and the index."""
        rows = [(cat.text("provenance.input"), f"{self.input_name} (SHA-256 {self.input_sha256})")]
        if self.sheet:
            rows.append((cat.text("provenance.sheet"), self.sheet))
        rows.append((cat.text("provenance.codebook"), f"{self.codebook_name} (SHA-256 {self.codebook_sha256})"))
        rows.append((cat.text("provenance.register"),
                     f"{self.register_name} (SHA-256 {self.register_sha256})" if self.register_name
                     else cat.text("provenance.no_register")))
        rows.append((cat.text("provenance.version"), f"survey-analysis {self.version}"))
        rows.append((cat.text("provenance.created"), cat.datetime(self.created)))
        rows.append((cat.text("provenance.threshold"), cat.integer(self.threshold)))
        rows.append((cat.text("provenance.seed"), str(self.random_state)))
        return rows
