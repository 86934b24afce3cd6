"""Video files: exact frame access by index and time, reproducible encoding, downscaling and collages.

:class:`CudaVideoReader` decodes the same frames on the GPU (NVDEC, the ``[gpu]`` extra).

May import: ``release``, ``timeline``.
"""

from __future__ import annotations

from egoexo_kit.video._collage import collage_frame as collage_frame
from egoexo_kit.video._collage import iter_synced as iter_synced
from egoexo_kit.video._collage import write_collage as write_collage
from egoexo_kit.video._cuda import CudaVideoReader as CudaVideoReader
from egoexo_kit.video._cuda import check_cuda_decoding as check_cuda_decoding
from egoexo_kit.video._cut import VideoCut as VideoCut
from egoexo_kit.video._cut import cut_video as cut_video
from egoexo_kit.video._downscale import downscale_release as downscale_release
from egoexo_kit.video._downscale import downscale_video as downscale_video
from egoexo_kit.video._downscale import downscaled_size as downscaled_size
from egoexo_kit.video._downscale import read_rgb_frames as read_rgb_frames
from egoexo_kit.video._downscale import reencode_video as reencode_video
from egoexo_kit.video._encode import encode_video as encode_video
from egoexo_kit.video._frame import Frame as Frame
from egoexo_kit.video._frame import FrameBatch as FrameBatch
from egoexo_kit.video._meta import VideoMeta as VideoMeta
from egoexo_kit.video._meta import probe_video as probe_video
from egoexo_kit.video._open import Opener as Opener
from egoexo_kit.video._optimize import OptimizeResult as OptimizeResult
from egoexo_kit.video._optimize import optimize_release as optimize_release
from egoexo_kit.video._optimize import verify_reencoded as verify_reencoded
from egoexo_kit.video._reader import VideoReader as VideoReader

__all__ = [
    "CudaVideoReader",
    "Frame",
    "FrameBatch",
    "Opener",
    "OptimizeResult",
    "VideoMeta",
    "VideoCut",
    "VideoReader",
    "check_cuda_decoding",
    "collage_frame",
    "cut_video",
    "downscale_release",
    "downscale_video",
    "downscaled_size",
    "encode_video",
    "iter_synced",
    "optimize_release",
    "probe_video",
    "read_rgb_frames",
    "reencode_video",
    "verify_reencoded",
    "write_collage",
]
