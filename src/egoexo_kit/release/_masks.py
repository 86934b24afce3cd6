"""The relation-mask codec of the release (FORMAT §7.6): COCO compressed RLE inside URI-safe LZString.

``encodedMask = LZString.compressToEncodedURIComponent(rle_counts)`` where ``rle_counts`` is the
pycocotools compressed counts string of the mask in column-major order, ``size = [height, width]``.
"""

from __future__ import annotations

import lzstring
import numpy as np
from pycocotools import mask as mask_utils

__all__ = ["decode_mask", "encode_mask"]

_LZ = lzstring.LZString()


def encode_mask(mask: np.ndarray) -> str:
    """Encode a ``(H, W)`` boolean/0-1 mask as an ``encodedMask`` string, byte-compatible with the release."""
    m = np.asarray(mask)
    if m.ndim != 2:
        raise ValueError(f"mask must be 2-D (H, W), got shape {m.shape}")
    rle = mask_utils.encode(np.asfortranarray(m.astype(np.uint8)))
    return _LZ.compressToEncodedURIComponent(rle["counts"].decode("ascii"))


def decode_mask(encoded: str, *, height: int, width: int) -> np.ndarray:
    """Decode an ``encodedMask`` string to a ``(height, width)`` bool array.

    Raises:
        ValueError: the string does not decompress, or its run lengths do not add up to ``height * width``.
    """
    counts = _LZ.decompressFromEncodedURIComponent(encoded.replace(" ", "+"))
    if not counts:
        raise ValueError("encodedMask does not decompress (not URI-component LZString)")
    rle = {"size": [int(height), int(width)], "counts": counts.encode("ascii")}
    try:
        m = mask_utils.decode(rle)
    except Exception as e:  # pycocotools raises bare Exceptions on malformed counts
        raise ValueError(f"RLE counts do not decode at size {height}x{width}: {e}") from e
    if m.shape != (height, width) or mask_utils.encode(np.asfortranarray(m))["counts"] != rle["counts"]:
        raise ValueError(f"RLE run lengths do not cover exactly {height}x{width} pixels")
    return m.astype(bool)
