"""A tiny training run on 25 ethanol configurations: the loss decreases, the plots, table and
model file are written, the run is deterministic and checkpoint/resume continues it exactly."""

import dataclasses
import json
import pathlib

import pytest
import torch

from model_export.cli import main as cli_main
from model_export.model_file import read_model_file
from model_export.train import TrainConfig, train

DATA = pathlib.Path(__file__).resolve().parents[3] / "shared" / "data" / "ethanol"
pytestmark = pytest.mark.skipif(not (DATA / "train.xyz").is_file(), reason="no ethanol data")


def _subset(path: pathlib.Path, n: int) -> None:
    lines = (DATA / "train.xyz").read_text().splitlines()
    out, k = [], 0
    for _ in range(n):
        count = int(lines[k])
        stop = k + count + 2
        out.extend(lines[k:stop])
        k += count + 2
    path.write_text("\n".join(out) + "\n")


def _config(tmp: pathlib.Path, out: str, **kw) -> TrainConfig:
    base = dict(
        train_file=str(tmp / "ethanol25.xyz"),
        e0s_file=str(DATA / "isolated_atoms.xyz"),
        output_dir=str(tmp / out),
        name="tiny",
        valid_fraction=0.2,
        seed=3,
        threads=1,
        batch_size=5,
        lr=0.01,
        max_epochs=8,
        model={
            "channels": 6,
            "lmax": 2,
            "nu_max": 3,
            "radial_hidden": [12],
            "readout_hidden": 6,
            "cutoff": 4.0,
        },
    )
    base.update(kw)
    return TrainConfig(**base)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("train")
    _subset(tmp / "ethanol25.xyz", 25)
    cfg = _config(tmp, "full")
    metrics = train(cfg)
    return tmp, cfg, metrics


def test_training_decreases_loss_and_writes_outputs(run_dir):
    tmp, cfg, metrics = run_dir
    out = pathlib.Path(cfg.output_dir)
    ckpt = torch.load(out / "checkpoint.pt")
    history = ckpt["state"]["history"]
    assert len(history) == 8
    assert history[-1]["train_loss"] < 0.75 * history[0]["train_loss"]
    assert history[-1]["valid_loss"] < history[0]["valid_loss"]
    for png in ("learning_curve.png", "parity.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    recorded = json.loads((out / "metrics.json").read_text())
    assert recorded["n_configs"] == 5 and recorded == pytest.approx(metrics)
    for key in ("energy_mae_meV", "energy_rmse_meV_per_atom", "forces_mae_meV_per_A"):
        assert key in recorded
    assert "force MAE | meV/Å" in (out / "validation.md").read_text()
    header, _ = read_model_file(out / "tiny.gaunt.pt")
    assert header["training"]["n_train"] == 20 and header["training"]["seed"] == 3
    assert "epoch    8" in (out / "train.log").read_text()


def test_deterministic_and_resume_continues_exactly(run_dir):
    tmp, cfg, _ = run_dir
    first = _config(tmp, "resumed", max_epochs=3, plots=False)
    train(first)
    train(dataclasses.replace(first, max_epochs=8, resume=True))
    a = torch.load(pathlib.Path(cfg.output_dir) / "checkpoint.pt")
    b = torch.load(tmp / "resumed" / "checkpoint.pt")
    for name, tensor in a["ema"].items():
        assert torch.equal(tensor, b["ema"][name]), name
    assert [h["train_loss"] for h in a["state"]["history"]] == [
        h["train_loss"] for h in b["state"]["history"]
    ]


def test_cli_evaluate_check(run_dir, capsys):
    tmp, cfg, metrics = run_dir
    out = pathlib.Path(cfg.output_dir)
    args = ["evaluate", str(out / "tiny.gaunt.pt"), str(tmp / "ethanol25.xyz"), "--index", ":5"]
    assert cli_main(args + ["--json", str(tmp / "m.json")]) == 0
    assert "force MAE" in capsys.readouterr().out
    measured = json.loads((tmp / "m.json").read_text())
    assert cli_main(args + ["--check", str(tmp / "m.json"), "--tolerance", "1.0001"]) == 0
    strict = {k: v / 10 for k, v in measured.items()}
    (tmp / "strict.json").write_text(json.dumps(strict))
    assert cli_main(args + ["--check", str(tmp / "strict.json")]) == 1
    (out / "parity.png").unlink()
    assert cli_main(["plot", str(out)]) == 0
    assert (out / "parity.png").is_file()
    replotted = json.loads((out / "metrics.json").read_text())
    assert replotted == pytest.approx(metrics, rel=1e-9)


def test_train_config_validation(tmp_path):
    with pytest.raises(ValueError, match="TrainConfig.optimizer"):
        _config(tmp_path, "x", optimizer="sgd").validate()
    with pytest.raises(ValueError, match="TrainConfig.ema_decay"):
        _config(tmp_path, "x", ema_decay=1.0).validate()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"train_file": "a", "output_dir": "b", "colour": 1}))
    with pytest.raises(ValueError, match="unknown TrainConfig field"):
        TrainConfig.from_json_file(str(bad))


def test_training_with_stress_on_emt_cells(tmp_path):
    """Periodic cells with stress (EMT copper, written with ASE): the stress term is used."""
    import ase.io
    import numpy as np
    from ase.build import bulk
    from ase.calculators.emt import EMT

    from model_export import data

    frames = []
    rng = np.random.default_rng(0)
    for k in range(6):
        atoms = bulk("Cu", "fcc", a=3.6 + 0.02 * k, cubic=True)
        atoms.rattle(0.05, seed=k)
        atoms.set_cell(atoms.cell[:] + 0.05 * rng.uniform(-1, 1, (3, 3)), scale_atoms=True)
        atoms.calc = EMT()
        atoms.get_potential_energy()
        atoms.get_stress()
        frames.append(atoms)
    ase.io.write(tmp_path / "cu.xyz", frames, format="extxyz")
    confs = data.read_extxyz(tmp_path / "cu.xyz")
    assert confs[0].stress is not None
    np.testing.assert_allclose(confs[0].stress, frames[0].get_stress(voigt=False), atol=1e-12)
    cfg = TrainConfig(
        train_file=str(tmp_path / "cu.xyz"),
        output_dir=str(tmp_path / "out"),
        name="cu",
        valid_fraction=0.34,
        batch_size=2,
        max_epochs=3,
        stress_weight=10.0,
        plots=False,
        model={
            "channels": 4,
            "lmax": 1,
            "nu_max": 2,
            "radial_hidden": [8],
            "cutoff": 3.0,
            "readout_hidden": 4,
        },
    )
    metrics = train(cfg)
    assert np.isfinite(metrics["forces_mae_meV_per_A"])
    history = torch.load(tmp_path / "out" / "checkpoint.pt")["state"]["history"]
    assert history[-1]["train_loss"] < history[0]["train_loss"]
