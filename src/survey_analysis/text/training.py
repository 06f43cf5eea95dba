"""Labelled proposals: the training data of the supervised mapping, and the threshold chosen on labels.

:data:`DEFAULT_TRAINING` is the folder of labelled proposals shipped with the
project; :func:`read_training_proposals` reads it (or the analyst's own file);
:func:`choose_threshold` chooses the lexicon mode's "outside" threshold on
labelled answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

from ..codebook import project_file
from ..errors import FileProblemError, HeaderProblemError
from .language import fold_text
from .lexicon import OUTSIDE

__all__ = ["DEFAULT_TRAINING", "DEFAULT_TRAINING_FILES", "read_training_proposals", "choose_threshold"]

#: Labelled proposals shipped with the project (``data/proposals/``): the
#: training data of the default mode when :meth:`TextMapper.fit` gets no labels.
DEFAULT_TRAINING = project_file("data", "proposals")
#: The files of :data:`DEFAULT_TRAINING` read as training data (columns ``text``
#: and ``direction``; 740 proposals in all).
DEFAULT_TRAINING_FILES = ("labelled_proposals.csv", "heldout_proposals.csv", "training_extra.csv")

def read_training_proposals(source: Any = DEFAULT_TRAINING) -> pd.DataFrame:
    """Labelled proposals to train the supervised mode on.

    Parameters
    ----------
    source : path or DataFrame, default :data:`DEFAULT_TRAINING`
        A directory (its files :data:`DEFAULT_TRAINING_FILES` that exist), a
        CSV file, or a DataFrame, with columns ``text`` and ``direction``.

    Returns
    -------
    DataFrame
        Columns ``text`` and ``direction`` (strings), rows with an empty text
        or direction left out (they carry no example), index ``0..n-1``.
    """
    if isinstance(source, pd.DataFrame):
        tables = [source]
        where = None
    else:
        where = Path(source)
        if where.is_dir():
            files = [where / name for name in DEFAULT_TRAINING_FILES if (where / name).is_file()]
        elif where.is_file():
            files = [where]
        else:
            files = []
        if not files:
            raise FileProblemError(
                "no labelled proposals found to train on",
                path=where,
                hint="give a CSV file with columns text and direction, or training=None for the lexicon mode.",
            )
        tables = [pd.read_csv(f, dtype=str, keep_default_na=False, encoding="utf-8-sig") for f in files]
    for table in tables:
        missing = [c for c in ("text", "direction") if c not in table.columns]
        if missing:
            raise HeaderProblemError(
                f"the training proposals have no column {', '.join(missing)}",
                path=where,
                value=list(map(str, table.columns)),
                hint="name the columns text and direction.",
            )
    joined = pd.concat([t[["text", "direction"]] for t in tables], ignore_index=True).astype("object")
    keep = joined["text"].map(lambda v: bool(fold_text(v))) & joined["direction"].map(
        lambda v: isinstance(v, str) and bool(v.strip())
    )
    out = joined[keep].reset_index(drop=True)
    return pd.DataFrame({"text": out["text"].astype(str), "direction": out["direction"].astype(str).str.strip()})


def choose_threshold(
    scores: pd.Series,
    best: pd.Series,
    truth: pd.Series,
    *,
    grid: Iterable[float] | None = None,
) -> tuple[float, pd.DataFrame]:
    """Choose the "outside" threshold that maximises macro-F1 on labelled answers.

    Parameters
    ----------
    scores : Series
        Best lexicon score of each answer (``mapped["score"]`` for inside
        answers; use :meth:`TextMapper.direction_scores` ``.max(axis=1)`` to
        include all).
    best : Series
        Best direction of each answer ignoring the threshold.
    truth : Series
        True direction code or ``"outside"``.
    grid : iterable of float, optional
        Thresholds tried; default 0.05..0.60 by 0.01.

    Returns
    -------
    threshold : float
        The best threshold (the smallest one among ties).
    table : DataFrame
        ``threshold``, ``macro_f1``, ``outside_share`` for every value tried.
    """
    grid = np.round(np.arange(0.05, 0.605, 0.01), 2) if grid is None else list(grid)
    rows = []
    for t in grid:
        predicted = np.where(scores.to_numpy() < t, OUTSIDE, best.to_numpy())
        rows.append(
            {
                "threshold": float(t),
                "macro_f1": float(f1_score(truth.astype(str), predicted.astype(str), average="macro")),
                "outside_share": float((predicted == OUTSIDE).mean()),
            }
        )
    table = pd.DataFrame(rows)
    return float(table.loc[table["macro_f1"].idxmax(), "threshold"]), table
