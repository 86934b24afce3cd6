"""Tests for the columnar CSV reader (egoexo_kit.release._csv)."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from egoexo_kit.errors import FormatError, NotFoundError
from egoexo_kit.release._csv import CsvTable, read_csv


def write(path: Path, text: str) -> Path:
    """Write ``text`` to ``path``, gzipped when the name ends in .gz."""
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


BIG = 2**53 + 123  # not representable as float64


# ---------------------------------------------------------------------------------------------
# Smoke, shapes, types


def test_basic_columns_and_types(tmp_path):
    p = write(tmp_path / "a.csv", "name,count,value\nfoo,1,1.5\nbar,2,\n,3,-2e3\n")
    t = read_csv(p, int_columns=["count"])
    assert isinstance(t, CsvTable)
    assert t.path == p
    assert t.names == ("name", "count", "value")
    assert list(t) == ["name", "count", "value"]
    assert "count" in t and "nope" not in t
    assert len(t) == 3
    assert t["name"].tolist() == ["foo", "bar", ""]
    assert t["count"].dtype == np.int64 and not isinstance(t["count"], np.ma.MaskedArray)
    assert t["count"].tolist() == [1, 2, 3]
    np.testing.assert_array_equal(t["value"], [1.5, np.nan, -2000.0])
    assert t["value"].dtype == np.float64
    assert t.valid("value").tolist() == [True, False, True]
    assert t.valid("name").tolist() == [True, True, False]
    cols = t.columns("value", "name")
    assert list(cols) == ["value", "name"]
    assert "not parsed" not in repr(t)


def test_header_is_eager_data_is_lazy(tmp_path):
    p = write(tmp_path / "a.csv", "a,b\n1,2\n1,oops\n")
    t = read_csv(p, int_columns=["b"])  # no error yet: only the header was read
    assert "not parsed yet" in repr(t)
    assert t.names == ("a", "b")
    with pytest.raises(FormatError, match=r"column 'b': 'oops' is not an integer") as err:
        t["a"]
    assert err.value.line == 3
    assert err.value.column == 2


def test_int64_exact_with_gaps(tmp_path):
    p = write(tmp_path / "a.csv", f"x_ns,y\n{BIG},1\n,2\n{-BIG},3\n9223372036854775807,4\n")
    t = read_csv(p, int_suffixes=["_ns"])
    col = t["x_ns"]
    assert isinstance(col, np.ma.MaskedArray)
    assert col.dtype == np.int64
    assert col.mask.tolist() == [False, True, False, False]
    assert int(col[0]) == BIG
    assert int(col[2]) == -BIG
    assert int(col[3]) == 2**63 - 1
    assert t.valid("x_ns").tolist() == [True, False, True, True]
    assert t["y"].dtype == np.float64  # undeclared numeric column


def test_integer_written_as_float_text_is_exact(tmp_path):
    # pandas writes integer columns with gaps as floats ("721.0"); the tail is stripped as text.
    p = write(tmp_path / "a.csv", f"f,ts_ns\n721.0,{BIG}.0\n,\n722,{BIG + 1}\n")
    t = read_csv(p, int_columns=["f"], int_suffixes=["_ns"])
    assert t["f"].tolist() == [721, None, 722]
    assert t["ts_ns"].compressed().tolist() == [BIG, BIG + 1]


def test_string_columns(tmp_path):
    p = write(tmp_path / "a.csv", "serial,label,empty\n0123,true,\n0456,2024-01-01,\n")
    t = read_csv(p, str_columns=["serial"])
    assert t["serial"].tolist() == ["0123", "0456"]  # declared: not turned into numbers
    assert t["label"].tolist() == ["true", "2024-01-01"]  # undeclared and not numeric: strings
    assert t["empty"].dtype == np.float64 and np.isnan(t["empty"]).all()


def test_nan_and_inf_floats(tmp_path):
    p = write(tmp_path / "a.csv", "v\nnan\ninf\n-inf\n 1.5 \n")
    v = read_csv(p, float_columns=["v"])["v"]
    assert np.isnan(v[0]) and v[1] == np.inf and v[2] == -np.inf and v[3] == 1.5


def test_gzip_crlf_bom_blank_lines(tmp_path):
    p = write(tmp_path / "a.csv.gz", "\ufeffa,b\r\n1,x\r\n\r\n2,y\r\n")
    t = read_csv(p, int_columns=["a"], required=["a", "b"])
    assert t.names == ("a", "b")
    assert t["a"].tolist() == [1, 2]
    assert t["b"].tolist() == ["x", "y"]
    assert t.line_of(1) == 4  # the blank line 3 is skipped


def test_header_only(tmp_path):
    t = read_csv(write(tmp_path / "a.csv", "a,b\n"), int_columns=["a"])
    assert len(t) == 0
    assert t["a"].dtype == np.int64 and t["a"].shape == (0,)
    assert t["b"].shape == (0,)


def test_arrays_are_read_only_and_cached(tmp_path):
    t = read_csv(write(tmp_path / "a.csv", "a,b\n1,\n2,3\n"), int_columns=["a", "b"])
    assert t["a"] is t["a"]
    with pytest.raises(ValueError, match="read-only"):
        t["a"][0] = 5
    with pytest.raises(ValueError, match="read-only"):
        t["b"].data[0] = 5


def test_quoted_fields(tmp_path):
    t = read_csv(write(tmp_path / "a.csv", 'a,b\n"x,y",1\n'))
    assert t["a"].tolist() == ["x,y"]


# ---------------------------------------------------------------------------------------------
# Errors: message and location


def test_missing_required_column(tmp_path):
    p = write(tmp_path / "a.csv", "a,b\n1,2\n")
    with pytest.raises(FormatError, match=r"missing required column\(s\) 'c', 'd'; found: a, b") as err:
        read_csv(p, required=["a", "c", "d"])
    assert err.value.line == 1
    assert err.value.path == str(p)


def test_missing_file(tmp_path):
    with pytest.raises(FormatError, match="file does not exist") as err:
        read_csv(tmp_path / "nope.csv")
    assert err.value.line is None
    assert err.value.path == str(tmp_path / "nope.csv")


def test_directory_is_not_a_file(tmp_path):
    with pytest.raises(FormatError, match="is a folder, expected a file"):
        read_csv(tmp_path)


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty file"), ("\n1,2\n", "blank first line"), ("a,b,a\n1,2,3\n", "duplicate column name.*a")],
)
def test_bad_header(tmp_path, text, message):
    with pytest.raises(FormatError, match=message) as err:
        read_csv(write(tmp_path / "a.csv", text))
    assert err.value.line == 1


def test_wrong_column_count(tmp_path):
    t = read_csv(write(tmp_path / "a.csv", "a,b\n1,2\n\n3\n4,5\n"))
    with pytest.raises(FormatError, match=r"expected 2 columns \(as in the header\), found 1") as err:
        t["a"]
    assert err.value.line == 4  # the blank line 3 still counts as a file line
    assert "line 4" in str(err.value)
    assert isinstance(err.value.__cause__, Exception)  # chained from the pyarrow error


def test_non_number_in_float_column(tmp_path):
    t = read_csv(write(tmp_path / "a.csv", "a,b\n1,2\n3,abc\n"), float_columns=["b"])
    with pytest.raises(FormatError, match=r"column 'b': 'abc' is not a number") as err:
        len(t)
    assert (err.value.line, err.value.column) == (3, 2)


def test_int_overflow(tmp_path):
    t = read_csv(write(tmp_path / "a.csv", "a\n1\n9223372036854775808\n"), int_columns=["a"])
    with pytest.raises(FormatError, match="does not fit in int64") as err:
        t["a"]
    assert err.value.line == 3


def test_float_in_int_column(tmp_path):
    t = read_csv(write(tmp_path / "a.csv", "a\n1\n2.5\n"), int_columns=["a"])
    with pytest.raises(FormatError, match=r"column 'a': '2.5' is not an integer") as err:
        t["a"]
    assert (err.value.line, err.value.column) == (3, 1)


def test_not_gzip(tmp_path):
    p = tmp_path / "a.csv.gz"
    p.write_bytes(b"a,b\n1,2\n")
    with pytest.raises(FormatError, match="cannot read the header.*BadGzipFile") as err:
        read_csv(p)
    assert err.value.line == 1


def test_truncated_gzip(tmp_path):
    body = "".join(f"{i},{i * 0.5}\n" for i in range(20000))
    data = gzip.compress(("a,b\n" + body).encode())
    p = tmp_path / "a.csv.gz"
    p.write_bytes(data[: len(data) // 2])
    # The lines a reader can get before the stream ends; the next one is the bad line.
    prefix = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data[: len(data) // 2])
    t = read_csv(p, int_columns=["a"])
    with pytest.raises(FormatError, match=r"unreadable data \(EOFError") as err:
        t["a"]
    assert err.value.line == prefix.count(b"\n") + 1


def test_bad_utf8(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes(b"a,b\n1,x\n2,\xff\n")
    t = read_csv(p)
    with pytest.raises(FormatError, match="UnicodeDecodeError") as err:
        t["b"]
    assert err.value.line == 3


def test_unknown_column(tmp_path):
    t = read_csv(write(tmp_path / "a.csv", "a,b\n1,2\n"))
    with pytest.raises(NotFoundError, match=r"no column 'c'; available: a, b"):
        t["c"]
    with pytest.raises(LookupError):
        t.valid("c")


def test_conflicting_declarations(tmp_path):
    p = write(tmp_path / "a.csv", "a\n1\n")
    with pytest.raises(ValueError, match="declared both int and str"):
        read_csv(p, int_columns=["a"], str_columns=["a"])


def test_line_of_out_of_range(tmp_path):
    t = read_csv(write(tmp_path / "a.csv", "a\n1\n"))
    with pytest.raises(IndexError, match="row 1 out of range"):
        t.line_of(1)


# ---------------------------------------------------------------------------------------------
# Properties

int64s = st.integers(min_value=-(2**63), max_value=2**63 - 1)
cells = st.one_of(st.none(), int64s)


@settings(max_examples=60, deadline=None)
@given(columns=st.lists(st.lists(cells, min_size=1, max_size=30), min_size=1, max_size=4), gz=st.booleans())
def test_int64_columns_with_gaps_round_trip(tmp_path_factory, columns, gz):
    rows = min(len(c) for c in columns)
    columns = [c[:rows] for c in columns]
    names = [f"c{i}_ns" for i in range(len(columns))]
    # A leading index column keeps rows non-blank (a blank line is no row in CSV).
    lines = [",".join(["i", *names])]
    lines += [",".join([str(r)] + ["" if c[r] is None else str(c[r]) for c in columns]) for r in range(rows)]
    p = write(tmp_path_factory.mktemp("h") / ("x.csv.gz" if gz else "x.csv"), "\n".join(lines) + "\n")
    t = read_csv(p, int_suffixes=["_ns"])
    assert len(t) == rows
    for name, expected in zip(names, columns, strict=True):
        got = t[name]
        assert got.dtype == np.int64
        mask = np.ma.getmaskarray(got).tolist()
        assert mask == [v is None for v in expected]
        assert [int(v) for v, m in zip(np.ma.getdata(got), mask, strict=True) if not m] == [
            v for v in expected if v is not None
        ]


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.floats(allow_nan=False, width=64), min_size=1, max_size=30))
def test_float_column_round_trips_repr(tmp_path_factory, values):
    p = write(tmp_path_factory.mktemp("h") / "x.csv", "v\n" + "".join(f"{v!r}\n" for v in values))
    got = read_csv(p, float_columns=["v"])["v"]
    assert got.tolist() == values
