"""Micro-benchmark of locate(): the in-process cost of finding the neighborhood of a point.

Target (issue 8): under 50 µs per point for 400 neighborhoods. Builds a synthetic grid of N
neighborhoods (no database needed) and times `NeighborhoodIndex.locate` on random points, then, if a
demo or imported city is in the database, the real index too.

    .venv/bin/python bench/locate_bench.py [--neighborhoods 400] [--points 100000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mahalat.settings")

import django  # noqa: E402

django.setup()

from shapely.geometry import box  # noqa: E402

from mahalat.territory.locate import Located, NeighborhoodIndex, UnitRef, build_index  # noqa: E402


def synthetic_index(count: int) -> tuple[NeighborhoodIndex, tuple[float, float, float, float]]:
    side = int(count**0.5) + 1
    size = 0.2 / side
    entries = []
    for i in range(count):
        x, y = 51.2 + (i % side) * size, 35.6 + (i // side) * size
        ref = UnitRef(i + 1, f"n{i}", f"محله {i}", f"N {i}")
        entries.append((Located(ref, ref, ref, ref), box(x, y, x + size, y + size)))
    extent = (51.2, 35.6, 51.2 + side * size, 35.6 + ((count - 1) // side + 1) * size)
    return NeighborhoodIndex(entries, stamp=0), extent


def time_points(
    index: NeighborhoodIndex, extent: tuple[float, float, float, float], points: int
) -> list[float]:
    rng = random.Random(1405)
    minx, miny, maxx, maxy = extent
    # A tenth of the points fall outside the city, as real traffic does.
    pad_x, pad_y = (maxx - minx) * 0.05, (maxy - miny) * 0.05
    coords = [
        (rng.uniform(miny - pad_y, maxy + pad_y), rng.uniform(minx - pad_x, maxx + pad_x))
        for _ in range(points)
    ]
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        for lat, lng in coords:
            index.locate(lat, lng)
        runs.append((time.perf_counter() - started) / points * 1e6)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--neighborhoods", type=int, default=400)
    parser.add_argument("--points", type=int, default=100_000)
    args = parser.parse_args()

    index, extent = synthetic_index(args.neighborhoods)
    runs = time_points(index, extent, args.points)
    print(
        f"synthetic grid, {len(index)} neighborhoods, {args.points} points × 5 runs: "
        f"median {statistics.median(runs):.1f} µs/point (best {min(runs):.1f}, worst {max(runs):.1f})"
    )

    try:
        real = build_index()
    except Exception as exc:  # no database yet: the synthetic figure is the benchmark
        print(f"database index skipped: {exc}")
        return
    if len(real):
        from shapely.geometry import shape

        from mahalat.territory.models import Neighborhood

        bounds = [
            shape(b).bounds
            for b in Neighborhood.objects.exclude(boundary=None).values_list("boundary", flat=True)
        ]
        real_extent = (
            min(b[0] for b in bounds),
            min(b[1] for b in bounds),
            max(b[2] for b in bounds),
            max(b[3] for b in bounds),
        )
        runs = time_points(real, real_extent, args.points)
        print(
            f"database index, {len(real)} neighborhoods: median {statistics.median(runs):.1f} µs/point "
            f"(best {min(runs):.1f}, worst {max(runs):.1f})"
        )


if __name__ == "__main__":
    main()
