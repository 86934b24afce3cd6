"""Synthetic generation speed: seconds of compute per second of take, and the renderer's culling gain.

Run: ``python perf/bench_synth.py [seconds] [workers]``. Prints the wall time per take-second of
a default-resolution release, and the time of one rendered frame with bounding-sphere culling
against the obvious alternative (every ray against every primitive) on the same frame.
"""

from __future__ import annotations

import functools
import sys
import tempfile
import time

import numpy as np

from egoexo_kit.synth import SynthConfig, generate_release
from egoexo_kit.synth.capture import build_capture
from egoexo_kit.synth.plan import plan_release
from egoexo_kit.synth.sensors._render import _box_t, _capsule_t, _sphere_t, cast_background, render_frame
from egoexo_kit.synth.sensors._take_writer import _dynamic, build_truth
from egoexo_kit.synth.sensors._world import merge_primitives, room_of, static_primitives


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 4.0
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    config = SynthConfig(
        captures=1, takes_per_capture=1, seconds=seconds, scenarios=("bike repair",), workers=workers
    )
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        generate_release(d, config)
        total = time.perf_counter() - t0
    print(
        f"one {seconds:.0f} s take at exo {config.exo_size}, ego {config.ego_size}, "
        f"{config.worker_count} worker(s): {total:.1f} s = {total / seconds:.1f} s per take-second"
    )

    cap = plan_release(config).captures[0]
    world = build_capture(cap, config=config)
    truth = build_truth(world, cap.takes[0])
    for key in (f"{cap.aria_id}/rgb", cap.exo_ids[0]):
        view = truth.views[key]
        rays, valid = view.camera.pixel_rays()
        T = view.T_world_cam[len(view.frame_times) // 2]
        dirs = np.where(valid[:, None], rays, [0.0, 0.0, 1.0]) @ T[:3, :3].T
        groups = _dynamic(world, cap.takes[0], view.frame_times[[len(view.frame_times) // 2]])(0)
        static = static_primitives(world.scene)
        bg = cast_background(T[:3, 3].copy(), dirs, valid, room=room_of(world.scene), static=static.by_id())
        reps = 5
        t0 = time.perf_counter()
        for _ in range(reps):
            render_frame(bg, groups)
        culled = (time.perf_counter() - t0) / reps
        everything = functools.reduce(merge_primitives, [static, *groups])
        origin = T[:3, 3].copy()
        t0 = time.perf_counter()
        nearest = np.minimum.reduce(
            [
                _sphere_t(origin, dirs, everything.spheres).min(axis=1),
                _capsule_t(origin, dirs, everything.capsules).min(axis=1),
                _box_t(origin, dirs, everything.boxes, half=everything.box_half)[0].min(axis=1),
            ]
        )
        naive = time.perf_counter() - t0
        assert nearest.shape == (len(dirs),)
        print(
            f"{key}: culled {culled * 1e3:.1f} ms/frame vs every ray × every primitive {naive * 1e3:.1f} ms "
            f"(ratio {naive / culled:.1f}x)"
        )


if __name__ == "__main__":
    main()
