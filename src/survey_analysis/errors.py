"""The project's one exception family.

Every error the workbench raises on bad input is a :class:`SurveyError` (a
``ValueError``), so a notebook or the command line can catch one type.  Each
error carries where the problem is (file, sheet, row, column, value) and what
the analyst can do about it; ``str(err)`` puts all of that in one readable
message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = [
    "SurveyError",
    "FileProblemError",
    "UnsafeFileError",
    "EncryptedFileError",
    "WrongFormatError",
    "EmptyFileError",
    "SheetNotFoundError",
    "EncodingProblemError",
    "HeaderProblemError",
    "CodebookError",
    "AnswerCodingError",
    "RankingError",
    "ExportLimitError",
    "AnalysisInputError",
    "PartialMatchError",
    "PartialMatchWarning",
]


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class SurveyError(ValueError):
    """Base of every error the workbench raises about its input.

    Parameters
    ----------
    message : str
        What is wrong, in the analyst's words.
    path, sheet, row, column, value : optional
        Where the problem is.  ``row`` is the 1-based row as a spreadsheet
        program shows it.
    hint : str, optional
        What to do about it.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: Any = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.path = None if path is None else str(path)
        self.sheet = sheet
        self.row = row
        self.column = column
        self.value = value
        self.hint = hint
        super().__init__(self.__str__())

    def location(self) -> str:
        parts = []
        if self.path is not None:
            parts.append(f"file '{self.path}'")
        if self.sheet is not None:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        if self.value is not None:
            parts.append(f"value {_short(self.value)}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f" What to do: {self.hint}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """The error as plain data, for ``--json`` output."""
        return {
            "error": type(self).__name__,
            "message": self.message,
            "file": self.path,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": None if self.value is None else str(self.value),
            "hint": self.hint,
        }


class FileProblemError(SurveyError):
    """The file is missing, a directory, unreadable or otherwise not openable."""


class UnsafeFileError(SurveyError):
    """The file looks hostile (zip bomb, XML entity attack) and is refused unread."""


class EncryptedFileError(SurveyError):
    """The workbook is password-protected."""


class WrongFormatError(SurveyError):
    """The content is not what the file name says, or not a format we read."""


class EmptyFileError(SurveyError):
    """The file, or the chosen sheet, holds no data."""


class SheetNotFoundError(SurveyError):
    """The sheet asked for does not exist, or no sheet holds responses."""


class EncodingProblemError(SurveyError):
    """A text file whose character encoding cannot be decoded cleanly."""


class HeaderProblemError(SurveyError):
    """The header rows cannot be understood."""


class CodebookError(SurveyError):
    """The codebook is malformed or does not fit the export."""


class AnswerCodingError(SurveyError):
    """An answer cannot be coded against its question (used in strict mode)."""


class RankingError(SurveyError):
    """A ranking answer cannot be read as ranks."""


class ExportLimitError(SurveyError):
    """Output would exceed a format's limits (e.g. Excel's cell or row limits)."""


class AnalysisInputError(SurveyError):
    """An analysis function got data or options it cannot work with."""


class PartialMatchError(SurveyError):
    """The export matches the codebook only in part: a question an analysis needs is missing
    or too many of its answers could not be coded.  The message names the questions and the
    command that aligns the codebook to the export."""


class PartialMatchWarning(UserWarning):
    """An analysis ran on an export that matches its codebook only in part (``allow_partial``);
    the result's ``attrs["fit"]`` (or ``"fit"`` entry) says what is missing."""
