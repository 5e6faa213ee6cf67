"""GauntNet v1, the PyTorch reference model (DESIGN.md §4; every formula in MODEL_FILE.md).

Stages (each a plain tensor expression the native engine reproduces from the named weights):

1. edge basis   e_n(r) = u(r/r_c) sqrt(2/r_c) sin(nπr/r_c)/r,  n = 1..N_b,
                u(d) = 1 - (p+1)(p+2)/2 d^p + p(p+2) d^(p+1) - p(p+1)/2 d^(p+2)   (p = 6)
2. radial MLP   R_{k,l}(r) = [silu(...silu(e W_0) W_1 ...) W_last]_{l*K+k}   (no biases)
3. atomic basis A_{i,lm,k} = Σ_{j: r_ij<r_c} R_{k,l}(r_ij) Y_lm(r̂_ij) h_{j,k} / avg_num_neighbors,
                h_{j,k} = embedding[s_j, k],  r_ij = x_j - x_i
4. mixing       Ã_{i,lm,k} = Σ_q mixing[l, k, q] A_{i,lm,q}
5. product      F^{ν,ξ}_{i,k}(x) = Σ_lm factor_weights[f(ν,ξ), s_i, l, k] Ã_{i,lm,k} Y_lm(x),
                B^ν_{i,k} = ∫_{S²} Π_{ξ=1..ν} F^{ν,ξ}_{i,k}(x) dΩ   (exact quadrature),
                f(ν,ξ) = ν(ν-1)/2 + ξ - 1,  B_i = [B^1_i, ..., B^{ν_max}_i] (index (ν-1)K + k)
6. readout      E_i = E0[s_i] + σ (B_i·readout_linear + silu(B_i W_h + b_h)·readout_out) + μ

The TorchScript entry point ``forward(positions, species, edge_index, n_local)`` takes exactly
what a LAMMPS pair style holds (local + ghost positions, species indices, edges i -> j with i
local) and returns per-atom energies of the local atoms. ``evaluate`` is the Python-side wrapper
for batched structures with periodic-image shift vectors, forces by autograd and the virial by
the strain (displacement) derivative.
"""

from __future__ import annotations

import math
from typing import Dict, List, Optional

import torch
from torch import Tensor, nn

from .config import GauntNetConfig
from .spherical_harmonics import spherical_harmonics


def envelope_coefficients(p: int) -> List[float]:
    """Coefficients (c_p, c_p1, c_p2) of u(d) = 1 + c_p d^p + c_p1 d^(p+1) + c_p2 d^(p+2)."""
    return [-(p + 1.0) * (p + 2.0) / 2.0, p * (p + 2.0), -p * (p + 1.0) / 2.0]


def weight_shapes(config: GauntNetConfig) -> Dict[str, List[int]]:
    """Name -> shape of every trained weight, in the order they are stored in the file."""
    s, k, lp1 = len(config.elements), config.channels, config.lmax + 1
    widths = [config.num_bessel] + list(config.radial_hidden) + [lp1 * k]
    shapes: Dict[str, List[int]] = {"embedding": [s, k]}
    for layer in range(len(widths) - 1):
        shapes[f"radial_mlp.{layer}.weight"] = [widths[layer], widths[layer + 1]]
    n_factors = config.nu_max * (config.nu_max + 1) // 2
    q = config.nu_max * k
    shapes.update(
        {
            "mixing": [lp1, k, k],
            "factor_weights": [n_factors, s, lp1, k],
            "readout_linear": [q],
            "readout_hidden.weight": [q, config.readout_hidden],
            "readout_hidden.bias": [config.readout_hidden],
            "readout_out": [config.readout_hidden],
        }
    )
    return shapes


class _Dense(nn.Module):
    """y = x @ weight (weight [in, out]); no bias."""

    def __init__(self, n_in: int, n_out: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_in, n_out, dtype=torch.float64) / math.sqrt(n_in))

    def forward(self, x: Tensor) -> Tensor:
        return torch.matmul(x, self.weight)


class _DenseBias(nn.Module):
    """y = x @ weight + bias."""

    def __init__(self, n_in: int, n_out: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_in, n_out, dtype=torch.float64) / math.sqrt(n_in))
        self.bias = nn.Parameter(torch.zeros(n_out, dtype=torch.float64))

    def forward(self, x: Tensor) -> Tensor:
        return torch.matmul(x, self.weight) + self.bias


