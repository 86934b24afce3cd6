"""The contract every camera-model module keeps: shapes, errors, validity masks, round trips.

Each case is a model with realistic parameters and its image size: a GoPro KB3 (FORMAT §6.3), an Aria
RGB Fisheye624 and the EgoPose Aria linear camera (FORMAT §7.9).
"""

from __future__ import annotations

import inspect
from types import ModuleType

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from egoexo_kit.geometry import fisheye624, kb3, pinhole

GOPRO_KB3 = np.array([1761.275757, 1761.275757, 1920.0, 1080.0, 0.036902, 0.057131, -0.057154, 0.018458])
ARIA_K = np.array([0.4, -0.5, 0.1, 1.3, -1.8, 0.7]) * 0.1
ARIA_F624 = np.r_[610.0, 704.2, 702.9, ARIA_K, 3e-4, -2e-4, 1e-4, -3e-4, 2e-4, 1e-4]
EGOPOSE_PINHOLE = np.array([150.0, 150.0, 255.5, 255.5])

# (module, params, (width, height)); ids make failures readable.
CASES = [
    pytest.param(kb3, GOPRO_KB3, (3840, 2160), id="kb3"),
    pytest.param(fisheye624, ARIA_F624, (1408, 1408), id="fisheye624"),
    pytest.param(pinhole, EGOPOSE_PINHOLE, (512, 512), id="pinhole"),
]
MODULES = [kb3, fisheye624, pinhole]


def image_pixels(rng: np.random.Generator, size: tuple[int, int], n: int) -> np.ndarray:
    """Uniform pixels over the image area, corners included, shape (n + 4, 2)."""
    w, h = size
    corners = np.array([[0.0, 0.0], [w - 1.0, 0.0], [0.0, h - 1.0], [w - 1.0, h - 1.0]])
    return np.concatenate([rng.uniform([0, 0], [w - 1, h - 1], size=(n, 2)), corners])


def signature_text(fn: object) -> str:
    return str(inspect.signature(fn))


def test_modules_share_signatures():
    for name in ("project", "unproject"):
        assert len({signature_text(getattr(m, name)) for m in MODULES}) == 1, name


@pytest.mark.parametrize(("model", "params", "size"), CASES)
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_project_unproject_is_identity_over_image(model: ModuleType, params, size, seed):
    px = image_pixels(np.random.default_rng(seed), size, 500)
    rays, ok = model.unproject(px, params)
    assert ok.all()
    np.testing.assert_allclose(np.linalg.norm(rays, axis=-1), 1.0, atol=1e-12)
    back, ok_back = model.project(rays * np.random.default_rng(seed).uniform(0.1, 50, (len(px), 1)), params)
    assert ok_back.all()
    np.testing.assert_allclose(back, px, rtol=0, atol=1e-6)


@pytest.mark.parametrize(("model", "params", "size"), CASES)
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_unproject_project_gives_unit_ray_in_view(model: ModuleType, params, size, seed):
    rng = np.random.default_rng(seed)
    # Points whose pixels fall inside the image: pick pixels, then random depths along their rays.
    rays_true, _ = model.unproject(image_pixels(rng, size, 500), params)
    points = rays_true * rng.uniform(0.05, 100.0, size=(len(rays_true), 1))
    px, ok = model.project(points, params)
    assert ok.all()
    rays, ok_rays = model.unproject(px, params)
    assert ok_rays.all()
    np.testing.assert_allclose(rays, points / np.linalg.norm(points, axis=-1, keepdims=True), atol=1e-9)


