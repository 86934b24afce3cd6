"""Backbones behind one small interface: windows of frames in, one vector per window out.

- ``stats``: model-free colour and motion statistics (no weights; a baseline and a test backbone).
- a TorchScript or pickled ``torch.nn.Module`` file, or an ONNX model file, loaded from a local path.
- ``ppocr-det``: a real pretrained vision network whose weights ship inside a PyPI wheel
  (the PP-OCRv4 text detector of ``rapidocr-onnxruntime``; see :func:`packaged_model_path`).

Nothing is ever downloaded. Every backbone resizes frames in :meth:`Backbone.prepare` (run in the
decode thread) and embeds whole windows in :meth:`Backbone.embed` (run on the chosen device). Frames
decoded on the GPU are resized there by :meth:`Backbone.prepare_frames` (the same resize and crop in
torch) and reach ``embed`` as device tensors, never copied through host memory (ONNX models excepted:
onnxruntime takes host arrays, so their small prepared crops are copied).
"""

from __future__ import annotations

import importlib.util
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

import torch
from egoexo_kit.errors import EgoExoKitError, FormatError, MissingExtraError
from egoexo_kit.extras import require
from egoexo_kit.video import check_cuda_decoding

__all__ = [
    "Backbone",
    "OnnxBackbone",
    "StatsBackbone",
    "TorchBackbone",
    "load_backbone",
    "packaged_model_path",
    "resolve_decode_device",
    "resolve_device",
]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class Backbone(Protocol):
    """Frames → vectors. ``prepare`` runs beside decoding, ``embed`` on the device."""

    name: str
    """Recorded in ``config.yaml`` as the backbone."""
    input_size: tuple[int, int]
    """``(height, width)`` of the frames :meth:`prepare` returns."""

    @property
    def dim(self) -> int:
        """Length of the vectors :meth:`embed` returns."""
        ...

    def prepare(self, frame: np.ndarray) -> np.ndarray:
        """One ``(H, W, 3)`` uint8 RGB frame → ``input_size`` uint8 RGB (short side resize + centre crop)."""
        ...

    def prepare_frames(self, frames: torch.Tensor) -> torch.Tensor:
        """``(T, 3, H, W)`` uint8 RGB frames on any device → ``(T, h, w, 3)`` uint8 on that device.

        What :meth:`prepare` does, in torch, for frames decoded on the GPU (see :func:`resize_crop_frames`).
        """
        ...

    def embed(self, windows: np.ndarray | torch.Tensor) -> np.ndarray:
        """``(B, T, h, w, 3)`` uint8 prepared windows (host array or device tensor) → ``(B, dim)`` float32."""
        ...

    def describe(self) -> dict[str, Any]:
        """Details for ``config.yaml`` (model file, output, normalization)."""
        ...


def resolve_device(device: str) -> str:
    """``"auto"`` → ``"cuda"`` when torch sees a GPU, else ``"cpu"``; ``"cuda"`` without one is an error."""
    if device not in ("auto", "cpu", "cuda"):
        raise ValueError(f"unknown device {device!r}; use auto, cpu or cuda")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise EgoExoKitError("--device cuda asked for, but torch sees no CUDA device (use cpu or auto)")
    return device


def resolve_decode_device(decode_device: str, *, model_device: str) -> str:
    """Where videos are decoded for a model on ``model_device``: ``"cpu"`` (PyAV) or ``"cuda"`` (NVDEC).

    ``"auto"`` decodes on the GPU when the model runs there and decoding there works (the ``[gpu]``
    extra with torchcodec's CUDA build), else on the CPU; ``"cuda"`` insists, and fails with one line
    naming what is missing.

    Raises:
        ValueError: ``decode_device`` is not ``auto``, ``cpu`` or ``cuda``.
        MissingExtraError, EgoExoKitError: ``"cuda"`` asked for and torchcodec or CUDA is missing
            (see :func:`egoexo_kit.video.check_cuda_decoding`).
    """
    if decode_device not in ("auto", "cpu", "cuda"):
        raise ValueError(f"unknown decode device {decode_device!r}; use auto, cpu or cuda")
    if decode_device == "cuda":
        check_cuda_decoding("cuda")
        return "cuda"
    if decode_device == "cpu" or model_device != "cuda":
        return "cpu"
    try:
        check_cuda_decoding("cuda")
    except EgoExoKitError:
        return "cpu"
    return "cuda"


def _as_tensor(windows: np.ndarray | torch.Tensor, device: str) -> torch.Tensor:
    """A host array or a tensor on any device, as a tensor on ``device`` (no copy when already there)."""
    return torch.as_tensor(windows).to(device)


