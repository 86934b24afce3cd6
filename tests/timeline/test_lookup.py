"""lookup / interpolate / µs↔ns helpers (timeline._lookup)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from egoexo_kit.timeline import device_ns_to_us, interpolate, lookup, us_to_device_ns

times_st = st.lists(st.integers(-(10**12), 10**12), min_size=1, max_size=40).map(
    lambda xs: np.sort(np.array(xs, dtype=np.int64))
)
queries_st = st.lists(st.integers(-(2 * 10**12), 2 * 10**12), min_size=1, max_size=20).map(
    lambda xs: np.array(xs, dtype=np.int64)
)


@given(times_st, queries_st)
def test_before_after_nearest_invariants(times, q):
    b = lookup(times, q, match="before")
    a = lookup(times, q, match="after")
    n = lookup(times, q, match="nearest")
    # before <= query <= after, and they are the closest on their side
    assert np.all(times[b.index[b.is_valid]] <= q[b.is_valid])
    assert np.all(times[a.index[a.is_valid]] >= q[a.is_valid])
    np.testing.assert_array_equal(b.is_valid, q >= times[0])
    np.testing.assert_array_equal(a.is_valid, q <= times[-1])
    np.testing.assert_array_equal(b.index[b.is_valid], np.searchsorted(times, q[b.is_valid], "right") - 1)
    # nearest always matches and minimizes |dt|
    assert n.is_valid.all()
    best = np.abs(q[:, None] - times[None, :]).min(axis=1)
    np.testing.assert_array_equal(np.abs(n.dt_ns), best)
    for r in (a, b, n):
        v = r.is_valid
        np.testing.assert_array_equal(r.sample_ns[v], times[r.index[v]])
        np.testing.assert_array_equal(r.dt_ns[v], q[v] - r.sample_ns[v])
        assert np.all(r.index[~v] == -1)


@given(times_st, queries_st, st.floats(0, 2000))
def test_tolerance_enforced(times, q, tol_s):
    free = lookup(times, q, match="nearest")
    r = lookup(times, q, match="nearest", tolerance_s=tol_s)
    expected = np.abs(free.dt_ns) <= round(tol_s * 1e9)
    np.testing.assert_array_equal(r.is_valid, expected)
    np.testing.assert_array_equal(r.index[expected], free.index[expected])


def test_lookup_shapes_and_hand_values():
    t = np.array([0, 10, 20, 30], dtype=np.int64)
    r = lookup(t, np.array([[5, 14], [16, 40]]), match="nearest")
    assert r.index.shape == (2, 2)
    np.testing.assert_array_equal(r.index, [[0, 1], [2, 3]])  # tie 5 -> earlier sample
    np.testing.assert_array_equal(r.dt_ns, [[5, 4], [-4, 10]])
    assert lookup(t, 20, match="before").index == 2
    assert lookup(t, 20, match="after").index == 2
    assert lookup(t, 21, match="after").index == 3
    assert not lookup(np.array([], dtype=np.int64), [1]).is_valid.any()


def test_lookup_errors():
    with pytest.raises(ValueError, match="invalid match 'closest'"):
        lookup([0, 1], 0, match="closest")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sorted"):
        lookup([5, 1], 0)
    with pytest.raises(TypeError, match="integer nanoseconds"):
        lookup([0, 1], 0.5)
    with pytest.raises(ValueError, match="tolerance_s"):
        lookup([0, 1], 0, tolerance_s=-1)


def test_interpolate_linear_and_clamped():
    t = np.array([0, 1_000_000_000, 3_000_000_000], dtype=np.int64)
    v = np.array([[0.0, 10.0], [1.0, 20.0], [3.0, 0.0]])
    r = interpolate(t, v, np.array([-5, 500_000_000, 2_000_000_000, 4_000_000_000]))
    np.testing.assert_allclose(r.values, [[0, 10], [0.5, 15], [2, 10], [3, 0]])
    np.testing.assert_array_equal(r.is_clamped, [True, False, False, True])
    assert interpolate(t, v[:, 0], 1_000_000_000).values == 1.0
    with pytest.raises(ValueError, match="samples"):
        interpolate(t, v[:2], 0)


@given(times_st.filter(lambda t: t.size >= 2 and np.all(np.diff(t) > 0)), st.floats(0, 1))
def test_interpolate_exact_on_linear_signal(times, frac):
    values = 2.0 * times.astype(np.float64) + 7.0
    q = np.int64(times[0] + round(frac * (times[-1] - times[0])))
    r = interpolate(times, values, q)
    assert r.values == pytest.approx(2.0 * q + 7.0, rel=1e-12, abs=1e-3)


def test_us_ns():
    assert device_ns_to_us(1_234_567) == 1234
    np.testing.assert_array_equal(device_ns_to_us(np.array([999, 1000])), [0, 1])
    assert us_to_device_ns(1234) == 1_234_000
    assert us_to_device_ns(np.array([1, 2])).dtype == np.int64