class GauntNet(nn.Module):
    """GauntNet v1. Build from a GauntNetConfig; weights are float64 until ``to(dtype)``."""

    def __init__(
        self,
        config: GauntNetConfig,
        seed: Optional[int] = None,
        route: str = "direct",
        dtype: Optional[torch.dtype] = None,
    ) -> None:
        """Args:
        config: hyperparameters (validated).
        seed: if given, weights are drawn from this seed (global RNG state is restored).
        route: how B^ν is computed: "direct" (the quadrature written out below; the
            exported default) or a Gaunt route of :class:`GauntManyBody` ("grid", "sparse",
            "fourier") for cross-checks. All are exact and agree to rounding.
        dtype: dtype of weights and tables (default: ``config.dtype``, the training
            precision). The tables (e0s, grid) are built in float64 and cast once, so a
            float64 model of a float32 config has exact tables, not float32-rounded ones.
        """
        super().__init__()
        from .gaunt import GauntManyBody, SphereGrid

        if route not in ("direct", "grid", "sparse", "fourier"):
            raise ValueError(f"route must be direct, grid, sparse or fourier, got {route!r}")

        config.validate()
        self.config = config
        generator_state = torch.random.get_rng_state()
        if seed is not None:
            torch.manual_seed(seed)
        s, k, lmax = len(config.elements), config.channels, config.lmax
        self.num_species: int = s
        self.channels: int = k
        self.lmax: int = lmax
        self.nu_max: int = config.nu_max
        self.cutoff: float = float(config.cutoff)
        self.num_bessel: int = config.num_bessel
        self.avg_num_neighbors: float = float(config.avg_num_neighbors)
        self.scale: float = float(config.scale)
        self.shift: float = float(config.shift)
        self.envelope_p: int = config.envelope_p
        c = envelope_coefficients(config.envelope_p)
        self.env_c0: float = c[0]
        self.env_c1: float = c[1]
        self.env_c2: float = c[2]

        # ---- trained weights (names and shapes: weight_shapes / MODEL_FILE.md)
        self.embedding = nn.Parameter(torch.randn(s, k, dtype=torch.float64))
        widths = [config.num_bessel] + list(config.radial_hidden) + [(lmax + 1) * k]
        self.radial_mlp = nn.ModuleList(
            [_Dense(widths[a], widths[a + 1]) for a in range(len(widths) - 1)]
        )
        self.mixing = nn.Parameter(torch.randn(lmax + 1, k, k, dtype=torch.float64) / math.sqrt(k))
        n_factors = config.nu_max * (config.nu_max + 1) // 2
        self.factor_weights = nn.Parameter(
            torch.randn(n_factors, s, lmax + 1, k, dtype=torch.float64)
        )
        q = config.nu_max * k
        self.readout_linear = nn.Parameter(torch.randn(q, dtype=torch.float64) / math.sqrt(q))
        self.readout_hidden = _DenseBias(q, config.readout_hidden)
        self.readout_out = nn.Parameter(
            torch.randn(config.readout_hidden, dtype=torch.float64)
            / math.sqrt(config.readout_hidden)
        )
        if seed is not None:
            torch.random.set_rng_state(generator_state)

        # ---- constants (header fields / derived tables, not trained)
        self.register_buffer("e0s", torch.tensor(config.e0s, dtype=torch.float64))
        l_of_lm = [deg for deg in range(lmax + 1) for _ in range(2 * deg + 1)]
        self.register_buffer("l_of_lm", torch.tensor(l_of_lm, dtype=torch.int64))
        self.register_buffer(
            "bessel_n", torch.arange(1, config.num_bessel + 1, dtype=torch.float64)
        )
        grid = SphereGrid.exact_for(config.nu_max * lmax)
        points = torch.as_tensor(grid.points, dtype=torch.float64)
        self.register_buffer("grid_weights", torch.as_tensor(grid.weights, dtype=torch.float64))
        self.register_buffer("grid_sh", spherical_harmonics(lmax, points))  # [P, (L+1)^2]
        self.route: str = route
        self.many_body = nn.ModuleList(
            []
            if route == "direct"
            else [GauntManyBody([lmax] * nu, 0, route) for nu in range(1, config.nu_max + 1)]
        )
        self.to(config.torch_dtype() if dtype is None else dtype)

    # ------------------------------------------------------------------ stages
    def radial_basis(self, r: Tensor) -> Tensor:
        """Enveloped basis e_n(r) [E, N_b] (valid for 0 < r < r_c)."""
        d = r / self.cutoff
        d_p = torch.pow(d, self.envelope_p)
        u = 1.0 + d_p * (self.env_c0 + d * (self.env_c1 + d * self.env_c2))
        pref = math.sqrt(2.0 / self.cutoff)
        arg = (math.pi / self.cutoff) * r.unsqueeze(1) * self.bessel_n.unsqueeze(0)
        return (pref * torch.sin(arg) / r.unsqueeze(1)) * u.unsqueeze(1)

    def radial(self, r: Tensor) -> Tensor:
        """R_{k,l}(r) as [E, L+1, K]."""
        x = self.radial_basis(r)
        n_layers = len(self.radial_mlp)
        for a, layer in enumerate(self.radial_mlp):
            x = layer(x)
            if a < n_layers - 1:
                x = torch.nn.functional.silu(x)
        return x.reshape(-1, self.lmax + 1, self.channels)

    def atomic_basis(
        self, vectors: Tensor, species: Tensor, edge_index: Tensor, n_local: int
    ) -> Tensor:
        """A_{i,lm,k} [n_local, (L+1)^2, K] from edge vectors r_ij = x_j - x_i."""
        r = torch.linalg.norm(vectors, dim=1)
        keep = torch.nonzero(r < self.cutoff).squeeze(1)
        vectors = vectors.index_select(0, keep)
        r = r.index_select(0, keep)
        centre = edge_index[0].index_select(0, keep)
        neighbour = edge_index[1].index_select(0, keep)
        sh = spherical_harmonics(self.lmax, vectors)  # [E, M]
        radial = self.radial(r).index_select(1, self.l_of_lm)  # [E, M, K]
        h = self.embedding.index_select(0, species.index_select(0, neighbour))  # [E, K]
        message = radial * sh.unsqueeze(2) * h.unsqueeze(1)
        n_sh = (self.lmax + 1) * (self.lmax + 1)
        a = torch.zeros(n_local, n_sh, self.channels, dtype=vectors.dtype, device=vectors.device)
        a = a.index_add(0, centre, message)
        return a / self.avg_num_neighbors

    def mix(self, a: Tensor) -> Tensor:
        """Ã_{i,lm,k} = Σ_q mixing[l, k, q] A_{i,lm,q}."""
        u = self.mixing.index_select(0, self.l_of_lm)  # [M, K, K]
        return torch.einsum("imq,mkq->imk", [a, u])

    def product_basis(self, a_mixed: Tensor, species_local: Tensor) -> Tensor:
        """B_{i,(ν-1)K+k} = ∫ Π_ξ F^{ν,ξ}_{i,k} dΩ, [n_local, ν_max K]."""
        w = self.factor_weights.index_select(1, species_local).index_select(2, self.l_of_lm)
        coeff = w * a_mixed.unsqueeze(0)  # [F, n, M, K]
        if self.route != "direct":
            return self._product_basis_gaunt(coeff)
        values = torch.einsum("pm,fimk->fipk", [self.grid_sh, coeff])  # [F, n, P, K]
        invariants: List[Tensor] = []
        offset = 0
        for nu in range(1, self.nu_max + 1):
            prod = values[offset]
            for xi in range(1, nu):
                prod = prod * values[offset + xi]
            invariants.append(torch.einsum("p,ipk->ik", [self.grid_weights, prod]))
            offset += nu
        return torch.cat(invariants, dim=1)

    def _product_basis_gaunt(self, coeff: Tensor) -> Tensor:
        """Same B through GauntManyBody (lout = 0 gives ∫ Π F dΩ / sqrt(4π))."""
        invariants: List[Tensor] = []
        offset = 0
        nu = 1
        for body in self.many_body:
            factors: List[Tensor] = []
            for xi in range(nu):
                factors.append(coeff[offset + xi].transpose(1, 2))  # [n, K, M]
            invariants.append(body(factors)[:, :, 0] * math.sqrt(4.0 * math.pi))
            offset += nu
            nu += 1
        return torch.cat(invariants, dim=1)

    def readout(self, b: Tensor) -> Tensor:
        """readout(B_i) = B_i·readout_linear + silu(B_i W_h + b_h)·readout_out, [n_local]."""
        hidden = torch.nn.functional.silu(self.readout_hidden(b))
        return torch.matmul(b, self.readout_linear) + torch.matmul(hidden, self.readout_out)

    # ------------------------------------------------------------------ entry points
    @torch.jit.export
    def energies_from_vectors(
        self, vectors: Tensor, species: Tensor, edge_index: Tensor, n_local: int
    ) -> Tensor:
        """Per-atom energies [n_local] from edge vectors [E, 3] (edge e: i=edge_index[0,e])."""
        a = self.atomic_basis(vectors, species, edge_index, n_local)
        species_local = species[:n_local]
        b = self.product_basis(self.mix(a), species_local)
        return self.e0s.index_select(0, species_local) + self.scale * self.readout(b) + self.shift

    def forward(
        self, positions: Tensor, species: Tensor, edge_index: Tensor, n_local: int
    ) -> Tensor:
        """Per-atom energies [n_local] (eV).

        Args:
            positions: [N_total, 3] local then ghost atoms (Å).
            species: [N_total] int64 indices into the model's element list.
            edge_index: [2, E] int64, edge e goes from i = edge_index[0, e] (local) to
                j = edge_index[1, e]; edges with |x_j - x_i| >= cutoff are ignored.
            n_local: number of local atoms (the first n_local rows).
        """
        vectors = positions.index_select(0, edge_index[1]) - positions.index_select(
            0, edge_index[0]
        )
        return self.energies_from_vectors(vectors, species, edge_index, n_local)


