"""Export a training directory (``checkpoint.pt`` + ``best_ema.pt``) to a model file."""

from __future__ import annotations

import pathlib
from typing import Any, Dict, Union

import torch

from .config import GauntNetConfig
from .model import GauntNet
from .model_file import save_model_file


def export_checkpoint(
    directory: Union[str, pathlib.Path], output: Union[str, pathlib.Path]
) -> Dict[str, Any]:
    """Write ``output`` (``*.gaunt.pt``) from the best EMA weights of a training directory."""
    directory = pathlib.Path(directory)
    ckpt_path = directory / "checkpoint.pt"
    if not ckpt_path.is_file():
        raise ValueError(f"{directory}: no checkpoint.pt (not a training directory?)")
    ckpt = torch.load(ckpt_path)
    config = GauntNetConfig.from_dict(ckpt["model_config"])
    model = GauntNet(config)
    best = directory / "best_ema.pt"
    model.load_state_dict(torch.load(best) if best.is_file() else ckpt["ema"])
    state = ckpt["state"]
    provenance = {
        "exported_from": str(directory),
        "epochs": state["epoch"],
        "best_epoch": state["best_epoch"],
    }
    return save_model_file(model, output, provenance)
