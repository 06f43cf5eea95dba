"""Coverage: who answered compared with the membership, and raking weights.

This module owns reading the optional membership register (CSV or xlsx, one
row per member organisation with its category and size), response rates by
group, and raking weights (iterative proportional fitting) that make the
respondents match the membership's margins.  Without a register, coverage is
reported as unknown — in a column and in ``attrs``, never as an exception.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .arguments import (
    bad_option,
    check_column,
    check_frame,
    check_int,
)
from .disclosure import DEFAULT_THRESHOLD, suppress_group_rows
from .errors import (
    AnalysisInputError,
    EmptyFileError,
    FileProblemError,
    HeaderProblemError,
    WrongFormatError,
)

__all__ = ["WEIGHT_CAP", "read_register", "response_rates", "register_margins", "rake_weights",
           "rake_codes"]

#: Default cap of raking weights, relative to the mean weight (1): no respondent speaks for more
#: than five average respondents.  Trimming at this cap trades exact margins for stable figures.
WEIGHT_CAP = 5.0

_REGISTER_SUFFIXES = (".csv", ".xlsx")

try:  # the xlsx reader's own error type (not a ValueError)
    from python_calamine import CalamineError as _CalamineError
except ImportError:  # pragma: no cover - python-calamine is a dependency
    _CalamineError = ValueError


def read_register(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Read a membership register.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` (UTF-8, with or without BOM) or ``.xlsx`` file with one
        row per member organisation.
    columns : mapping role -> column header, optional
        Which register columns hold what, e.g. ``{"member_category":
        "Category", "size": "Employees"}``.  Default:
        ``{"member_category": "member_category", "size": "size"}``.
    sheet : str or int, optional
        Sheet of an xlsx file (default: the first).

    Returns
    -------
    DataFrame
        One row per member with one string column per role
        (``member_category``, ``size``), values stripped of surrounding
        spaces.

    Raises
    ------
    FileProblemError, WrongFormatError, EmptyFileError, HeaderProblemError, AnalysisInputError
        Naming the file, the column and the value.
    """
    path = Path(path)
    roles = dict(columns) if columns is not None else {"member_category": "member_category",
                                                        "size": "size"}
    if not roles or not all(isinstance(v, str) for v in roles.values()):
        raise bad_option("columns", "a mapping role -> register column header", columns)
    if not path.exists():
        raise FileProblemError("the membership register does not exist.", path=path,
                               hint="Check the path of the register file.")
    if not path.is_file():
        raise FileProblemError("the membership register path is not a file.", path=path,
                               hint="Pass the register file, not a folder.")
    suffix = path.suffix.lower()
    if suffix not in _REGISTER_SUFFIXES:
        raise WrongFormatError(
            f"the membership register must be .csv or .xlsx; got {suffix or 'no extension'!r}.",
            path=path, value=suffix, hint="Save the register as CSV or xlsx.",
        )
    try:
        if suffix == ".csv":
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        else:
            raw = pd.read_excel(path, sheet_name=0 if sheet is None else sheet,
                                engine="calamine", dtype=str)
    except UnicodeDecodeError as err:
        raise WrongFormatError("the register CSV is not UTF-8 text.", path=path,
                               value=f"byte offset {err.start}",
                               hint="Save the register as CSV UTF-8.") from err
    except pd.errors.EmptyDataError as err:
        raise EmptyFileError("the membership register is empty.", path=path,
                             hint="Fill in one row per member.") from err
    except (ValueError, OSError, pd.errors.ParserError, _CalamineError) as err:
        raise WrongFormatError(f"the membership register cannot be read ({err}).", path=path,
                               sheet=None if sheet is None else str(sheet),
                               hint="Check that the file is a valid CSV or xlsx workbook.") from err
    raw.columns = [str(c).replace("\u00a0", " ").strip() for c in raw.columns]
    missing = [header for header in roles.values() if header not in raw.columns]
    if missing:
        raise HeaderProblemError(
            f"the membership register has no column {missing[0]!r}.",
            path=path, column=missing[0],
            hint="Columns found: " + ", ".join(raw.columns[:20]) +
                 ". Pass columns={role: header} to name them.",
        )
    out = pd.DataFrame({role: raw[header].astype("string").str.strip()
                        for role, header in roles.items()})
    out = out.replace("", pd.NA)
    out = out.dropna(how="all").reset_index(drop=True)
    if out.empty:
        raise EmptyFileError("the membership register lists no members.", path=path,
                             hint="Fill in one row per member.")
    for role in roles:
        blank = out[role].isna()
        if blank.any():
            row = int(np.flatnonzero(blank.to_numpy())[0])
            raise AnalysisInputError(
                f"a member has no {role} in the register.", path=path, column=roles[role],
                row=row + 2, hint="Fill in every member's category and size.",
            )
    out.attrs["path"] = str(path)
    return out


