"""Translation results as the evaluators read them (BENCHMARKS §6): matching PNG names in two folders.

Both subtasks read ``<gt_dir>/*.png`` and ``<pred_dir>/<same name>``, named
``{take_name}-{exo_cam}-{object_name}-{frame_id}.png``, resized to 256×256 with Pillow as the
evaluators do (masks: grayscale ``L``, nearest, foreground > 127; clips: RGB, Pillow's default
filter). A missing prediction is scored as the evaluators score it (not an error); a prediction
file that exists but cannot be read is a problem.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np

from egoexo_kit.benchmarks._common import Problems
from egoexo_kit.errors import FormatError
from egoexo_kit.extras import require
from egoexo_kit.limits import IMAGE_SIDE

__all__ = ["IMG_SIZE", "TranslationPair", "list_pairs", "load_image", "load_mask", "pil_image"]

IMG_SIZE = (256, 256)


class TranslationPair:
    """One GT PNG and its prediction path (``None`` when the prediction file is absent)."""

    __slots__ = ("gt", "name", "pred")

    def __init__(self, name: str, gt: Path, pred: Path | None) -> None:
        self.name = name
        self.gt = gt
        self.pred = pred


def list_pairs(gt_dir: str | Path, pred_dir: str | Path) -> tuple[list[TranslationPair], list[str]]:
    """GT PNGs (sorted) paired with predictions, and the prediction names without a GT file."""
    gt_dir, pred_dir = Path(gt_dir), Path(pred_dir)
    for d, what in ((gt_dir, "ground-truth"), (pred_dir, "prediction")):
        if not d.is_dir():
            raise FormatError(f"{what} folder does not exist", path=d)
    names = sorted(p.name for p in gt_dir.iterdir() if p.name.endswith(".png"))
    pairs = [
        TranslationPair(n, gt_dir / n, (pred_dir / n) if (pred_dir / n).is_file() else None) for n in names
    ]
    extra = sorted(set(p.name for p in pred_dir.iterdir() if p.name.endswith(".png")) - set(names))
    return pairs, extra


def pil_image() -> ModuleType:
    """Pillow's ``PIL.Image`` (extra ``[eval]``): the PNGs are read and written as the evaluators do."""
    return require("PIL.Image", extra="eval", what="the translation benchmark")


def _open(path: Path, mode: str, *, nearest: bool, probs: Problems) -> np.ndarray | None:
    image = pil_image()
    try:
        with image.open(path) as im:
            if max(im.size) > IMAGE_SIDE.value:  # checked before the pixels are decoded
                probs.add(f"/{path.name}", f"{im.size[0]} x {im.size[1]} px is over the {IMAGE_SIDE.env} cap")
                return None
            im = im.convert(mode)
            im = im.resize(IMG_SIZE, resample=image.Resampling.NEAREST) if nearest else im.resize(IMG_SIZE)
            return np.array(im)
    except Exception as e:  # a corrupt PNG raises many classes in Pillow (SyntaxError, zlib.error …)
        probs.add(f"/{path.name}", f"cannot read the image: {e}")
        return None


def load_mask(path: Path, probs: Problems) -> np.ndarray | None:
    """A mask PNG as the track evaluator sees it: ``L``, 256×256 nearest, ``> 127``."""
    arr = _open(path, "L", nearest=True, probs=probs)
    return None if arr is None else arr > 127


def load_image(path: Path, probs: Problems) -> np.ndarray | None:
    """An RGB PNG as the clip evaluator sees it: 256×256 with Pillow's default resize filter, uint8."""
    return _open(path, "RGB", nearest=False, probs=probs)
