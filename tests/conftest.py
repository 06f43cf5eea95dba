"""Shared test fixtures: seeded random generators, paths, figures closed after each test."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib.pyplot as plt  # noqa: E402
from hypothesis import settings  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

# Property-based tests draw the same examples on every run, so that a test run is reproducible;
# HYPOTHESIS_EXPLORE=1 draws new ones (for looking for new failures, not for CI).
settings.register_profile("reproducible", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile("explore" if os.environ.get("HYPOTHESIS_EXPLORE") else "reproducible")

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SAMPLE = DATA / "sample"
CODEBOOK = DATA / "codebook.yml"
# Real exports and reference data live beside the project, not in it (see README).
FIXTURES = ROOT.parent / "shared" / "fixtures"


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20181212)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    if not FIXTURES.is_dir():
        pytest.skip("../shared/fixtures is not present beside the project")
    return FIXTURES


@pytest.fixture(scope="session")
def sample_survey():
    from survey_analysis import load_responses

    return load_responses(SAMPLE / "google_forms.xlsx", CODEBOOK)