@pytest.mark.parametrize(("model", "params", "size"), CASES)
def test_batch_dims_and_batched_params(model: ModuleType, params, size):
    rng = np.random.default_rng(1)
    px = np.stack([image_pixels(rng, size, 20) for _ in range(3)])  # (3, 24, 2)
    rays, ok = model.unproject(px, params)
    assert rays.shape == (3, 24, 3) and ok.shape == (3, 24)
    uv, ok_uv = model.project(rays[None], params)  # (1, 3, 24, 3)
    assert uv.shape == (1, 3, 24, 2) and ok_uv.shape == (1, 3, 24)
    # One camera per batch entry: (3, P) params with (3, N, 3) points; row 1 uses a doubled focal length.
    many = np.stack([params, params, params]).copy()
    many[1, : 1 if model is fisheye624 else 2] *= 2
    uv_many, _ = model.project(rays, many)
    np.testing.assert_allclose(uv_many[0], px[0], atol=1e-6)
    np.testing.assert_allclose(uv_many[2], px[2], atol=1e-6)
    assert not np.allclose(uv_many[1], px[1])
    for b in range(3):  # agrees with one call per camera
        np.testing.assert_allclose(uv_many[b], model.project(rays[b], many[b])[0], rtol=0, atol=1e-9)
    # Lists are accepted and converted once.
    uv_list, _ = model.project(rays[0].tolist(), list(params))
    np.testing.assert_allclose(uv_list, uv[0, 0])


@pytest.mark.parametrize(("model", "params", "size"), CASES)
def test_wrong_shapes_raise(model: ModuleType, params, size):
    n = model.NUM_PARAMS
    with pytest.raises(ValueError, match=r"points_cam must have shape \(\.\.\., N, 3\); got shape \(3,\)"):
        model.project(np.zeros(3), params)
    with pytest.raises(ValueError, match=r"points_cam must have shape \(\.\.\., N, 3\); got shape \(5, 2\)"):
        model.project(np.zeros((5, 2)), params)
    with pytest.raises(ValueError, match=r"px must have shape \(\.\.\., N, 2\); got shape \(5, 3\)"):
        model.unproject(np.zeros((5, 3)), params)
    with pytest.raises(
        ValueError, match=rf"params must have shape \({n},\) or \(\.\.\., {n}\).*got shape \({n + 1},\)"
    ):
        model.project(np.ones((5, 3)), np.ones(n + 1))
    with pytest.raises(ValueError, match=r"params batch shape \(4,\) does not broadcast.*\(2,\)"):
        model.unproject(np.ones((2, 5, 2)), np.ones((4, n)))


@pytest.mark.parametrize(("model", "params", "size"), CASES)
def test_behind_camera_and_nan_are_invalid(model: ModuleType, params, size):
    points = np.array(
        [
            [0.1, 0.2, 1.0],
            [0.1, 0.2, -1.0],  # behind
            [1.0, 0.0, 0.0],  # in the image plane
            [0.0, 0.0, 0.0],  # camera centre
            [np.nan, 0.0, 1.0],
            [0.0, 0.0, np.inf],
        ]
    )
    with np.errstate(all="raise"):  # no warnings leak from invalid rows either
        px, ok = model.project(points, params)
    assert ok.tolist() == [True, False, False, False, False, False]
    assert np.isfinite(px[0]).all() and np.isnan(px[1:]).all()
    rays, ok_rays = model.unproject(np.array([[10.0, 20.0], [np.nan, 5.0], [5.0, np.inf]]), params)
    assert ok_rays.tolist() == [True, False, False]
    assert np.isnan(rays[1:]).all()


@pytest.mark.parametrize(("model", "params", "size"), CASES)
def test_principal_point_is_optical_axis(model: ModuleType, params, size):
    centre = params[1:3] if model is fisheye624 else params[2:4]
    px, ok = model.project([[0.0, 0.0, 3.0]], params)
    np.testing.assert_array_equal(px[0], centre)
    rays, _ = model.unproject(centre[None], params)
    np.testing.assert_array_equal(rays[0], [0.0, 0.0, 1.0])


@pytest.mark.parametrize(("model", "params", "size"), CASES)
def test_min_z_option(model: ModuleType, params, size):
    _, ok = model.project([[0.0, 0.0, 0.5]], params, min_z=1.0)
    assert not ok[0]
