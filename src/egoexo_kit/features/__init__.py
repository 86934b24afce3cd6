"""Pre-extracted video features: the official ``features/<name>/`` layout, time-aligned reading, extraction.

- Read: :class:`FeatureSet` (a model folder, its ``config.yaml`` window/stride in seconds) and
  :class:`FeatureRows` (rows with the take time each window covers); ``take.features(...)`` on the
  facade's takes. Reading ``.pt`` files needs torch (``[torch]``).
- Extract: :func:`extract_features` (every take and view, local processes or Ray) over
  :func:`extract_view` (one (take, view), resumable: the unit a build stage calls). On CUDA the videos
  can be decoded on the GPU too (NVDEC, the ``[gpu]`` extra; :func:`resolve_decode_device`).
- Backbones (frames → vectors): model-free ``stats``, local TorchScript/pickled/ONNX files, and
  ``ppocr-det``, pretrained weights shipped inside a PyPI wheel.

May import: ``release``, ``timeline``, ``video``, ``remote`` (extraction from a mirror). Importing the
extractor needs torch; the layout helpers and :class:`FeatureSet` import without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from egoexo_kit.features._layout import CONFIG_NAME as CONFIG_NAME
from egoexo_kit.features._layout import FeatureConfig as FeatureConfig
from egoexo_kit.features._layout import FeatureKey as FeatureKey
from egoexo_kit.features._layout import feature_path as feature_path
from egoexo_kit.features._layout import num_windows as num_windows
from egoexo_kit.features._layout import parse_feature_name as parse_feature_name
from egoexo_kit.features._layout import read_config as read_config
from egoexo_kit.features._layout import window_starts as window_starts
from egoexo_kit.features._layout import write_config as write_config
from egoexo_kit.features._reader import FeatureRows as FeatureRows
from egoexo_kit.features._reader import FeatureSet as FeatureSet
from egoexo_kit.features._reader import load_tensor as load_tensor
from egoexo_kit.features._reader import row_times as row_times

if TYPE_CHECKING:
    from egoexo_kit.features._backbones import Backbone as Backbone
    from egoexo_kit.features._backbones import OnnxBackbone as OnnxBackbone
    from egoexo_kit.features._backbones import StatsBackbone as StatsBackbone
    from egoexo_kit.features._backbones import TorchBackbone as TorchBackbone
    from egoexo_kit.features._backbones import load_backbone as load_backbone
    from egoexo_kit.features._backbones import packaged_model_path as packaged_model_path
    from egoexo_kit.features._backbones import resolve_decode_device as resolve_decode_device
    from egoexo_kit.features._backbones import resolve_device as resolve_device
    from egoexo_kit.features._extract import ViewJob as ViewJob
    from egoexo_kit.features._extract import ViewResult as ViewResult
    from egoexo_kit.features._extract import embed_video as embed_video
    from egoexo_kit.features._extract import extract_features as extract_features
    from egoexo_kit.features._extract import extract_view as extract_view
    from egoexo_kit.features._extract import feature_views as feature_views
    from egoexo_kit.features._extract import iter_frame_windows as iter_frame_windows
    from egoexo_kit.features._extract import iter_windows as iter_windows

_TORCH_NAMES = {
    "Backbone": "_backbones",
    "OnnxBackbone": "_backbones",
    "StatsBackbone": "_backbones",
    "TorchBackbone": "_backbones",
    "load_backbone": "_backbones",
    "packaged_model_path": "_backbones",
    "resolve_decode_device": "_backbones",
    "resolve_device": "_backbones",
    "ViewJob": "_extract",
    "ViewResult": "_extract",
    "embed_video": "_extract",
    "extract_features": "_extract",
    "extract_view": "_extract",
    "feature_views": "_extract",
    "iter_frame_windows": "_extract",
    "iter_windows": "_extract",
}


def __getattr__(name: str) -> Any:
    """Import the torch-backed extractor on first use, with a clear error when torch is missing."""
    module = _TORCH_NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'egoexo_kit.features' has no attribute {name!r}")
    try:
        import importlib

        return getattr(importlib.import_module(f"egoexo_kit.features.{module}"), name)
    except ImportError as e:
        if e.name != "torch":
            raise
        from egoexo_kit.extras import missing_extra

        raise missing_extra("torch", extra="torch", what=f"features.{name}") from e


__all__ = [
    "CONFIG_NAME",
    "Backbone",
    "FeatureConfig",
    "FeatureKey",
    "FeatureRows",
    "FeatureSet",
    "OnnxBackbone",
    "StatsBackbone",
    "TorchBackbone",
    "ViewJob",
    "ViewResult",
    "embed_video",
    "extract_features",
    "extract_view",
    "feature_path",
    "feature_views",
    "iter_frame_windows",
    "iter_windows",
    "load_backbone",
    "load_tensor",
    "num_windows",
    "packaged_model_path",
    "parse_feature_name",
    "read_config",
    "resolve_decode_device",
    "resolve_device",
    "row_times",
    "window_starts",
    "write_config",
]
