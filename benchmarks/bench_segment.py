"""Time the segmentation of 100,000 priority profiles (5 directions).

Target: at most 10 s on 2 cores, including the choice of k in 2..8 by the
silhouette and the bootstrap stability of every k.  Run with

    PYTHONPATH=src python benchmarks/bench_segment.py [--n 100000] [--method kmeans]

It prints the time, the ratio to the target (below 1 is within target) and
how well the planted segments were recovered (adjusted Rand index).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from survey_analysis.segment import Segmentation

TARGET_SECONDS = 10.0


def planted_profiles(n: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = np.array(
        [
            [0.30, -0.15, 0.25, -0.25, -0.15],
            [-0.15, 0.30, -0.10, -0.30, 0.25],
            [0.00, -0.15, -0.15, 0.40, -0.10],
            [-0.10, -0.05, 0.35, -0.10, -0.10],
        ]
    )
    truth = rng.integers(0, len(centres), size=n)
    values = centres[truth] + rng.normal(0, 0.06, size=(n, 5))
    index = pd.Index([f"R{i:06d}" for i in range(n)], name="respondent_id")
    return pd.DataFrame(values, columns=[f"SD{i}" for i in range(1, 6)], index=index), truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--method", default="kmeans", choices=["kmeans", "ward", "gmm"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    profiles, truth = planted_profiles(args.n)
    times = []
    for run in range(args.repeat):
        start = time.perf_counter()
        model = Segmentation(args.method, random_state=run).fit(profiles)
        times.append(time.perf_counter() - start)
    best, worst = min(times), max(times)
    print(f"segmentation of {args.n:,} profiles x 5 directions, method={args.method}, k chosen in 2..8")
    print(f"  runs: {', '.join(f'{t:.2f} s' for t in times)}")
    print(f"  worst {worst:.2f} s; ratio to the {TARGET_SECONDS:.0f} s target: {worst / TARGET_SECONDS:.2f}"
          f" ({'within' if worst <= TARGET_SECONDS else 'OVER'} target)")
    print(f"  best {best:.2f} s; k = {model.n_segments_}; "
          f"adjusted Rand index vs planted = {adjusted_rand_score(truth, model.labels_):.3f}")


if __name__ == "__main__":
    main()
