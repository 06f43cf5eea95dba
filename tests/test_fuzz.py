"""Property-based fuzzing of the read stage (BAD_INPUTS.md case 22).

Random bytes and mutated valid exports (bytes flipped, inserted, cut) are
given to ``read_raw`` under spreadsheet and text names.  Whatever the input,
only the project's own errors (``SurveyError`` subclasses) may come out, and
a file that is read must give a well-formed ``RawTable``.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filebuilders import SURVEY_HEADER, SURVEY_ROWS, csv_text, xlsx_bytes
from survey_analysis.errors import SurveyError
from survey_analysis.readers import RawTable, read_raw

_ALLOWED_TYPES = (str, int, float, bool, dt.datetime, dt.date, dt.time, type(None))
_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,  # the same examples on every run: the suite stays deterministic
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

_VALID_XLSX = xlsx_bytes(
    {"Form Responses 1": [SURVEY_HEADER, *SURVEY_ROWS], "Notes": [["read me"]]},
    states={"Notes": "hidden"},
)
_VALID_CSV = csv_text(
    [SURVEY_HEADER, *[[str(v) for v in row] for row in SURVEY_ROWS], ["x", "multi\nline", "", "", "ş ț"]]
).encode("utf-8")
_counter = itertools.count()


def _check(result: RawTable) -> None:
    assert isinstance(result, RawTable)
    assert len(result.rows) == len(result.row_numbers)
    widths = {len(row) for row in result.rows}
    assert len(widths) <= 1
    assert result.row_numbers == sorted(result.row_numbers)
    for row in result.rows:
        for value in row:
            assert isinstance(value, _ALLOWED_TYPES), type(value)
            assert value != ""
            if isinstance(value, str):
                assert "\ufffd" not in value or any(p["kind"] == "replacement_character" for p in result.problems)


def _read(tmp_path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"fuzz{next(_counter)}{suffix}"
    path.write_bytes(data)
    try:
        _check(read_raw(path))
    except SurveyError as error:
        assert str(path) in str(error)
    finally:
        path.unlink()


@st.composite
def _mutated(draw, original: bytes) -> bytes:
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 8))):
        action = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if action == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "set":
            data[at] = draw(st.integers(0, 255))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif action == "delete":
            del data[at:at + draw(st.integers(1, 64))]
        else:
            del data[at:]
    return bytes(data)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
@_SETTINGS
@given(data=st.binary(min_size=0, max_size=4096))
def test_random_bytes_give_only_survey_errors(tmp_path, suffix, data):
    _read(tmp_path, data, suffix)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
@_SETTINGS
@given(data=st.one_of(
    st.binary(min_size=4, max_size=512).map(lambda b: b"PK\x03\x04" + b),
    st.binary(min_size=8, max_size=2048).map(lambda b: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b),
))
def test_random_bytes_behind_magic_numbers(tmp_path, suffix, data):
    _read(tmp_path, data, suffix)


@_SETTINGS
@given(data=_mutated(_VALID_XLSX))
def test_mutated_xlsx_gives_only_survey_errors(tmp_path, data):
    _read(tmp_path, data, ".xlsx")


def _legacy_originals() -> dict[str, bytes]:
    """A small .xls and .ods, when their test-only writers are installed."""
    import tempfile
    from pathlib import Path

    originals = {}
    with tempfile.TemporaryDirectory() as folder:
        try:
            from filebuilders import write_xls

            originals[".xls"] = write_xls(Path(folder) / "a.xls", {"R": [SURVEY_HEADER, *SURVEY_ROWS]},
                                          errors={"R": [(4, 1, 0x07)]}).read_bytes()
        except ImportError:
            pass
        try:
            from filebuilders import write_ods

            originals[".ods"] = write_ods(Path(folder) / "a.ods", {"R": [SURVEY_HEADER, ["a", 1, 2.5, None, "ș"]]},
                                          hidden=()).read_bytes()
        except ImportError:
            pass
    return originals


_LEGACY = _legacy_originals()


@pytest.mark.parametrize("suffix", [".xls", ".ods"])
@_SETTINGS
@given(seed=st.randoms(use_true_random=False))
def test_mutated_xls_and_ods_give_only_survey_errors(tmp_path, suffix, seed):
    if suffix not in _LEGACY:
        pytest.skip(f"no writer for {suffix} installed (xlwt / odfpy)")
    data = bytearray(_LEGACY[suffix])
    for _ in range(seed.randint(1, 6)):
        at = seed.randrange(len(data))
        if seed.random() < 0.7:
            data[at] ^= 1 << seed.randrange(8)
        else:
            del data[at:at + seed.randint(1, 64)]
    _read(tmp_path, bytes(data), suffix)


@_SETTINGS
@given(data=_mutated(_VALID_CSV))
def test_mutated_csv_gives_only_survey_errors(tmp_path, data):
    _read(tmp_path, data, ".csv")


def _expected_table(rows: list[list[str]]) -> list[list]:
    """What read_raw should make of rows written by the csv module (an independent model)."""
    table = [[value if value != "" else None for value in row] for row in rows]
    while table and all(v is None for v in table[-1]):
        table.pop()
    width = max((len(row) for row in table), default=0)
    table = [row + [None] * (width - len(row)) for row in table]
    while width and all(row[width - 1] is None for row in table):
        width -= 1
        table = [row[:width] for row in table]
    return table


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(st.text(max_size=12), min_size=2, max_size=6), min_size=1, max_size=8),
       delimiter=st.sampled_from([",", ";", "\t"]))
def test_any_written_csv_reads_back_its_values(tmp_path, rows, delimiter):
    """What the csv module writes, read_raw reads back (empty strings as None)."""
    text = csv_text(rows, delimiter=delimiter)
    if "\x00" in text or text.startswith(("\ufeff", "sep=")):
        return
    path = tmp_path / f"round{next(_counter)}.csv"
    path.write_bytes(text.encode("utf-8"))
    try:
        raw = read_raw(path)
    except SurveyError as error:
        # Only an empty table or an unrecognised shape may be refused.
        assert str(path) in str(error)
        assert not _expected_table(rows) or "HTML" in str(error) or "XML" in str(error)
        return
    finally:
        path.unlink()
    _check(raw)
    if raw.delimiter == delimiter:
        assert raw.rows == _expected_table(rows)


def test_valid_originals_are_readable():
    """The mutation tests start from files that read correctly."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        xlsx = Path(folder) / "valid.xlsx"
        xlsx.write_bytes(_VALID_XLSX)
        raw = read_raw(xlsx)
        assert raw.rows[0] == SURVEY_HEADER and len(raw.rows) == 4
        csv_path = Path(folder) / "valid.csv"
        csv_path.write_bytes(_VALID_CSV)
        raw = read_raw(csv_path)
        assert raw.rows[0] == SURVEY_HEADER and raw.rows[-1][1] == "multi\nline"
