"""Free text in and out: one text column read from any file, a mapping as tables and plain data.

:func:`read_text_column` reads the answers of one column through the project's
safe reader; :func:`direction_counts` is the table behind the chart of mapped
answers; :func:`map_text_result` maps answers and returns what the ``map-text``
command prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd

from ..errors import EmptyFileError, HeaderProblemError
from .language import fold_text
from .lexicon import DEFAULT_EXTRA_KEYWORDS
from .lexicon import BLANK, OUTSIDE
from .mapping import DEFAULT_THRESHOLD, TextMapper
from .training import DEFAULT_TRAINING

__all__ = ["direction_counts", "read_text_column", "map_text_result"]


def direction_counts(mapped: pd.DataFrame, *, directions: Iterable[str] | None = None) -> pd.DataFrame:
    """The table behind the chart of mapped answers per direction.

    Parameters
    ----------
    mapped : DataFrame
        Output of :meth:`TextMapper.transform`.
    directions : iterable of str, optional
        Direction codes in chart order (default SD1..SD5 as found, sorted).

    Returns
    -------
    DataFrame
        Columns ``direction``, ``n``, ``share`` (of non-blank answers), rows
        the directions, then ``outside``, then ``(blank)`` when present.
    """
    counts = mapped["direction"].value_counts()
    codes = list(directions) if directions is not None else sorted(
        c for c in counts.index if c not in (OUTSIDE, BLANK)
    )
    order = codes + [OUTSIDE] + ([BLANK] if BLANK in counts.index else [])
    n = [int(counts.get(c, 0)) for c in order]
    answered = sum(v for c, v in zip(order, n) if c != BLANK)
    table = pd.DataFrame({"direction": order, "n": n})
    table["share"] = [v / answered if answered and c != BLANK else np.nan for c, v in zip(order, n)]
    return table


def read_text_column(path: str | Path, column: str | None = None, *, sheet: str | int | None = None) -> pd.Series:
    """Read one column of free-text answers from any CSV or spreadsheet.

    The file is read with the project's safe reader
    (:func:`survey_analysis.read_raw`: format from the content, zip bombs
    and XML attacks refused, encodings detected, the responses sheet chosen);
    its first row is taken as the header.

    Parameters
    ----------
    path : str or Path
        A .csv/.tsv or .xlsx/.xlsm/.xls/.xlsb/.ods file.
    column : str, optional
        The column's header; matched exactly, then ignoring case, spacing,
        punctuation and diacritics.  None: the only column whose answers are
        text of more than 20 characters on average.
    sheet : str or int, optional
        The sheet to read (default: the one that looks like responses).

    Returns
    -------
    Series
        The answers as text (empty cells missing; numbers written as text),
        named after the column, indexed by the spreadsheet row (or CSV line)
        the answer came from (index name ``row``).

    Raises
    ------
    FileProblemError, EmptyFileError, WrongFormatError, UnsafeFileError, ...
        From the reader: the file is missing, empty, unsafe or not a table.
    HeaderProblemError
        The column is not there (the message names the file and the column and
        lists the columns available), or ``column`` is None and no single text
        column stands out.
    """
    from ..readers import read_raw

    raw = read_raw(path, sheet=sheet)
    where = {"path": raw.path, "sheet": raw.sheet}
    if not raw.rows or raw.n_columns == 0:
        raise EmptyFileError("the file holds no table", hint="check that the right file was given.", **where)
    headers = ["" if h is None else str(h).strip() for h in raw.rows[0]]
    body = raw.rows[1:]
    if not body:
        raise EmptyFileError(
            "the file has a header but no answers", hint="check that the right file was given.", **where
        )
    available = ", ".join(repr(h) for h in headers[:40] if h) + (" ..." if len(headers) > 40 else "")
    if column is None:
        texty = []
        for position, header in enumerate(headers):
            values = [v for v in (row[position] for row in body) if isinstance(v, str) and v.strip()]
            if values and np.mean([len(v) for v in values]) > 20:
                texty.append(position)
        if len(texty) != 1:
            raise HeaderProblemError(
                "no single free-text column stands out" if not texty
                else "several columns hold free text: " + ", ".join(repr(headers[p]) for p in texty),
                hint=f"name the column (--column NAME); available columns: {available}.",
                **where,
            )
        position = texty[0]
    else:
        wanted = str(column).strip()
        exact = [p for p, h in enumerate(headers) if h == wanted]
        loose = [p for p, h in enumerate(headers) if fold_text(h) == fold_text(wanted) and fold_text(h)]
        matches = exact or loose
        if len(matches) != 1:
            raise HeaderProblemError(
                "the column is not in the file" if not matches else "several columns have this header",
                column=wanted,
                hint=f"use one of the available columns: {available}.",
                **where,
            )
        position = matches[0]
    values = []
    for row in body:
        value = row[position]
        if value is None or (isinstance(value, str) and not value.strip()):
            values.append(pd.NA)
        else:
            values.append(str(value))
    answers = pd.Series(values, index=pd.Index(raw.row_numbers[1:], name="row"), dtype="string")
    answers.name = headers[position]
    return answers


def map_text_result(
    texts: pd.Series,
    codebook: Any = None,
    *,
    labels: Any = None,
    extra_keywords: Any = DEFAULT_EXTRA_KEYWORDS,
    threshold: float = DEFAULT_THRESHOLD,
    training: Any = DEFAULT_TRAINING,
    random_state: int = 0,
) -> dict[str, Any]:
    """Map answers as plain data (for ``survey-analysis map-text``).

    Without ``labels`` the answers are mapped by the supervised mode trained on
    the bundled labelled proposals (``training``; ``training=None``: the lexicon
    mode), see :class:`TextMapper`.

    Returns
    -------
    dict
        ``mode``, ``trained_on`` (labels/training/none), ``threshold`` (lexicon
        mode), ``answers`` (one record per row: ``row``,
        ``direction``, ``score``, ``runner_up``, ``runner_up_score``,
        ``language``), ``counts`` (direction -> n), ``themes`` (outside themes:
        theme, n, top_terms, quotes) and, in supervised mode, ``cv_macro_f1``.
        The answers' text is not repeated (the caller has it).
    """
    mapper = TextMapper(
        codebook, extra_keywords=extra_keywords, threshold=threshold, training=training, random_state=random_state
    ).fit(texts, labels)
    mapped = mapper.mapped_
    themes = mapper.themes(texts, mapped)

    def _num(v: Any) -> float | None:
        return None if v is None or not np.isfinite(float(v)) else round(float(v), 6)

    result: dict[str, Any] = {
        "mode": mapper.mode_,
        "trained_on": mapper.trained_on_,
        "threshold": threshold if mapper.mode_ == "lexicon" else None,
        "answers": [
            {
                "row": idx.item() if hasattr(idx, "item") else idx,
                "direction": str(r.direction),
                "score": _num(r.score),
                "runner_up": None if r.runner_up is None else str(r.runner_up),
                "runner_up_score": _num(r.runner_up_score),
                "language": str(r.language),
            }
            for idx, r in zip(mapped.index, mapped.itertuples(index=False))
        ],
        "counts": {str(r.direction): int(r.n) for r in direction_counts(mapped, directions=mapper.direction_codes_).itertuples()},
        "themes": [
            {"theme": int(r.theme), "n": int(r.n), "top_terms": str(r.top_terms), "quotes": list(r.quotes)}
            for r in themes.itertuples()
        ],
    }
    if mapper.mode_ == "supervised":
        # not computed (None) when trained on the bundled proposals: their
        # cross-validated figures are in data/proposals/README.md
        result["cv_macro_f1"] = _num(mapper.cv_macro_f1_)
    return result
