"""Training: energy + force (+ stress) loss, Adam/AdamW, ReduceLROnPlateau, EMA, early stopping,
checkpoint/resume, plain-text progress, plots and the validation table.

Loss per batch (weights w_E, w_F, w_S; N_g atoms in structure g):

    L = w_E mean_g ((E_g - Ê_g)/N_g)^2 + w_F mean_{a,c} (F_ac - F̂_ac)^2
        + w_S mean_{g with stress} mean_{cd} (S_gcd - Ŝ_gcd)^2

Everything that can vary is in :class:`TrainConfig`; a run is deterministic given its seed and
thread count.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import pathlib
import sys
import time
from typing import Any, Dict, List, Optional, Sequence, TextIO

import numpy as np
import torch

from . import data as data_mod
from .config import GauntNetConfig
from .model import GauntNet, evaluate
from .model_file import save_model_file


@dataclasses.dataclass
class TrainConfig:
    """Settings of one training run (model hyperparameters live in ``model``)."""

    train_file: str
    output_dir: str
    name: str = "model"
    valid_file: Optional[str] = None
    e0s_file: Optional[str] = None  # isolated-atom energies; None -> least-squares fit
    valid_fraction: float = 0.1
    max_train: Optional[int] = None  # use only the first N training configs (after split)
    seed: int = 1
    threads: int = 1
    batch_size: int = 8
    optimizer: str = "adam"  # adam | adamw
    lr: float = 5e-3
    weight_decay: float = 0.0
    plateau_factor: float = 0.5
    plateau_patience: int = 5
    min_lr: float = 1e-5
    energy_weight: float = 1.0
    forces_weight: float = 100.0
    stress_weight: float = 1.0
    ema_decay: float = 0.99
    max_epochs: int = 100
    max_steps: Optional[int] = None
    max_minutes: Optional[float] = None
    early_stopping_patience: int = 20
    resume: bool = False
    plots: bool = True
    model: Dict[str, Any] = dataclasses.field(default_factory=dict)

    def validate(self) -> None:
        def bad(name: str, why: str) -> None:
            raise ValueError(f"TrainConfig.{name}: {why} (got {getattr(self, name)!r})")

        if self.optimizer not in ("adam", "adamw"):
            bad("optimizer", "must be 'adam' or 'adamw'")
        for name in ("lr", "batch_size", "threads", "max_epochs"):
            if not getattr(self, name) > 0:
                bad(name, "must be > 0")
        for name in ("energy_weight", "forces_weight", "stress_weight", "weight_decay"):
            if getattr(self, name) < 0:
                bad(name, "must be >= 0")
        if not 0.0 <= self.ema_decay < 1.0:
            bad("ema_decay", "must be in [0, 1)")

    @classmethod
    def from_json_file(cls, path: str) -> "TrainConfig":
        with open(path) as handle:
            raw = json.load(handle)
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ValueError(f"{path}: unknown TrainConfig field(s) {unknown}")
        return cls(**raw)


# ---------------------------------------------------------------------- metrics
def compute_metrics(
    model: torch.nn.Module, items: Sequence[Any], batch_size: int, dtype: torch.dtype
) -> Dict[str, Any]:
    """Validation errors; returns metrics and the raw predictions for parity plots."""
    e_ref, e_pred, n_at, f_ref, f_pred = [], [], [], [], []
    for start in range(0, len(items), batch_size):
        stop = start + batch_size
        graph = data_mod.collate(items[start:stop], dtype)
        out = evaluate(model, graph, compute_forces=True, compute_virial=False)
        if graph.energy is not None:
            e_ref.append(graph.energy.detach().double().numpy())
            e_pred.append(out["energy"].detach().double().numpy())
            n_at.append(graph.n_atoms.numpy())
        if graph.forces is not None:
            f_ref.append(graph.forces.detach().double().numpy().reshape(-1))
            f_pred.append(out["forces"].detach().double().numpy().reshape(-1))
    metrics: Dict[str, Any] = {"n_configs": len(items)}
    raw: Dict[str, np.ndarray] = {}
    if e_ref:
        er, ep, na = np.concatenate(e_ref), np.concatenate(e_pred), np.concatenate(n_at)
        de = ep - er
        metrics.update(
            energy_mae_meV=1000 * float(np.mean(np.abs(de))),
            energy_rmse_meV=1000 * float(np.sqrt(np.mean(de**2))),
            energy_mae_meV_per_atom=1000 * float(np.mean(np.abs(de / na))),
            energy_rmse_meV_per_atom=1000 * float(np.sqrt(np.mean((de / na) ** 2))),
        )
        raw.update(energy_ref=er, energy_pred=ep, n_atoms=na)
    if f_ref:
        fr, fp = np.concatenate(f_ref), np.concatenate(f_pred)
        df = fp - fr
        metrics.update(
            forces_mae_meV_per_A=1000 * float(np.mean(np.abs(df))),
            forces_rmse_meV_per_A=1000 * float(np.sqrt(np.mean(df**2))),
        )
        raw.update(forces_ref=fr, forces_pred=fp)
    metrics["_raw"] = raw
    return metrics


def metrics_table(metrics: Dict[str, Any], title: str = "validation") -> str:
    """Markdown table of the errors."""
    rows = [
        ("energy MAE", "meV", "energy_mae_meV"),
        ("energy RMSE", "meV", "energy_rmse_meV"),
        ("energy MAE", "meV/atom", "energy_mae_meV_per_atom"),
        ("energy RMSE", "meV/atom", "energy_rmse_meV_per_atom"),
        ("force MAE", "meV/Å", "forces_mae_meV_per_A"),
        ("force RMSE", "meV/Å", "forces_rmse_meV_per_A"),
    ]
    lines = [
        f"| {title} ({metrics.get('n_configs', '?')} configs) | unit | value |",
        "|---|---|---|",
    ]
    for label, unit, key in rows:
        if key in metrics:
            lines.append(f"| {label} | {unit} | {metrics[key]:.3f} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- plots
def write_plots(
    history: List[Dict[str, float]], raw: Dict[str, np.ndarray], out: pathlib.Path, name: str
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    epochs = [h["epoch"] for h in history]
    axes[0].semilogy(epochs, [h["train_loss"] for h in history], label="train loss")
    axes[0].semilogy(epochs, [h["valid_loss"] for h in history], label="validation loss")
    axes[0].set_xlabel("epoch")
    axes[0].legend()
    axes[0].set_title(f"{name}: loss")
    if history and "energy_mae_meV_per_atom" in history[0]:
        axes[1].semilogy(
            epochs, [h["energy_mae_meV_per_atom"] for h in history], label="E MAE (meV/atom)"
        )
    if history and "forces_mae_meV_per_A" in history[0]:
        axes[1].semilogy(
            epochs, [h["forces_mae_meV_per_A"] for h in history], label="F MAE (meV/Å)"
        )
    axes[1].set_xlabel("epoch")
    axes[1].legend()
    axes[1].set_title("validation MAE (EMA weights)")
    fig.tight_layout()
    fig.savefig(out / "learning_curve.png", dpi=100)
    plt.close(fig)

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
    if "energy_ref" in raw:
        na = raw["n_atoms"]
        offset = float(np.mean(raw["energy_ref"] / na))
        er = 1000 * (raw["energy_ref"] / na - offset)
        ep = 1000 * (raw["energy_pred"] / na - offset)
        axes[0].plot(er, ep, ".", ms=3)
        lo, hi = float(min(er.min(), ep.min())), float(max(er.max(), ep.max()))
        axes[0].plot([lo, hi], [lo, hi], "k-", lw=0.5)
        axes[0].set_xlabel(f"DFT energy − ({offset:.4f} eV/atom) [meV/atom]")
        axes[0].set_ylabel("model energy − same offset [meV/atom]")
        axes[0].set_title("energy parity (validation)")
    if "forces_ref" in raw:
        fr, fp = raw["forces_ref"], raw["forces_pred"]
        axes[1].plot(fr, fp, ".", ms=2)
        lo, hi = float(min(fr.min(), fp.min())), float(max(fr.max(), fp.max()))
        axes[1].plot([lo, hi], [lo, hi], "k-", lw=0.5)
        axes[1].set_xlabel("DFT force component (eV/Å)")
        axes[1].set_ylabel("model force component (eV/Å)")
        axes[1].set_title("force parity (validation)")
    fig.tight_layout()
    fig.savefig(out / "parity.png", dpi=100)
    plt.close(fig)


# ---------------------------------------------------------------------- training
def _loss(out: Dict[str, torch.Tensor], graph: data_mod.Graph, cfg: TrainConfig) -> torch.Tensor:
    loss = torch.zeros((), dtype=out["energy"].dtype)
    if graph.energy is not None and cfg.energy_weight > 0:
        de = (out["energy"] - graph.energy) / graph.n_atoms.to(out["energy"].dtype)
        loss = loss + cfg.energy_weight * torch.mean(de**2)
    if graph.forces is not None and cfg.forces_weight > 0:
        loss = loss + cfg.forces_weight * torch.mean((out["forces"] - graph.forces) ** 2)
    if graph.stress is not None and "stress" in out and cfg.stress_weight > 0:
        mask = graph.has_stress
        assert mask is not None
        ds = (out["stress"] - graph.stress)[mask]
        loss = loss + cfg.stress_weight * torch.mean(ds**2)
    return loss


class _Printer:
    def __init__(self, log: Optional[TextIO]) -> None:
        self.log = log

    def __call__(self, text: str) -> None:
        print(text, flush=True)
        if self.log is not None:
            self.log.write(text + "\n")
            self.log.flush()


def _bar(done: int, total: int, width: int = 20) -> str:
    filled = int(width * done / max(total, 1))
    return "[" + "#" * filled + "-" * (width - filled) + f"] {done}/{total}"


def prepare_data(cfg: TrainConfig, say: Any = print) -> Dict[str, Any]:
    """Read, split, compute E0s and statistics; return the model config and prepared items."""
    configs = data_mod.read_extxyz(cfg.train_file)
    if cfg.valid_file:
        train, valid = configs, data_mod.read_extxyz(cfg.valid_file)
    else:
        train, valid = data_mod.split_train_valid(configs, cfg.valid_fraction, cfg.seed)
    if cfg.max_train is not None:
        train = train[: cfg.max_train]
    symbols = sorted(
        {data_mod.ase.data.chemical_symbols[int(z)] for c in train + valid for z in c.numbers},
        key=lambda s: data_mod.ase.data.atomic_numbers[s],
    )
    elements = list(cfg.model.get("elements", symbols))
    if cfg.e0s_file:
        table = data_mod.read_e0s(cfg.e0s_file)
        missing = [e for e in elements if e not in table]
        if missing:
            raise ValueError(f"{cfg.e0s_file}: no isolated-atom energy for {missing}")
        e0s = [table[e] for e in elements]
        e0_source = f"isolated atoms: {cfg.e0s_file}"
    else:
        e0s = data_mod.fit_e0s(train, elements)
        e0_source = "least-squares fit to the training energies"
    model_kwargs = {k: v for k, v in cfg.model.items() if k not in ("elements", "e0s")}
    cutoff = float(model_kwargs.get("cutoff", GauntNetConfig(elements=elements).cutoff))
    train_items = data_mod.prepare(train, elements, cutoff)
    valid_items = data_mod.prepare(valid, elements, cutoff)
    stats = data_mod.statistics(train_items, e0s)
    model_kwargs.setdefault("avg_num_neighbors", stats.avg_num_neighbors)
    model_kwargs.setdefault("shift", stats.shift)
    model_kwargs.setdefault("scale", stats.scale)
    model_config = GauntNetConfig(elements=elements, e0s=e0s, **model_kwargs)
    say(
        f"data: {len(train)} train / {len(valid)} validation configs, elements {elements}, "
        f"E0s from {e0_source}; avg_num_neighbors {model_config.avg_num_neighbors:.3f}, "
        f"shift {model_config.shift:.5f} eV/atom, scale {model_config.scale:.5f}"
    )
    return {
        "model_config": model_config,
        "train": train_items,
        "valid": valid_items,
        "e0_source": e0_source,
    }


def train(cfg: TrainConfig) -> Dict[str, Any]:
    """Run one training; returns the final validation metrics (EMA weights of the best epoch)."""
    cfg.validate()
    torch.set_num_threads(cfg.threads)
    out_dir = pathlib.Path(cfg.output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ckpt_path = out_dir / "checkpoint.pt"
    resuming = cfg.resume and ckpt_path.is_file()
    log = open(out_dir / "train.log", "a" if resuming else "w")
    say = _Printer(log)
    say(f"# gaunt-model train {cfg.name}: torch {torch.__version__}, threads {cfg.threads}")
    say("# train config: " + json.dumps(dataclasses.asdict(cfg)))
    torch.manual_seed(cfg.seed)
    prepared = prepare_data(cfg, say)
    model_config: GauntNetConfig = prepared["model_config"]
    dtype = model_config.torch_dtype()
    train_items, valid_items = prepared["train"], prepared["valid"]
    model = GauntNet(model_config, seed=cfg.seed)
    n_params = sum(p.numel() for p in model.parameters())
    say(f"model: {model_config.to_json(indent=None)}; {n_params} weights")
    ema = copy.deepcopy(model)
    for p in ema.parameters():
        p.requires_grad_(False)
    opt_cls = torch.optim.AdamW if cfg.optimizer == "adamw" else torch.optim.Adam
    optimizer = opt_cls(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer, factor=cfg.plateau_factor, patience=cfg.plateau_patience, min_lr=cfg.min_lr
    )
    state: Dict[str, Any] = {
        "epoch": 0,
        "step": 0,
        "best_valid": math.inf,
        "best_epoch": 0,
        "history": [],
        "elapsed": 0.0,
    }
    if resuming:
        ckpt = torch.load(ckpt_path)
        model.load_state_dict(ckpt["model"])
        ema.load_state_dict(ckpt["ema"])
        optimizer.load_state_dict(ckpt["optimizer"])
        scheduler.load_state_dict(ckpt["scheduler"])
        state = ckpt["state"]
        torch.random.set_rng_state(ckpt["torch_rng"])
        say(f"resumed from {ckpt_path} at epoch {state['epoch']}")
    start_time = time.time() - state["elapsed"]
    n_batches = math.ceil(len(train_items) / cfg.batch_size)
    stop_reason = "max_epochs"
    while state["epoch"] < cfg.max_epochs:
        epoch = state["epoch"] + 1
        order = np.random.default_rng(cfg.seed * 100003 + epoch).permutation(len(train_items))
        model.train()
        total, count = 0.0, 0
        for b in range(n_batches):
            first, last = b * cfg.batch_size, (b + 1) * cfg.batch_size
            batch = [train_items[k] for k in order[first:last]]
            graph = data_mod.collate(batch, dtype)
            want_stress = graph.stress is not None and cfg.stress_weight > 0
            out = evaluate(model, graph, True, want_stress, create_graph=True)
            loss = _loss(out, graph, cfg)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            state["step"] += 1
            decay = min(cfg.ema_decay, (1.0 + state["step"]) / (10.0 + state["step"]))
            with torch.no_grad():
                for pe, pm in zip(ema.parameters(), model.parameters()):
                    pe.mul_(decay).add_(pm.detach(), alpha=1.0 - decay)
            total += float(loss.detach()) * len(batch)
            count += len(batch)
            if (b + 1) % max(1, n_batches // 5) == 0 or b + 1 == n_batches:
                sys.stdout.write(
                    f"\repoch {epoch} {_bar(b + 1, n_batches)} loss {total / count:.4e}"
                )
                sys.stdout.flush()
            if cfg.max_steps is not None and state["step"] >= cfg.max_steps:
                break
        sys.stdout.write("\n")
        metrics = compute_metrics(ema, valid_items, 2 * cfg.batch_size, dtype)
        valid_loss = _valid_loss(metrics, cfg)
        scheduler.step(valid_loss)
        record = {
            "epoch": epoch,
            "train_loss": total / max(count, 1),
            "valid_loss": valid_loss,
            "lr": optimizer.param_groups[0]["lr"],
            "time_s": time.time() - start_time,
        }
        record.update({k: v for k, v in metrics.items() if not k.startswith("_")})
        state["history"].append(record)
        improved = valid_loss < state["best_valid"]
        if improved:
            state["best_valid"] = valid_loss
            state["best_epoch"] = epoch
            torch.save(ema.state_dict(), out_dir / "best_ema.pt")
        say(
            f"epoch {epoch:4d} train_loss {record['train_loss']:.4e} valid_loss "
            f"{valid_loss:.4e} E {metrics.get('energy_mae_meV_per_atom', float('nan')):.3f} "
            f"meV/atom F {metrics.get('forces_mae_meV_per_A', float('nan')):.2f} meV/A "
            f"lr {record['lr']:.2e} t {record['time_s']:.0f}s" + (" *" if improved else "")
        )
        state["epoch"] = epoch
        state["elapsed"] = time.time() - start_time
        torch.save(
            {
                "model": model.state_dict(),
                "ema": ema.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "state": state,
                "torch_rng": torch.random.get_rng_state(),
                "model_config": model_config.to_dict(),
            },
            ckpt_path,
        )
        if cfg.max_steps is not None and state["step"] >= cfg.max_steps:
            stop_reason = "max_steps"
            break
        if epoch - state["best_epoch"] >= cfg.early_stopping_patience:
            stop_reason = "early_stopping"
            break
        if cfg.max_minutes is not None and state["elapsed"] > 60 * cfg.max_minutes:
            stop_reason = "max_minutes"
            break
    say(f"stopped: {stop_reason} after {state['epoch']} epochs, best epoch {state['best_epoch']}")
    ema.load_state_dict(torch.load(out_dir / "best_ema.pt"))
    # final errors in float64 (what the exported file computes; float32 cannot resolve meV
    # differences of total energies of thousands of eV)
    ema64 = copy.deepcopy(ema).to(torch.float64)
    final = compute_metrics(ema64, valid_items, 2 * cfg.batch_size, torch.float64)
    raw = final.pop("_raw")
    table = metrics_table(final)
    say(table)
    (out_dir / "validation.md").write_text(table)
    with open(out_dir / "metrics.json", "w") as handle:
        json.dump(final, handle, indent=2)
    if cfg.plots:
        write_plots(state["history"], raw, out_dir, cfg.name)
    provenance = {
        "train_file": str(cfg.train_file),
        "e0s": prepared["e0_source"],
        "n_train": len(train_items),
        "n_valid": len(valid_items),
        "seed": cfg.seed,
        "epochs": state["epoch"],
        "best_epoch": state["best_epoch"],
        "stop_reason": stop_reason,
        "wall_time_s": round(state["elapsed"], 1),
        "validation": final,
        "train_config": dataclasses.asdict(cfg),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    model_path = out_dir / f"{cfg.name}.gaunt.pt"
    save_model_file(ema, model_path, provenance)
    say(f"wrote {model_path}")
    log.close()
    return final


def replot(directory: str) -> Dict[str, Any]:
    """Redraw the plots and rewrite validation.md / metrics.json of a finished training
    directory from its model file (float64), the ``checkpoint.pt`` history and the validation
    split re-derived from the recorded config."""
    from .model_file import load_model, read_model_file

    out_dir = pathlib.Path(directory)
    models = sorted(out_dir.glob("*.gaunt.pt"))
    if len(models) != 1 or not (out_dir / "checkpoint.pt").is_file():
        raise ValueError(f"{directory}: need exactly one *.gaunt.pt and checkpoint.pt")
    header, _ = read_model_file(models[0])
    cfg = TrainConfig(**header["training"]["train_config"])
    prepared = prepare_data(cfg, lambda text: None)
    model = load_model(models[0])
    metrics = compute_metrics(model, prepared["valid"], 2 * cfg.batch_size, torch.float64)
    raw = metrics.pop("_raw")
    history = torch.load(out_dir / "checkpoint.pt")["state"]["history"]
    write_plots(history, raw, out_dir, cfg.name)
    (out_dir / "validation.md").write_text(metrics_table(metrics))
    with open(out_dir / "metrics.json", "w") as handle:
        json.dump(metrics, handle, indent=2)
    return metrics


def _valid_loss(metrics: Dict[str, Any], cfg: TrainConfig) -> float:
    """Validation loss in the units of the training loss (per-atom energy, forces)."""
    loss = 0.0
    if "energy_rmse_meV_per_atom" in metrics:
        loss += cfg.energy_weight * (metrics["energy_rmse_meV_per_atom"] / 1000) ** 2
    if "forces_rmse_meV_per_A" in metrics:
        loss += cfg.forces_weight * (metrics["forces_rmse_meV_per_A"] / 1000) ** 2
    return loss
