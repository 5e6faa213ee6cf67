"""Shared pytest set-up for tests/python.

Run from the repository root:
    PYTHONPATH=model_export /usr/bin/python3 -m pytest tests/python -q
(without PYTHONPATH or an installed model_export, the tree's copy is put on sys.path here).
"""

import importlib.util
import json
import pathlib
import sys
from typing import Any, Dict

import pytest

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
REFERENCE_DIR = REPO_ROOT / "tests" / "reference"

if importlib.util.find_spec("model_export") is None:  # PYTHONPATH or an installed copy wins
    sys.path.append(str(REPO_ROOT / "model_export"))

import torch  # noqa: E402

torch.set_num_threads(2)


@pytest.fixture(scope="session")
def gaunt_reference() -> Dict[str, Any]:
    """tests/reference/real_gaunt_l4.json (written by make_gaunt_reference.py)."""
    with open(REFERENCE_DIR / "real_gaunt_l4.json") as handle:
        return json.load(handle)


@pytest.fixture
def rng():
    """A fixed-seed numpy Generator per test."""
    import numpy as np

    return np.random.default_rng(20261127)