def register_margins(register: pd.DataFrame, *, columns: Sequence[str]) -> dict[str, pd.Series]:
    """Member counts per category of each column of the register."""
    register = check_frame(register, "register")
    return {c: register[check_column(register, "columns", c)].value_counts().sort_index()
            for c in columns}


def _labels(series: pd.Series) -> pd.Series:
    return series.astype("string").str.strip()


def response_rates(
    responses: pd.DataFrame,
    register: pd.DataFrame | None = None,
    *,
    by: Sequence[tuple[Hashable, str]] | Mapping[Hashable, str],
    threshold: int = DEFAULT_THRESHOLD,
) -> pd.DataFrame:
    """Respondents, members and response rate per group.

    Parameters
    ----------
    responses : DataFrame
        One row per respondent.
    register : DataFrame, optional
        From :func:`read_register`.  Without it coverage is unknown.
    by : mapping responses column -> register column
        E.g. ``{"A3": "member_category", "A4": "size"}``.
    threshold : int, default 5
        Disclosure threshold applied to the respondent counts of each
        grouping (see :mod:`survey_analysis.disclosure`).

    Returns
    -------
    DataFrame
        One row per grouping and group: ``grouping``, ``group``,
        ``respondents``, ``members``, ``response_rate`` (0-1),
        ``respondent_share``, ``member_share``, ``coverage`` ("known" or
        "unknown") and ``suppressed``.  Respondents without an answer to the
        grouping question appear in a row with group ``"(no answer)"``.
        ``attrs["coverage"]`` is "known" or "unknown".

    Raises
    ------
    AnalysisInputError
        A respondent's group is not in the register (the rate would be
        meaningless), naming the column and value.
    """
    responses = check_frame(responses, "responses")
    threshold = check_int("threshold", threshold, minimum=1)
    pairs = list(by.items()) if isinstance(by, Mapping) else list(by)
    if not pairs:
        raise bad_option("by", "a non-empty mapping responses column -> register column", by)
    known = register is not None
    if known:
        register = check_frame(register, "register")
    frames = []
    for column, reg_col in pairs:
        check_column(responses, "by", column)
        answers = _labels(responses[column])
        resp_counts = answers.value_counts()
        if isinstance(responses[column].dtype, pd.CategoricalDtype):
            order = [str(c) for c in responses[column].cat.categories]
        else:
            order = sorted(resp_counts.index)
        if known:
            check_column(register, "by", reg_col)
            members = _labels(register[reg_col]).value_counts()
            unknown = [g for g in resp_counts.index if g not in members.index]
            if unknown:
                raise AnalysisInputError(
                    f"respondents' group {unknown[0]!r} does not appear in the register.",
                    column=str(column), value=unknown[0],
                    hint=f"Use the same labels in register column {reg_col!r} as in the "
                    f"survey: {', '.join(map(str, members.index[:10]))}.",
                )
            order += [g for g in sorted(members.index) if g not in order]
        rows = []
        n_resp = int(resp_counts.sum())
        for g in order:
            r = int(resp_counts.get(g, 0))
            m = int(members.get(g, 0)) if known else pd.NA
            rows.append({"grouping": str(column), "group": g, "respondents": r,
                         "members": m,
                         "response_rate": (r / m if known and m else np.nan),
                         "respondent_share": r / n_resp if n_resp else np.nan,
                         "member_share": (m / int(members.sum()) if known else np.nan)})
        no_answer = int(answers.isna().sum())
        if no_answer:
            rows.append({"grouping": str(column), "group": "(no answer)",
                         "respondents": no_answer, "members": pd.NA,
                         "response_rate": np.nan, "respondent_share": np.nan,
                         "member_share": np.nan})
        table = pd.DataFrame(rows)
        table["members"] = table["members"].astype("Int64")
        table = suppress_group_rows(table, n_column="respondents",
                                    columns=["response_rate", "respondent_share"],
                                    threshold=threshold)
        frames.append(table)
    out = pd.concat(frames, ignore_index=True)
    out["respondents"] = out["respondents"].astype("Int64")
    out.insert(out.columns.get_loc("suppressed"), "coverage", "known" if known else "unknown")
    out.attrs.update({"coverage": "known" if known else "unknown", "threshold": threshold,
                      "n_respondents": len(responses)})
    return out


