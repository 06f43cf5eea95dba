"""Dates and times as the tools write them: datetimes, Excel serial numbers, locale text, UTC offsets."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd


_DATE_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S",
                 "%Y/%m/%d %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%d/%m/%Y %H:%M:%S",
                 "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%m/%d/%y %H:%M",
                 "%d/%m/%y %H:%M", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p"]
_DAY_FIRST = {"%d/%m/%Y %H:%M:%S": "%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M": "%m/%d/%Y %H:%M",
              "%d/%m/%Y": "%m/%d/%Y", "%d/%m/%y %H:%M": "%m/%d/%y %H:%M"}
_ZONE = re.compile(r"\s*(?:(?:GMT|UTC)\s*)?(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?$|\s*(?:Z|GMT|UTC)$")
_EARLIEST, _LATEST = dt.datetime(1900, 1, 1), dt.datetime(2200, 1, 1)


def _strip_zone(text: str) -> tuple[str, dt.timedelta | None]:
    """Split a trailing UTC offset ('+03:00', 'GMT+3', 'Z') off a timestamp."""
    m = _ZONE.search(text)
    if not m:
        return text, None
    offset = dt.timedelta(0)
    if m.group("sign"):
        offset = dt.timedelta(hours=int(m.group("h")), minutes=int(m.group("m") or 0))
        if m.group("sign") == "-":
            offset = -offset
    return text[: m.start()].strip(), offset


def parse_dates(values: list, *, date1904: bool = False, notes: list[str] | None = None,
                 column: str = "") -> pd.Series:
    """Parse dates written as datetimes, Excel serial numbers or text in the tools' locale forms.

    Text is read with the first format of :data:`_DATE_FORMATS` that parses
    every text value, so a column is read consistently.  When both the
    month-first and the day-first form parse every value (all days <= 12), the
    one whose times follow the order of the rows (submissions are appended in
    time order) is chosen, and a note says so.  Timestamps with a UTC offset are
    converted to UTC.  Serial numbers count from 1899-12-30, or from 1904-01-01
    for workbooks in the 1904 date system.  Dates before 1900 or after 2200 are
    treated as typing errors and left missing.
    """
    epoch = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
    out: list = [None] * len(values)
    texts: dict[int, str] = {}
    offsets: dict[int, dt.timedelta] = {}
    for i, v in enumerate(values):
        if v is None:
            continue
        if isinstance(v, dt.datetime):
            out[i] = v.replace(tzinfo=None) - (v.utcoffset() or dt.timedelta(0)) if v.tzinfo else v
        elif isinstance(v, dt.date):
            out[i] = dt.datetime(v.year, v.month, v.day)
        elif isinstance(v, (int, float)) and not isinstance(v, bool) and 1 <= v < 2958466:
            out[i] = epoch + dt.timedelta(days=float(v))
        elif isinstance(v, str) and v.strip():
            text, offset = _strip_zone(v.strip())
            texts[i] = text
            if offset is not None:
                offsets[i] = offset
    if texts:
        sample = list(texts.values())
        chosen = None
        for fmt in _DATE_FORMATS:
            try:
                parsed = [dt.datetime.strptime(t, fmt) for t in sample]
            except ValueError:
                continue
            chosen = (fmt, parsed)
            break
        if chosen is not None:
            fmt, parsed = chosen
            month_first = {v: k for k, v in _DAY_FIRST.items()}
            other = month_first.get(fmt) or _DAY_FIRST.get(fmt)
            if other:
                try:
                    alternative = [dt.datetime.strptime(t, other) for t in sample]
                except ValueError:
                    alternative = None
                if alternative is not None and alternative != parsed:
                    def disorder(times):
                        return sum(1 for a, b in zip(times, times[1:]) if b < a)
                    if disorder(alternative) < disorder(parsed):
                        fmt, parsed = other, alternative
                    if notes is not None:
                        notes.append(f"Dates in '{column}' read as {fmt} (day and month could be either way round; "
                                     "this order follows the order of the rows).")
            for i, value in zip(texts, parsed):
                out[i] = value
        else:
            for i, text in texts.items():
                try:
                    value = pd.Timestamp(text)
                    if pd.isna(value):
                        continue
                    if value.tzinfo is not None:
                        value = value.tz_convert("UTC").tz_localize(None)
                    out[i] = value.to_pydatetime()
                except (ValueError, OverflowError, TypeError, pd.errors.OutOfBoundsDatetime):
                    continue  # not a date in any form we know: left missing and counted
        for i, offset in offsets.items():
            if out[i] is not None:
                out[i] = out[i] - offset
        if offsets and notes is not None:
            notes.append(f"Times in '{column}' carry UTC offsets; they were converted to UTC.")
    cleaned = [v if v is not None and _EARLIEST <= v < _LATEST else None for v in out]
    return pd.Series(pd.to_datetime(pd.Series(cleaned, dtype=object), errors="coerce"), dtype="datetime64[ns]")
