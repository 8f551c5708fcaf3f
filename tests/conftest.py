"""Shared test configuration: Hypothesis profiles and the published-data fixture.

Server fixtures live in ``tests/integration/conftest.py``, not here.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

REPO_ROOT = Path(__file__).resolve().parent.parent
PUBLISHED_ENV = "SPI_PUBLISHED_DIR"
DEFAULT_PUBLISHED_DIR = REPO_ROOT.parent / "shared" / "data" / "spi-published"

# Moderate example counts: the machine is shared. No deadline: timings are not test outcomes.
settings.register_profile("default", max_examples=60, deadline=None)
settings.register_profile("ci", max_examples=60, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def published_directory() -> Path:
    """Where the published results live: $SPI_PUBLISHED_DIR, or ../shared/data/spi-published/."""
    configured = os.environ.get(PUBLISHED_ENV)
    return Path(configured) if configured else DEFAULT_PUBLISHED_DIR


@pytest.fixture(scope="session")
def published_dir() -> Path:
    """The directory holding results.csv; the test is skipped when the file is absent."""
    folder = published_directory()
    if not (folder / "results.csv").is_file():
        pytest.skip(
            f"published SPI results not found: {folder / 'results.csv'} is absent "
            f"(set {PUBLISHED_ENV} to the folder that holds results.csv)"
        )
    return folder
