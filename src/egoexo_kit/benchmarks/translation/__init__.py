"""Ego-exo translation (BENCHMARKS §6): registered mask metrics for track prediction, SSIM/PSNR for clips.

Imports ``benchmarks._common`` / ``_maskmetrics`` only.
"""

from __future__ import annotations

from egoexo_kit.benchmarks.translation.metric import evaluate_translation as evaluate_translation
from egoexo_kit.benchmarks.translation.metric import psnr as psnr
from egoexo_kit.benchmarks.translation.metric import registered_scores as registered_scores
from egoexo_kit.benchmarks.translation.metric import ssim as ssim
from egoexo_kit.benchmarks.translation.submission import list_pairs as list_pairs

__all__ = ["evaluate_translation", "list_pairs", "psnr", "registered_scores", "ssim"]