def evaluate(
    model: torch.nn.Module,
    graph: "Graph",  # noqa: F821 (data.Graph; imported lazily to keep this module light)
    compute_forces: bool = True,
    compute_virial: bool = False,
    create_graph: bool = False,
) -> Dict[str, Tensor]:
    """Energies [G], per-atom energies [N], forces [N,3] and virial [G,3,3] of a batched graph.

    Works with the eager GauntNet and with its TorchScript version (it calls only
    ``energies_from_vectors``). Virial W = -dE/dε (LAMMPS sign, eV): the edge vectors are
    deformed as r -> r (1 + ε) and ε is differentiated at 0. Stress (ASE sign, eV/Å^3) is
    -W / V for periodic structures.
    """
    positions = graph.positions
    if compute_forces:
        positions = positions.detach().requires_grad_(True)
    i, j = graph.edge_index[0], graph.edge_index[1]
    vectors = positions.index_select(0, j) - positions.index_select(0, i) + graph.shifts
    strain = torch.zeros(graph.n_graphs, 3, 3, dtype=positions.dtype)
    if compute_virial:
        strain.requires_grad_(True)
        edge_strain = strain.index_select(0, graph.batch.index_select(0, i))
        vectors = vectors + torch.einsum("ea,eab->eb", vectors, edge_strain)
    node_energy = model.energies_from_vectors(
        vectors, graph.species, graph.edge_index, int(positions.shape[0])
    )
    energy = torch.zeros(graph.n_graphs, dtype=positions.dtype).index_add(
        0, graph.batch, node_energy
    )
    out: Dict[str, Tensor] = {"energy": energy, "node_energy": node_energy}
    inputs: List[Tensor] = []
    if compute_forces:
        inputs.append(positions)
    if compute_virial:
        inputs.append(strain)
    if inputs:
        grads = torch.autograd.grad(
            energy.sum(), inputs, create_graph=create_graph, allow_unused=True
        )
        g_iter = iter(grads)
        if compute_forces:
            g = next(g_iter)
            out["forces"] = -g if g is not None else torch.zeros_like(positions)
        if compute_virial:
            g = next(g_iter)
            virial = -g if g is not None else torch.zeros_like(strain)
            out["virial"] = virial
            volume = torch.abs(torch.linalg.det(graph.cell))
            periodic = graph.pbc.all(dim=1) & (volume > 0)
            safe = torch.where(periodic, volume, torch.ones_like(volume))
            out["stress"] = torch.where(
                periodic.view(-1, 1, 1), -virial / safe.view(-1, 1, 1), torch.zeros_like(virial)
            )
    return out
