"""Columnar CSV reading: egoexo-kit's pyarrow reader vs numpy.loadtxt and the csv module, same file.

Run: ``python perf/bench_csv.py [rows]``. Prints seconds and ratios (higher ratio = we are faster).
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from egoexo_kit.release import read_closed_loop_trajectory


def write_trajectory(path: Path, rows: int) -> None:
    rng = np.random.default_rng(0)
    header = (
        "graph_uid,tracking_timestamp_us,utc_timestamp_ns,tx_world_device,ty_world_device,tz_world_device,"
        "qx_world_device,qy_world_device,qz_world_device,qw_world_device,device_linear_velocity_x_device,"
        "device_linear_velocity_y_device,device_linear_velocity_z_device,angular_velocity_x_device,"
        "angular_velocity_y_device,angular_velocity_z_device,gravity_x_world,gravity_y_world,gravity_z_world,"
        "quality_score"
    )
    vals = rng.normal(size=(rows, 16))
    q = rng.normal(size=(rows, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    vals[:, 3:7] = q
    ts = 149_202_610 + np.arange(rows) * 1000
    with path.open("w", encoding="utf-8") as f:
        f.write(header + "\n")
        for t, v in zip(ts, vals, strict=True):
            cells = ",".join(f"{x:.6f}" for x in v)
            f.write(f"ea7288b8-b6a0-012d-8156-257aba6bd796,{t},-1,{cells},0.5\n")


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "closed_loop_trajectory.csv"
        write_trajectory(path, rows)

        def ours() -> None:
            traj = read_closed_loop_trajectory(path)
            _ = traj.tracking_timestamp_us, traj.t_world_device, traj.q_world_device

        def loadtxt() -> None:
            np.loadtxt(path, delimiter=",", skiprows=1, usecols=range(1, 20))

        def csv_module() -> None:
            with path.open(encoding="utf-8") as f:
                r = csv.reader(f)
                next(r)
                cols = list(zip(*r, strict=True))
                _ = np.array(cols[1], dtype=np.int64), np.array(cols[3:10], dtype=np.float64)

        t_ours = min(timed(ours) for _ in range(3))
        t_np = min(timed(loadtxt) for _ in range(2))
        t_csv = min(timed(csv_module) for _ in range(2))
    print(f"closed_loop_trajectory.csv, {rows} rows")
    print(f"  egoexo-kit read_closed_loop_trajectory: {t_ours:.3f} s")
    print(f"  numpy.loadtxt:                          {t_np:.3f} s  (ratio {t_np / t_ours:.1f}x)")
    print(f"  csv module + numpy:                     {t_csv:.3f} s  (ratio {t_csv / t_ours:.1f}x)")


if __name__ == "__main__":
    main()
