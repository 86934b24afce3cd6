"""CudaVideoReader: our index → pts → the GPU decoder's frame, and its refusals, tested without a GPU.

The mapping is two plain functions (:func:`frame_mappings` hands torchcodec our PTS table,
:func:`check_decoded_pts` refuses any other frame coming back), tested with hand-made tables. Where
torchcodec imports (CPU wheel and a system FFmpeg; CI has neither, so those tests skip), the same reader
runs on torchcodec's CPU decoder and must give VideoReader's frames exactly, on B-frame, long-GOP,
edit-list (start pts) and real-release files.
"""

from __future__ import annotations

import json
import re
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from tests.video.test_reader import KINDS, read_stamp, reference, write_video

from egoexo_kit.errors import EgoExoKitError, FormatError, FrameIndexError, MissingExtraError
from egoexo_kit.video import CudaVideoReader, VideoReader, check_cuda_decoding
from egoexo_kit.video._cuda import check_decoded_pts, frame_mappings

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real_release" / "takes"


def _torchcodec_cpu() -> None:
    """Skip unless torchcodec's CPU decoder is usable here (never on CI)."""
    try:
        check_cuda_decoding("cpu")
    except EgoExoKitError as e:
        pytest.skip(f"torchcodec is not usable here: {e}")


# ------------------------------------------------------------------------------ the mapping, plain
def test_frame_mappings_list_our_table_in_display_order():
    got = json.loads(frame_mappings(np.array([0, 512, 1024, 2048]), np.array([0, 2]), end_pts=2560))
    assert got == {
        "frames": [
            {"pts": 0, "duration": 512, "key_frame": 1},
            {"pts": 512, "duration": 512, "key_frame": 0},
            {"pts": 1024, "duration": 1024, "key_frame": 1},
            {"pts": 2048, "duration": 512, "key_frame": 0},
        ]
    }


@pytest.mark.parametrize(
    ("pts", "end", "match"),
    [
        ([], 10, "non-empty"),
        ([0, 5, 5], 10, "strictly increasing"),
        ([3, 1], 10, "strictly increasing"),
        ([0, 5], 5, "end_pts 5 must be after the last pts 5"),
    ],
)
def test_frame_mappings_refuse_a_table_that_cannot_index_frames(pts, end, match):
    with pytest.raises(ValueError, match=match):
        frame_mappings(np.array(pts, dtype=np.int64), np.array([0]), end_pts=end)


def test_check_decoded_pts_accepts_the_frames_asked_for():
    pts = np.array([1000, 1001, 1002, 1004], dtype=np.int64)
    tb = Fraction(1, 30)
    idx = np.array([3, 0, 0, 2])
    seconds = pts[idx] / 30 + 1e-9  # float rounding of the decoder's pts * time_base
    check_decoded_pts(seconds, idx, pts=pts, time_base=tb, path=Path("v.mp4"))


def test_check_decoded_pts_refuses_a_neighbouring_frame():
    pts = np.array([0, 512, 1024], dtype=np.int64)
    tb = Fraction(1, 15360)
    idx = np.array([0, 2])
    seconds = np.array([0.0, 512 / 15360])  # frame 1 came back where frame 2 was asked for
    with pytest.raises(
        FormatError, match=r"returned the frame at 0\.0333\d* s for frame 2, whose pts 1024"
    ) as e:
        check_decoded_pts(seconds, idx, pts=pts, time_base=tb, path=Path("v.mp4"))
    assert e.value.frame == 2


# ------------------------------------------------------------------------------ missing pieces
def test_missing_torchcodec_names_the_gpu_extra(monkeypatch):
    for name in [m for m in sys.modules if m == "torchcodec" or m.startswith("torchcodec.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "torchcodec", None)
    with pytest.raises(MissingExtraError, match=re.escape("pip install 'egoexo-kit[gpu]'")) as e:
        CudaVideoReader(REAL / "cmu_bike01_2" / "frame_aligned_videos" / "cam01.mp4")
    assert e.value.extra == "gpu"


def test_cuda_without_a_cuda_device_is_one_clear_error():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA device")
    _torchcodec_cpu()
    with pytest.raises(EgoExoKitError, match="needs a CUDA device, and torch sees none"):
        CudaVideoReader(REAL / "cmu_bike01_2" / "frame_aligned_videos" / "cam01.mp4", device="cuda")


# ------------------------------------------------------------------------------ torchcodec's CPU decoder
CASES = ["bframes3", "bframes3-gop250", "start-pts-mp4", "start-pts-mkv"]


@pytest.fixture(scope="module", params=CASES)
def made(request, tmp_path_factory) -> tuple[Path, list[np.ndarray]]:
    spec = dict(KINDS[request.param])
    path = write_video(tmp_path_factory.mktemp(request.param) / ("v" + spec.pop("suffix", ".mp4")), **spec)
    return path, reference(path)


def _hwc(frames) -> np.ndarray:
    return frames.permute(0, 2, 3, 1).cpu().numpy()


def test_random_frames_equal_video_reader_exactly(made):
    _torchcodec_cpu()
    path, ref = made
    order = np.random.default_rng(7).permutation(len(ref))[:60].tolist() + [0, -1, 5, 5]
    with CudaVideoReader(path, device="cpu") as video:
        got = _hwc(video.get_frames_at(order))
        assert len(video) == len(ref)
    want = np.stack([ref[i] for i in order])
    assert np.array_equal(got, want)
    assert [read_stamp(f) for f in got] == [i % len(ref) for i in order]


def test_chunks_and_slices_equal_the_sequential_decode(made):
    _torchcodec_cpu()
    path, ref = made
    with CudaVideoReader(path, device="cpu") as video:
        chunks = list(video.iter_chunks(37))
        assert [len(c) for c in chunks[:-1]] == [37] * (len(chunks) - 1)
        assert np.array_equal(np.concatenate([_hwc(c) for c in chunks]), np.stack(ref))
        assert np.array_equal(_hwc(video[10:20:3]), np.stack(ref[10:20:3]))
        assert np.array_equal(video[-1].permute(1, 2, 0).numpy(), ref[-1])


def test_real_release_files_with_edit_lists():
    _torchcodec_cpu()
    for path in sorted((REAL / "cmu_bike01_2" / "frame_aligned_videos").glob("*.mp4")):
        with VideoReader(path) as cpu, CudaVideoReader(path, device="cpu") as gpu:
            order = list(range(len(cpu)))[::-1]
            assert np.array_equal(_hwc(gpu.get_frames_at(order)), cpu.get_frames_at(order).data), path.name
            assert np.array_equal(gpu.pts, cpu.pts)


def test_index_errors(made):
    _torchcodec_cpu()
    path, ref = made
    n = len(ref)
    with CudaVideoReader(path, device="cpu") as video:
        with pytest.raises(
            FrameIndexError, match=rf"frame index {n} is out of range .* \(valid: -{n}\.\.{n - 1}\)"
        ):
            video.get_frames_at([0, n])
        with pytest.raises(FrameIndexError, match=r"frame range \[5, 5\) is not a non-empty part"):
            video.get_frames_in_range(5, 5)
        with pytest.raises(TypeError, match="got bool"):
            video[True]
        assert tuple(video.get_frames_at([]).shape) == (0, 3, video.metadata.height, video.metadata.width)
