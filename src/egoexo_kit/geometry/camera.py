"""A calibrated camera: model name, parameters and image size, with project/unproject and pixel rays."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from egoexo_kit.geometry import fisheye624, kb3, pinhole

__all__ = ["Camera", "ModelName"]

ModelName = Literal["kb3", "fisheye624", "pinhole"]
_MODELS: dict[str, ModuleType] = {"kb3": kb3, "fisheye624": fisheye624, "pinhole": pinhole}
# Which parameters are (fx, cx) / (fy, cy)-like and scale with the image: index lists per model.
_X_SCALED = {"kb3": (0, 2), "fisheye624": (0, 1), "pinhole": (0, 2)}
_Y_SCALED = {"kb3": (1, 3), "fisheye624": (2,), "pinhole": (1, 3)}
_CENTRES = {"kb3": (2, 3), "fisheye624": (1, 2), "pinhole": (2, 3)}


@dataclass(frozen=True)
class Camera:
    """Intrinsics of one image space: ``model`` + ``params`` valid for ``width x height`` pixels.

    Pixels are ``(x, y)`` with the origin at the centre of the top-left pixel (DESIGN §2).
    """

    model: ModelName
    params: np.ndarray = field(repr=False)
    width: int
    height: int

    def __post_init__(self) -> None:
        if self.model not in _MODELS:
            raise ValueError(f"unknown camera model {self.model!r}; supported: {sorted(_MODELS)}")
        p = np.asarray(self.params, dtype=np.float64)
        want = _MODELS[self.model].NUM_PARAMS
        if p.shape != (want,):
            raise ValueError(f"{self.model} needs {want} parameters, got shape {p.shape}")
        object.__setattr__(self, "params", p)

    def project(self, points_cam: ArrayLike, *, inside: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Pixels of camera-frame points ``(..., N, 3)`` and validity (in front, in range, in the image)."""
        px, valid = _MODELS[self.model].project(points_cam, self.params)
        if inside:
            x, y = px[..., 0], px[..., 1]
            with np.errstate(invalid="ignore"):
                valid = valid & (x >= -0.5) & (y >= -0.5) & (x <= self.width - 0.5) & (y <= self.height - 0.5)
        return px, valid

    def unproject(self, px: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Unit rays ``(..., N, 3)`` in the camera frame for pixels ``(..., N, 2)``, with validity."""
        return _MODELS[self.model].unproject(px, self.params)

    def pixel_rays(self) -> tuple[np.ndarray, np.ndarray]:
        """Rays of every pixel centre, row-major: ``(H*W, 3)`` unit directions and ``(H*W,)`` validity."""
        ys, xs = np.mgrid[0 : self.height, 0 : self.width]
        px = np.stack([xs.ravel(), ys.ravel()], axis=-1).astype(np.float64)
        return self.unproject(px)

    def scaled(self, *, width: int, height: int) -> Camera:
        """The same camera for a resized image (pixel areas aligned: ``c' = (c + 0.5) s - 0.5``)."""
        sx, sy = width / self.width, height / self.height
        p = self.params.copy()
        if self.model == "fisheye624" and not np.isclose(sx, sy, rtol=1e-3):
            raise ValueError("fisheye624 has one focal length: resize with the same factor on both axes")
        for i in _X_SCALED[self.model]:
            p[i] *= sx
        for i in _Y_SCALED[self.model]:
            p[i] *= sy
        cx, cy = _CENTRES[self.model]
        p[cx] += 0.5 * sx - 0.5
        p[cy] += 0.5 * sy - 0.5
        return Camera(self.model, p, width, height)