def rake_weights(
    data: pd.DataFrame,
    *,
    margins: Mapping[Hashable, pd.Series | Mapping[Any, float]],
    max_iter: int = 100,
    tol: float = 1e-10,
    cap: float | None = None,
) -> pd.DataFrame:
    """Raking weights (iterative proportional fitting) to known margins.

    Parameters
    ----------
    data : DataFrame
        One row per respondent with the raking variables.
    margins : mapping column -> Series (category -> target count or share)
        Target totals per category of each column, e.g. from
        :func:`register_margins`.  Targets are rescaled to shares.
    max_iter : int, default 100
        Most passes over the margins before giving up.
    tol : float, default 1e-10
        Stop when every weighted margin share is within ``tol`` of its target.
    cap : float, optional
        Trim the weights at ``cap`` times the mean weight (e.g.
        :data:`WEIGHT_CAP`): after every pass weights above the cap are set
        to it, and raking goes on.  With a cap, margins that cannot be met
        without a weight above the cap are met as closely as the cap allows
        (``attrs["max_error"]`` says how closely) instead of raising.

    Returns
    -------
    DataFrame
        Indexed like ``data``: ``weight`` (mean 1 over the respondents, so the
        weighted n equals the number of respondents) and ``population_weight``
        (sums to the target total of the first margin when targets are
        counts).  ``attrs``: ``converged`` (always True without ``cap``: see
        Raises), ``iterations``, ``max_error``, ``kish_effective_n``,
        ``cap``, ``n_trimmed`` (weights at the cap).

    Raises
    ------
    AnalysisInputError
        A respondent with no value in a raking column, a respondent category
        without a target, or a target category with no respondent (raking
        cannot reach it) — naming the column and value.  Also when the
        weights do not meet every margin within ``tol`` after ``max_iter``
        passes — typically margins that cannot all be met by these
        respondents (e.g. two columns whose categories always go together
        but whose targets disagree) — naming the margins, the category
        furthest from its target and the remaining error.

    Notes
    -----
    Starting from weight 1, each pass multiplies the weights of every
    category of each column in turn by (target share / current weighted
    share) (Deming & Stephan 1940).  With a cap, each pass ends by setting
    the weights above ``cap`` times their mean to that value and spreading
    the excess over the other respondents in proportion to their weights
    (trimming within raking, Kalton & Flores-Cervantes 2003).

    References
    ----------
    Deming, W. E. & Stephan, F. F. (1940). On a least squares adjustment of a
    sampled frequency table when the expected marginal totals are known.
    Annals of Mathematical Statistics 11(4), 427-444.
    Kalton, G. & Flores-Cervantes, I. (2003). Weighting methods. Journal of
    Official Statistics 19(2), 81-97.
    """
    data = check_frame(data)
    if cap is not None and not (isinstance(cap, (int, float)) and not isinstance(cap, bool)
                                and cap > 1):
        raise bad_option("cap", "a number above 1 (times the mean weight) or None", cap)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    if not isinstance(tol, (int, float)) or isinstance(tol, bool) or not tol > 0:
        raise bad_option("tol", "a positive number", tol)
    if not isinstance(margins, Mapping) or not margins:
        raise bad_option("margins", "a non-empty mapping column -> target counts", margins)
    codes, targets = {}, {}
    total_target = None
    for column, target in margins.items():
        check_column(data, "margins", column)
        target = pd.Series(target, dtype="float64")
        target.index = target.index.map(str)
        if (target < 0).any() or target.isna().any() or target.sum() <= 0:
            raise bad_option(f"margins[{column!r}]", "non-negative targets with a positive sum",
                             target.to_dict())
        if total_target is None:
            total_target = float(target.sum())
        labels = _labels(data[column])
        if labels.isna().any():
            where = labels.index[labels.isna()][0]
            raise AnalysisInputError(
                f"respondent {where!r} has no value in raking column {column!r}.",
                column=str(column), value=None,
                hint="Rake on complete answers only, or add an explicit 'no answer' category "
                "with its own target.",
            )
        extra = sorted(set(labels) - set(target.index))
        if extra:
            raise AnalysisInputError(
                f"category {extra[0]!r} of {column!r} has no target in the margins.",
                column=str(column), value=extra[0],
                hint="Give every category a target: " + ", ".join(target.index[:10]),
            )
        empty = [c for c in target.index if target[c] > 0 and c not in set(labels)]
        if empty:
            raise AnalysisInputError(
                f"category {empty[0]!r} of {column!r} has a target but no respondent.",
                column=str(column), value=empty[0],
                hint="Merge it with a neighbouring category before raking.",
            )
        codes[column] = labels.to_numpy(dtype=object)
        targets[column] = target / target.sum()
    code_arrays, share_arrays = [], []
    for column, share in targets.items():
        position = {cat: j for j, cat in enumerate(share.index)}
        code_arrays.append(np.array([position[v] for v in codes[column]], dtype=np.intp))
        share_arrays.append(share.to_numpy(dtype=float))
    w, iterations, error = rake_codes(code_arrays, share_arrays, max_iter=max_iter, tol=tol,
                                      cap=cap)
    converged = error < tol
    if not converged and cap is None:
        worst_gap, worst_column, worst_cat = -1.0, None, None
        for c, s in targets.items():
            shares = np.array([w[codes[c] == cat].sum() for cat in s.index]) / w.sum()
            gaps = np.abs(shares - s.to_numpy())
            if gaps.max() > worst_gap:
                worst_gap = float(gaps.max())
                worst_column, worst_cat = c, s.index[int(gaps.argmax())]
        names = ", ".join(repr(str(c)) for c in targets)
        raise AnalysisInputError(
            f"raking did not meet the margins of {names} after {iterations} "
            f"pass{'' if iterations == 1 else 'es'}: the "
            f"weighted share of {worst_cat!r} in {str(worst_column)!r} is still "
            f"{worst_gap:.3g} away from its target (tolerance {tol:g}).",
            column=str(worst_column), value=worst_cat,
            hint="These respondents probably cannot match all the margins at once (e.g. every "
            "respondent of one category is also in one category of another column). Check that "
            "the margins describe the same membership, merge sparse categories or rake on fewer "
            "columns; if the error is shrinking, raise max_iter.",
        )
    weight = w / w.mean()
    out = pd.DataFrame({"weight": weight,
                        "population_weight": weight * (total_target / len(data))},
                       index=data.index)
    out.attrs.update({"converged": converged, "iterations": iterations, "max_error": error,
                      "cap": cap, "n_trimmed": int(np.sum(weight >= cap - 1e-9)) if cap else 0,
                      "kish_effective_n": float(weight.sum() ** 2 / np.sum(weight**2))})
    return out


