"""Backbones behind one small interface: windows of frames in, one vector per window out.

- ``stats``: model-free colour and motion statistics (no weights; a baseline and a test backbone).
- a TorchScript or pickled ``torch.nn.Module`` file, or an ONNX model file, loaded from a local path.
- ``ppocr-det``: a real pretrained vision network whose weights ship inside a PyPI wheel
  (the PP-OCRv4 text detector of ``rapidocr-onnxruntime``; see :func:`packaged_model_path`).

Nothing is ever downloaded. Every backbone resizes frames in :meth:`Backbone.prepare` (run in the
decode thread) and embeds whole windows in :meth:`Backbone.embed` (run on the chosen device).
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

__all__ = [
    "Backbone",
    "OnnxBackbone",
    "StatsBackbone",
    "TorchBackbone",
    "load_backbone",
    "packaged_model_path",
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

    def embed(self, windows: np.ndarray) -> np.ndarray:
        """``(B, T, h, w, 3)`` uint8 prepared windows → ``(B, dim)`` float32."""
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

    def embed(self, windows: np.ndarray) -> np.ndarray:
        """Colour statistics and motion energy per grid cell, in [0, 1] units."""
        x = torch.from_numpy(windows).to(self.device).float().div_(255.0)  # (B, T, h, w, 3)
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

    def _nchw(self, windows: np.ndarray) -> np.ndarray:
        """``(B, T, h, w, 3)`` uint8 → ``(B*T, 3, h, w)`` float32 normalized."""
        x = windows.reshape(-1, *windows.shape[2:]).astype(np.float32) / 255.0
        if self.bgr:
            x = x[..., ::-1]
        x = (x - np.asarray(self.mean, np.float32)) / np.asarray(self.std, np.float32)
        return np.ascontiguousarray(x.transpose(0, 3, 1, 2))

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

    def embed(self, windows: np.ndarray) -> np.ndarray:
        """Run the model on the device without gradients."""
        b, t = windows.shape[:2]
        x = torch.from_numpy(self._nchw(windows)).to(self.device)
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

    def embed(self, windows: np.ndarray) -> np.ndarray:
        """Run every frame, average each window's pooled outputs."""
        b, t = windows.shape[:2]
        out = self._session.run([self._output], {self._input: self._nchw(windows)})[0]
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