def _area_weights(n_in: int, n_out: int, *, device: torch.device) -> torch.Tensor:
    """``(n_out, n_in)`` weights of an area (box) shrink: each output pixel averages the input it covers.

    Fractional coverage at the edges, as OpenCV's ``INTER_AREA``; an integer factor is a block mean.
    """
    step = n_in / n_out
    edges = torch.arange(n_out + 1, dtype=torch.float64, device=device) * step
    j = torch.arange(n_in, dtype=torch.float64, device=device)
    cover = torch.minimum(edges[1:, None], j[None] + 1) - torch.maximum(edges[:-1, None], j[None])
    return (cover.clamp_(min=0) / step).float()


def resize_crop_frames(frames: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """:func:`resize_crop` for a ``(T, 3, H, W)`` uint8 batch in torch, on its own device → ``(T, h, w, 3)``.

    Area averaging when shrinking (OpenCV's ``INTER_AREA`` as two small matrix products), bilinear when
    enlarging, as :func:`resize_crop` does; the two agree to within one level per pixel (rounding).
    """
    h, w = frames.shape[-2:]
    th, tw = size
    scale = max(th / h, tw / w)
    nh, nw = max(th, round(h * scale)), max(tw, round(w * scale))
    x = frames.float()
    if (nh, nw) != (h, w):
        if scale < 1:
            rows = _area_weights(h, nh, device=x.device)
            cols = _area_weights(w, nw, device=x.device)
            x = rows @ x @ cols.T
        else:
            x = torch.nn.functional.interpolate(x, size=(nh, nw), mode="bilinear", align_corners=False)
    y, x0 = (nh - th) // 2, (nw - tw) // 2
    x = x[:, :, y : y + th, x0 : x0 + tw].round_().clamp_(0, 255).to(torch.uint8)
    return x.permute(0, 2, 3, 1).contiguous()


def resize_crop(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Scale the frame to cover ``size`` (``(h, w)``), then crop its centre (the official preprocessing)."""
    h, w = frame.shape[:2]
    th, tw = size
    scale = max(th / h, tw / w)
    nh, nw = max(th, round(h * scale)), max(tw, round(w * scale))
    resized = cv2.resize(frame, (nw, nh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    y, x = (nh - th) // 2, (nw - tw) // 2
    return np.ascontiguousarray(resized[y : y + th, x : x + tw])


@dataclass
class StatsBackbone:
    """Model-free baseline, no weights: colour and motion statistics per cell of a coarse grid.

    Per cell of a ``grid × grid`` split of each 32×32 frame: the window's mean and standard deviation
    of R, G, B and its mean absolute frame-to-frame change (motion).

    ``dim = grid² × 7``. Deterministic, cheap, and a fair sanity baseline for time-aligned readers.
    """

    grid: int = 4
    device: str = "cpu"
    name: str = "stats"
    input_size: tuple[int, int] = (32, 32)

    @property
    def dim(self) -> int:
        """``grid² × 7`` (3 means, 3 standard deviations, 1 motion energy per cell)."""
        return self.grid * self.grid * 7

    def prepare(self, frame: np.ndarray) -> np.ndarray:
        """Area-resize and centre-crop to 32×32."""
        return resize_crop(frame, self.input_size)

    def prepare_frames(self, frames: torch.Tensor) -> torch.Tensor:
        """Area-resize and centre-crop a batch to 32×32, on its device."""
        return resize_crop_frames(frames, self.input_size)

    def embed(self, windows: np.ndarray | torch.Tensor) -> np.ndarray:
        """Colour statistics and motion energy per grid cell, in [0, 1] units."""
        x = _as_tensor(windows, self.device).float().div_(255.0)  # (B, T, h, w, 3)
        b, t, h, w, c = x.shape
        g = self.grid
        cells = x.reshape(b, t, g, h // g, g, w // g, c).permute(0, 2, 4, 6, 1, 3, 5).reshape(b, g * g, c, -1)
        mean, std = cells.mean(-1), cells.std(-1, correction=0)
        gray = x.mean(-1)  # (B, T, h, w)
        diff = (gray[:, 1:] - gray[:, :-1]).abs() if t > 1 else torch.zeros_like(gray)
        motion = diff.reshape(b, -1, g, h // g, g, w // g).mean(dim=(1, 3, 5)).reshape(b, g * g, 1)
        return torch.cat([mean, std, motion], dim=-1).reshape(b, -1).cpu().numpy().astype(np.float32)

    def describe(self) -> dict[str, Any]:
        """Grid size and the statistics computed."""
        return {"kind": "model-free", "grid": self.grid, "per_cell": "mean RGB, std RGB, motion"}


def _pool(out: np.ndarray, *, b: int, t: int) -> np.ndarray:
    """Per-frame outputs ``(B*T, D[, h, w])`` → ``(B, D)``: spatial then temporal average."""
    if out.ndim == 4:
        out = out.mean(axis=(2, 3))
    if out.ndim != 2:
        raise FormatError(f"backbone output must be (N, D) or (N, D, h, w), got shape {out.shape}")
    return out.reshape(b, t, -1).mean(axis=1).astype(np.float32)


@dataclass
class _ModelFile:
    """Shared parts of model-file backbones: the file, input handling and the probed output length.

    Input handling: resize and centre crop, scale to [0, 1], mean/std, optional B, G, R order.
    """

    path: Path = Path()
    device: str = "cpu"
    name: str = ""
    size: int = 224
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD
    bgr: bool = False
    """Feed channels as B, G, R (models trained on OpenCV-read images)."""
    _dim: int | None = field(default=None, init=False, repr=False)

    def _check_file(self) -> None:
        self.path = Path(self.path)
        self.name = self.name or self.path.name
        if not self.path.is_file():
            raise FormatError("model file does not exist", path=self.path)

    @property
    def dim(self) -> int:
        """Found by running one blank window (of ``_probe_frames`` frames) through the model."""
        if self._dim is None:
            probe = np.zeros((1, self._probe_frames, *self.input_size, 3), np.uint8)
            self._dim = self.embed(probe).shape[1]  # type: ignore[attr-defined]
        return self._dim

    @property
    def _probe_frames(self) -> int:
        return 1

    @property
    def input_size(self) -> tuple[int, int]:
        """Square ``size × size`` crops."""
        return (self.size, self.size)

    def prepare(self, frame: np.ndarray) -> np.ndarray:
        """Short-side resize and centre crop to ``size × size``."""
        return resize_crop(frame, self.input_size)

    def prepare_frames(self, frames: torch.Tensor) -> torch.Tensor:
        """Short-side resize and centre crop of a batch to ``size × size``, on its device."""
        return resize_crop_frames(frames, self.input_size)

    def _nchw(self, windows: np.ndarray | torch.Tensor, device: str) -> torch.Tensor:
        """``(B, T, h, w, 3)`` uint8 → ``(B*T, 3, h, w)`` float32 normalized, on ``device``."""
        x = _as_tensor(windows, device)
        x = x.reshape(-1, *x.shape[2:]).float() / 255.0
        if self.bgr:
            x = x.flip(-1)
        mean = torch.tensor(self.mean, dtype=torch.float32, device=x.device)
        std = torch.tensor(self.std, dtype=torch.float32, device=x.device)
        return ((x - mean) / std).permute(0, 3, 1, 2).contiguous()

    def _norm_info(self) -> dict[str, Any]:
        return {"size": self.size, "mean": list(self.mean), "std": list(self.std), "bgr": self.bgr}


@dataclass
class TorchBackbone(_ModelFile):
    """A local TorchScript file (``torch.jit.save``) or a pickled ``nn.Module`` (``torch.save(model)``).

    Per-frame models get ``(B*T, 3, h, w)`` and their ``(B*T, D)`` or ``(B*T, D, h', w')`` outputs are
    averaged over space and the window; with ``clip=True`` the model gets ``(B, 3, T, h, w)`` video clips
    (the Omnivore convention) and returns ``(B, D)``.
    """

    clip: bool = False
    _model: Any = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._check_file()
        try:
            with warnings.catch_warnings():  # TorchScript is deprecated upstream, but users have such files
                warnings.simplefilter("ignore", DeprecationWarning)
                model = torch.jit.load(str(self.path), map_location=self.device)
        except RuntimeError:
            try:  # a full pickled module: the user's own local file, so unpickling it is their choice
                model = torch.load(self.path, map_location=self.device, weights_only=False)  # noqa: S614
            except Exception as e:
                raise FormatError(f"not a TorchScript or pickled torch module: {e}", path=self.path) from e
        if not callable(model):
            raise FormatError(f"file holds a {type(model).__name__}, not a torch module", path=self.path)
        self._model = model.eval() if hasattr(model, "eval") else model

    @property
    def _probe_frames(self) -> int:
        return 2 if self.clip else 1

    def embed(self, windows: np.ndarray | torch.Tensor) -> np.ndarray:
        """Run the model on the device without gradients."""
        b, t = windows.shape[:2]
        x = self._nchw(windows, self.device)
        if self.clip:
            x = x.reshape(b, t, *x.shape[1:]).transpose(1, 2)
        with torch.inference_mode():
            out = self._model(x)
        out = out.float().cpu().numpy()
        return out.astype(np.float32) if self.clip else _pool(out, b=b, t=t)

    def describe(self) -> dict[str, Any]:
        """Model file and input handling."""
        return {"kind": "torch", "model": str(self.path), "clip": self.clip, **self._norm_info()}


@dataclass
class OnnxBackbone(_ModelFile):
    """An ONNX image model from a local file, run with onnxruntime (CUDA provider on ``device="cuda"``).

    ``output`` picks any tensor of the graph, not only a declared output (needs the ``onnx`` package),
    so the pooled activations of an inner layer can serve as features.
    """

    output: str | None = None
    _session: Any = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        ort = require("onnxruntime", extra="onnx", what="an ONNX backbone")

        self._check_file()
        model: bytes | str = str(self.path)
        probe = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
        declared = [o.name for o in probe.get_outputs()]
        if self.output is not None and self.output not in declared:
            model = self._expose(self.output)
        providers = ["CPUExecutionProvider"]
        if self.device == "cuda":
            providers.insert(0, "CUDAExecutionProvider")
        self._session = ort.InferenceSession(model, providers=providers)
        self._input = self._session.get_inputs()[0].name
        self._output = self.output or declared[0]

    def _expose(self, name: str) -> bytes:
        """The model with inner tensor ``name`` added to its outputs."""
        onnx = require("onnx", extra="onnx", what="an inner ONNX output")

        proto = onnx.load(str(self.path))
        if not any(name in n.output for n in proto.graph.node):
            raise FormatError(f"the ONNX graph has no tensor named {name!r}", path=self.path)
        proto.graph.output.append(onnx.ValueInfoProto(name=name))
        return proto.SerializeToString()

    def embed(self, windows: np.ndarray | torch.Tensor) -> np.ndarray:
        """Run every frame, average each window's pooled outputs (onnxruntime takes host arrays)."""
        b, t = windows.shape[:2]
        out = self._session.run([self._output], {self._input: self._nchw(windows, "cpu").numpy()})[0]
        return _pool(np.asarray(out, np.float32), b=b, t=t)

    def describe(self) -> dict[str, Any]:
        """Model file, tensor used and input handling."""
        return {"kind": "onnx", "model": str(self.path), "output": self._output, **self._norm_info()}


_PACKAGED = {
    # name: (module, file inside the module, inner tensor, input handling)
    "ppocr-det": ("rapidocr_onnxruntime", "models/ch_PP-OCRv4_det_infer.onnx", "p2o.Concat.1", {"bgr": True}),
}
"""Pretrained models whose weights ship inside a registry wheel (``--no-deps`` install: docs/install.md)."""


def packaged_model_path(name: str) -> Path:
    """The model file of packaged backbone ``name`` inside its installed wheel.

    Raises:
        MissingExtraError: the package that ships it is not installed (the message says how to install it).
    """
    module, rel, _, _ = _PACKAGED[name]
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise MissingExtraError(
            f"backbone {name!r} uses the weights shipped in {module.replace('_', '-')}: "
            f"pip install --no-deps {module.replace('_', '-')}==1.4.4 (and 'egoexo-kit[onnx]')"
        )
    path = Path(spec.origin).parent / rel
    if not path.is_file():
        raise FormatError(f"{module} is installed but does not ship {rel}", path=path)
    return path


def load_backbone(spec: str, *, device: str = "cpu", size: int | None = None) -> Backbone:
    """A backbone from a name or a local model file.

    Args:
        spec: ``stats`` (model-free), ``ppocr-det`` (packaged pretrained ONNX), or a path to a
            ``.onnx`` file, a TorchScript/pickled module (``.pt``, ``.pth``, ``.ts``, ``.jit``), with
            ``:clip`` appended for a video model fed ``(B, 3, T, h, w)``, or ``@tensor`` after an ONNX
            path to pool an inner tensor (``model.onnx@features``).
        device: ``cpu`` or ``cuda`` (already resolved, see :func:`resolve_device`).
        size: square input side for model backbones (default 224).

    Raises:
        ValueError: ``spec`` is neither a known name nor a model file path.
    """
    sized = {"size": size} if size else {}
    if spec == "stats":
        return StatsBackbone(device=device)
    if spec in _PACKAGED:
        _, _, output, opts = _PACKAGED[spec]
        return OnnxBackbone(
            path=packaged_model_path(spec), output=output, device=device, name=spec, **opts, **sized
        )
    clip = spec.endswith(":clip")
    path_spec = spec.removesuffix(":clip")
    path_str, _, output = path_spec.partition("@")
    suffix = Path(path_str).suffix.lower()
    if suffix == ".onnx":
        return OnnxBackbone(path=Path(path_str), output=output or None, device=device, **sized)
    if suffix in (".pt", ".pth", ".ts", ".jit"):
        return TorchBackbone(path=Path(path_str), clip=clip, device=device, **sized)
    known = ", ".join(["stats", *_PACKAGED])
    raise ValueError(f"unknown backbone {spec!r}: use {known}, or a .onnx/.pt/.pth/.ts model file path")
