"""ASE calculator wrapping a GauntNet (eager or TorchScript) or a ``*.gaunt.pt`` file."""

from __future__ import annotations

import pathlib
from typing import Any, List, Optional, Union

import numpy as np
import torch
from ase.calculators.calculator import Calculator, all_changes

from . import data
from .model import GauntNet, evaluate
from .model_file import load_model


class GauntCalculator(Calculator):
    """Energy, free_energy, forces, energies (per atom), stress (periodic cells only).

    Args:
        model: a GauntNet or the path of a model file.
        dtype: torch dtype of the evaluation (float64 by default).
    """

    implemented_properties = ["energy", "free_energy", "energies", "forces", "stress"]

    def __init__(
        self,
        model: Union[GauntNet, str, pathlib.Path],
        dtype: torch.dtype = torch.float64,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(model, (str, pathlib.Path)):
            model = load_model(model)
        self.model = model.to(dtype)
        self.dtype = dtype

    def calculate(
        self,
        atoms: Optional[Any] = None,
        properties: Optional[List[str]] = None,
        system_changes: List[str] = all_changes,
    ) -> None:
        super().calculate(atoms, properties or ["energy"], system_changes)
        assert self.atoms is not None
        config = self.model.config
        graph = data.graph_from_atoms(self.atoms, config.elements, config.cutoff, self.dtype)
        periodic = bool(np.all(self.atoms.pbc))
        out = evaluate(self.model, graph, compute_forces=True, compute_virial=periodic)
        energy = float(out["energy"][0])
        self.results = {
            "energy": energy,
            "free_energy": energy,
            "energies": out["node_energy"].detach().double().numpy(),
            "forces": out["forces"].detach().double().numpy(),
        }
        if periodic:
            s = out["stress"][0].detach().double().numpy()
            self.results["stress"] = np.array(
                [s[0, 0], s[1, 1], s[2, 2], s[1, 2], s[0, 2], s[0, 1]]
            )
