"""The trained models shipped in examples/models/ load, and reproduce their recorded errors on a
small fixed subset (the first configurations of their own validation split) — the CI check of
issue 4 item 9. Skips cleanly where a model or the shared data is absent."""

import json
import pathlib

import pytest
import torch

from model_export import data
from model_export.model_file import load_model, read_model_file
from model_export.train import compute_metrics

REPO = pathlib.Path(__file__).resolve().parents[2]
MODELS = sorted((REPO / "examples" / "models").glob("*/*.gaunt.pt"))


@pytest.mark.parametrize("path", MODELS, ids=[p.parent.name for p in MODELS])
def test_shipped_model(path):
    header, _ = read_model_file(path)
    assert path.stat().st_size < 2_000_000
    training = header["training"]
    train_file = REPO / training["train_file"]
    if not train_file.is_file():
        pytest.skip(f"no data file {train_file}")
    cfg = training["train_config"]
    configs = data.read_extxyz(train_file)
    _, valid = data.split_train_valid(configs, cfg["valid_fraction"], cfg["seed"])
    subset = valid[:8]
    model = load_model(path)
    items = data.prepare(subset, model.config.elements, model.config.cutoff)
    metrics = compute_metrics(model, items, 8, torch.float64)
    recorded = json.loads((path.parent / "metrics.json").read_text())
    # 8 validation configurations: allow statistical scatter around the full-set errors
    assert metrics["forces_mae_meV_per_A"] < 2.0 * recorded["forces_mae_meV_per_A"]
    assert metrics["energy_mae_meV_per_atom"] < 3.0 * recorded["energy_mae_meV_per_atom"] + 0.5