def _trim(w: np.ndarray, cap: float) -> np.ndarray:
    """Weights of mean 1 with none above ``cap``: the excess is spread over the others."""
    w = w / w.mean()
    n = w.size
    for _ in range(n):
        over = w > cap
        if not over.any():
            break
        w[over] = cap
        rest = ~over & (w < cap)
        if not rest.any():
            break
        w[rest] *= (n - w[~rest].sum()) / w[rest].sum()
    return w


def rake_codes(codes: Sequence[np.ndarray], shares: Sequence[np.ndarray], *,
               max_iter: int = 100, tol: float = 1e-10, cap: float | None = None
               ) -> tuple[np.ndarray, int, float]:
    """The raking loop on category codes: weights (mean 1), passes run, largest margin error.

    Parameters
    ----------
    codes : list of int arrays
        Per raking column, each respondent's category as 0..c-1.
    shares : list of float arrays
        Per raking column, the target share of each category (summing to 1).
    max_iter, tol, cap
        As in :func:`rake_weights`.

    Notes
    -----
    The loop of :func:`rake_weights`, on arrays, so that a bootstrap can
    re-rake every resample quickly.  A category with no respondents keeps
    its target unmet (the caller checks for it).
    """
    n = codes[0].size
    w = np.ones(n)
    error, iterations = np.inf, 0
    for iterations in range(1, max_iter + 1):
        for code, share in zip(codes, shares):
            current = np.bincount(code, weights=w, minlength=share.size) / w.sum()
            factor = np.divide(share, current, out=np.ones_like(share), where=current > 0)
            w = w * factor[code]
        if cap is not None:
            w = _trim(w, cap)
        total = w.sum()
        error = max(float(np.max(np.abs(np.bincount(code, weights=w, minlength=share.size) / total
                                        - share))) for code, share in zip(codes, shares))
        if error < tol:
            break
    return w / w.mean(), iterations, error
