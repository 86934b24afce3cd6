"""Batched ``kb3.project`` vs a per-point Python loop and vs ``cv2.fisheye.projectPoints``.

Run: ``python perf/bench_kb3_project.py`` (or ``make bench``). Prints times and ratios; no asserts
(DESIGN §5: these machines are noisy, the ratios are what matter). The loop is timed on 2,000 points and
scaled linearly to the batch size.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import cv2
import numpy as np

from egoexo_kit.geometry import kb3

PARAMS = np.array([1761.275757, 1761.275757, 1920.0, 1080.0, 0.036902, 0.057131, -0.057154, 0.018458])
N_BATCH = 1_000_000
N_LOOP = 2_000


def best_of(fn: Callable[[], object], repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(0)
    points = rng.normal(size=(N_BATCH, 3))
    points[:, 2] = np.abs(points[:, 2]) + 0.2
    K = np.array([[PARAMS[0], 0.0, PARAMS[2]], [0.0, PARAMS[1], PARAMS[3]], [0.0, 0.0, 1.0]])
    cv_points = np.ascontiguousarray(points[:, None, :])
    loop_points = points[:N_LOOP]

    t_batch = best_of(lambda: kb3.project(points, PARAMS))
    t_cv2 = best_of(lambda: cv2.fisheye.projectPoints(cv_points, np.zeros(3), np.zeros(3), K, PARAMS[4:]))
    t_loop = (
        best_of(lambda: [kb3.project(p[None], PARAMS) for p in loop_points], repeats=1) * N_BATCH / N_LOOP
    )

    print(f"kb3.project, {N_BATCH:,} points batched:      {t_batch * 1e3:9.1f} ms")
    print(f"cv2.fisheye.projectPoints, {N_BATCH:,} points: {t_cv2 * 1e3:9.1f} ms")
    print(f"per-point loop ({N_LOOP:,} points, scaled):    {t_loop * 1e3:9.1f} ms")
    print(f"speed-up vs per-point loop: {t_loop / t_batch:8.1f}x")
    print(f"time ratio batched / cv2:   {t_batch / t_cv2:8.2f}")


if __name__ == "__main__":
    main()
