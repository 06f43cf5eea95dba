"""A Google Forms export with planted segments, built from scratch for the segmentation tests.

Each member belongs to one planted segment with its own mean support per direction; answers are
drawn around those means the way the bundled sample draws them (a member's own shift per
direction, an offset per item, answer noise), rounded to the 1-5 levels, negatively worded items
reversed, and the ranking follows the member's own support with noise.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from survey_analysis.codebook import read_codebook

from filebuilders import write_xlsx

__all__ = ["FOUR_SEGMENTS", "write_planted_export"]

#: Four segments of 20-26 members (90 in all) with distinct priorities.
FOUR_SEGMENTS = {
    "research": (26, {"SD1": 4.6, "SD2": 3.2, "SD3": 4.4, "SD4": 2.4, "SD5": 2.7}),
    "network": (22, {"SD1": 3.1, "SD2": 4.6, "SD3": 3.3, "SD4": 2.5, "SD5": 4.5}),
    "policy": (22, {"SD1": 3.8, "SD2": 2.9, "SD3": 3.0, "SD4": 4.7, "SD5": 2.8}),
    "skills": (20, {"SD1": 2.8, "SD2": 3.0, "SD3": 4.7, "SD4": 3.0, "SD5": 3.6}),
}


def write_planted_export(path: Path, segments: dict, *, seed: int = 0, member_sd: float = 0.3,
                         answer_sd: float = 0.55) -> list[str]:
    """Write the export; return each kept row's planted segment, in row order."""
    cb = read_codebook(None)
    rng = np.random.default_rng(seed)
    questions = cb.questions
    likert = cb.likert_items()
    ranking = cb.ranking_question()
    offsets = {item: float(rng.normal(0, 0.15)) for item in likert}
    category = questions["A3"].options
    header = ["Timestamp", "Email Address", questions["A3"].text["en"]]
    for item in likert:
        q = questions[item]
        header.append(f"{q.grid['en']} [{q.text['en']}]" if q.grid else q.text["en"])
    header += [f"{ranking.text['en']} [{o.en}]" for o in ranking.options]
    planted = [name for name, (size, _) in segments.items() for _ in range(size)]
    rng.shuffle(planted)
    rows = []
    start = dt.datetime(2019, 1, 14, 9, 0)
    for i, name in enumerate(planted):
        means = segments[name][1]
        latent = {d: means[d] + rng.normal(0, member_sd) for d in cb.directions}
        row = [start + dt.timedelta(minutes=31 * i), f"member{i}@example.org",
               category[int(rng.integers(len(category)))].en]
        for item in likert:
            q = questions[item]
            value = int(np.clip(np.rint(latent[q.direction] + offsets[item]
                                        + rng.normal(0, answer_sd)), 1, 5))
            if q.reverse:
                value = 6 - value
            row.append(next(level.en for level in cb.scales[q.scale] if level.value == value))
        order = sorted(cb.directions, key=lambda d: -(latent[d] + rng.normal(0, 0.25)))
        row += [str(order.index(o.id) + 1) for o in ranking.options]
        rows.append(row)
    write_xlsx(path, {"Form Responses 1": [header, *rows]})
    return planted
