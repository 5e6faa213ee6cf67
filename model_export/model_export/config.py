"""Every hyperparameter of a GauntNet v1 model in one validated dataclass (DESIGN.md §4).

The config is what the model file header stores under ``"hyperparameters"``; ``to_json`` /
``from_json`` round-trip it exactly. ``validate`` raises ``ValueError`` naming the bad field.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any, Dict, List, Optional

from ase.data import atomic_numbers

DTYPES = ("float64", "float32")


@dataclasses.dataclass
class GauntNetConfig:
    """Hyperparameters of GauntNet v1 (one interaction, strictly local).

    Attributes:
        elements: chemical symbols; species index s = position in this list.
        cutoff: r_c in Å; edges with r >= r_c contribute nothing.
        num_bessel: N_b, number of radial basis functions sin(nπr/r_c)/r.
        envelope_p: exponent p of the polynomial envelope (DESIGN fixes p = 6).
        radial_hidden: widths of the hidden layers of the radial MLP (SiLU, no bias).
        channels: K, number of channels.
        lmax: L, maximum spherical-harmonic degree of the atomic basis.
        nu_max: maximal correlation order (1..4).
        readout_hidden: width of the hidden layer of the readout MLP.
        avg_num_neighbors: the atomic basis A is divided by this number.
        e0s: isolated-atom energies in eV, one per element (same order as ``elements``).
        scale: σ, multiplies the readout.
        shift: μ, per-atom energy shift in eV.
        dtype: "float64" or "float32".
    """

    elements: List[str]
    cutoff: float = 5.0
    num_bessel: int = 8
    envelope_p: int = 6
    radial_hidden: List[int] = dataclasses.field(default_factory=lambda: [64, 64])
    channels: int = 32
    lmax: int = 3
    nu_max: int = 3
    readout_hidden: int = 16
    avg_num_neighbors: float = 1.0
    e0s: Optional[List[float]] = None
    scale: float = 1.0
    shift: float = 0.0
    dtype: str = "float64"

    def __post_init__(self) -> None:
        self.elements = list(self.elements)
        self.radial_hidden = [int(w) for w in self.radial_hidden]
        if self.e0s is None:
            self.e0s = [0.0] * len(self.elements)
        self.e0s = [float(e) for e in self.e0s]
        self.validate()

    # ------------------------------------------------------------------ validation
    def validate(self) -> None:
        """Check every field; raise ValueError naming the field and the bad value."""

        def bad(name: str, why: str) -> None:
            raise ValueError(f"GauntNetConfig.{name}: {why} (got {getattr(self, name)!r})")

        if len(self.elements) == 0:
            bad("elements", "need at least one element")
        for el in self.elements:
            if el not in atomic_numbers or el == "X":
                bad("elements", f"unknown chemical symbol {el!r}")
        if len(set(self.elements)) != len(self.elements):
            bad("elements", "duplicate element")
        for name in ("cutoff", "avg_num_neighbors", "scale"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                bad(name, "must be a number")
            if not (math.isfinite(value) and value > 0):
                bad(name, "must be finite and > 0")
        if isinstance(self.shift, bool) or not isinstance(self.shift, (int, float)):
            bad("shift", "must be a number")
        if not math.isfinite(self.shift):
            bad("shift", "must be finite")
        for name, low, high in (
            ("num_bessel", 1, 64),
            ("envelope_p", 2, 12),
            ("channels", 1, 4096),
            ("lmax", 0, 12),
            ("nu_max", 1, 4),
            ("readout_hidden", 1, 4096),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                bad(name, "must be an integer")
            if not low <= value <= high:
                bad(name, f"must be in [{low}, {high}]")
        if len(self.radial_hidden) == 0 or any(w < 1 for w in self.radial_hidden):
            bad("radial_hidden", "need at least one hidden layer, every width >= 1")
        if len(self.e0s) != len(self.elements):  # type: ignore[arg-type]
            bad("e0s", f"need one value per element ({len(self.elements)})")
        if not all(math.isfinite(e) for e in self.e0s):  # type: ignore[union-attr]
            bad("e0s", "must be finite")
        if self.dtype not in DTYPES:
            bad("dtype", f"must be one of {DTYPES}")

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self, indent: Optional[int] = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "GauntNetConfig":
        if not isinstance(data, dict):
            raise ValueError(f"GauntNetConfig: expected a JSON object, got {type(data).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"GauntNetConfig: unknown field(s) {unknown}")
        if "elements" not in data:
            raise ValueError("GauntNetConfig.elements: missing")
        return cls(**data)

    @classmethod
    def from_json(cls, text: str) -> "GauntNetConfig":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"GauntNetConfig: invalid JSON ({err})") from err
        return cls.from_dict(data)

    def torch_dtype(self) -> Any:
        import torch

        return torch.float64 if self.dtype == "float64" else torch.float32
