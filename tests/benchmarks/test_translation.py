"""Translation: registered mask metrics, missing predictions, SSIM/PSNR against scikit-image."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from egoexo_kit.benchmarks import InvalidSubmission, evaluate
from egoexo_kit.benchmarks.translation import psnr, ssim


def write_mask(path, mask):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(mask.astype(np.uint8) * 255, mode="L").save(path)


def rect(y0, y1, x0, x1, size=256):
    m = np.zeros((size, size), dtype=bool)
    m[y0:y1, x0:x1] = True
    return m


def test_registered_metrics_hand_computed(tmp_path):
    gt, pred = tmp_path / "ground-truths", tmp_path / "predictions"
    write_mask(gt / "a-cam01-obj-0.png", rect(10, 50, 10, 50))
    write_mask(pred / "a-cam01-obj-0.png", rect(110, 150, 40, 80))  # same shape, moved (30, 100)
    write_mask(gt / "a-cam01-obj-30.png", rect(0, 0, 0, 0))  # empty GT: visibility only
    write_mask(pred / "a-cam01-obj-30.png", rect(0, 0, 0, 0))
    write_mask(gt / "a-cam01-obj-60.png", rect(0, 20, 0, 20))  # prediction missing
    res = evaluate("translation", gt, pred)
    m = res.metrics
    assert m["iou"] == pytest.approx((1.0 + 0.0) / 2)
    assert m["contour_accuracy"] == pytest.approx((1.0 + 0.0) / 2)
    assert m["location_error"] == pytest.approx((math.hypot(30, 100) / math.hypot(256, 256) + 1.0) / 2)
    # visible: GT {True, False, True}, predicted {True, False, False}
    assert m["visibility_balanced_accuracy"] == pytest.approx((0.5 + 1.0) / 2)
    assert res.breakdown["missing_predictions"] == 1
    assert res.breakdown["visible_frames"] == 2


def test_masks_resized_to_256_nearest_and_thresholded(tmp_path):
    gt, pred = tmp_path / "g", tmp_path / "p"
    big = np.zeros((512, 512), dtype=np.uint8)
    big[0:100, 0:100] = 200
    Image.fromarray(big, mode="L").save((gt.mkdir() or gt) / "x.png")
    small = np.zeros((256, 256), dtype=np.uint8)
    small[0:50, 0:50] = 128  # > 127: foreground
    Image.fromarray(small, mode="L").save((pred.mkdir() or pred) / "x.png")
    assert evaluate("translation", gt, pred).metrics["iou"] == 1.0


def test_unreadable_prediction_is_refused(tmp_path):
    gt, pred = tmp_path / "g", tmp_path / "p"
    write_mask(gt / "x.png", rect(0, 10, 0, 10))
    pred.mkdir()
    (pred / "x.png").write_bytes(b"not a png")
    with pytest.raises(InvalidSubmission) as info:
        evaluate("translation", gt, pred)
    assert info.value.problems[0].where == "/x.png"


def test_ssim_psnr_match_scikit_image_and_clip_mode(tmp_path):
    metrics = pytest.importorskip("skimage.metrics")
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, size=(256, 256, 3), dtype=np.uint8)
    b = np.clip(a.astype(int) + rng.integers(-30, 30, size=a.shape), 0, 255).astype(np.uint8)
    assert ssim(a, b) == pytest.approx(metrics.structural_similarity(a, b, channel_axis=2), rel=1e-9)
    assert psnr(a, b) == pytest.approx(metrics.peak_signal_noise_ratio(a, b), rel=1e-12)
    gt, pred = tmp_path / "g", tmp_path / "p"
    gt.mkdir()
    pred.mkdir()
    Image.fromarray(a).save(gt / "1.png")
    Image.fromarray(b).save(pred / "1.png")
    Image.fromarray(a).save(gt / "2.png")  # missing prediction: ssim = psnr = 0
    res = evaluate("translation", gt, pred, clip=True)
    assert res.metrics["ssim"] == pytest.approx(
        metrics.structural_similarity(a, b, channel_axis=2) / 2, rel=1e-9
    )
    assert res.metrics["psnr"] == pytest.approx(metrics.peak_signal_noise_ratio(a, b) / 2, rel=1e-9)
