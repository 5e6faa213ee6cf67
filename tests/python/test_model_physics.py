"""GauntNet v1 physics: symmetries, forces and virial vs finite differences, LAMMPS-style ghost
inputs, cutoff behaviour, scripted == eager, Gaunt routes, dtypes (DESIGN.md §4, §7.2)."""

from typing import Dict, Tuple

import numpy as np
import pytest
import torch

from model_export import data
from model_export.config import GauntNetConfig
from model_export.model import GauntNet, evaluate

ELEMENTS = ["H", "C", "O"]
CUTOFF = 3.0


def tiny_config(**kw) -> GauntNetConfig:
    base = dict(
        elements=ELEMENTS,
        cutoff=CUTOFF,
        num_bessel=5,
        radial_hidden=[8, 8],
        channels=4,
        lmax=2,
        nu_max=3,
        readout_hidden=4,
        avg_num_neighbors=4.0,
        e0s=[-13.5, -1025.0, -2035.0],
        scale=1.3,
        shift=-0.25,
    )
    base.update(kw)
    return GauntNetConfig(**base)


def tiny_model(seed: int = 7, **kw) -> GauntNet:
    model = GauntNet(tiny_config(**kw), seed=seed)
    with torch.no_grad():  # non-zero biases so that every weight matters
        gen = torch.Generator().manual_seed(seed + 1)
        model.readout_hidden.bias.copy_(
            0.3 * torch.randn(model.readout_hidden.bias.shape, generator=gen, dtype=torch.float64)
        )
    return model


def random_molecule(rng: np.random.Generator, n: int = 8) -> Tuple[np.ndarray, np.ndarray]:
    """Positions with all distances > 0.8 Å in a ~3.5 Å box, and random atomic numbers."""
    pos = []
    while len(pos) < n:
        p = rng.uniform(0, 3.5, 3)
        if all(np.linalg.norm(p - q) > 0.8 for q in pos):
            pos.append(p)
    return np.array(pos), rng.choice([1, 6, 8], size=n)


def random_cell(rng: np.random.Generator, n: int = 6) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A triclinic cell (short vectors, so periodic images matter) with n atoms."""
    cell = np.diag([3.2, 3.6, 3.4]) + rng.uniform(-0.6, 0.6, (3, 3))
    pos = []
    while len(pos) < n:
        p = rng.uniform(0, 1, 3) @ cell
        ok = True
        for q in pos:
            for s in np.ndindex(3, 3, 3):
                if np.linalg.norm(p - q + (np.array(s) - 1) @ cell) < 0.8:
                    ok = False
        if ok:
            pos.append(p)
    return np.array(pos), rng.choice([1, 6, 8], size=n), cell


def conf(pos, numbers, cell=None, pbc=False) -> data.Configuration:
    cell = np.zeros((3, 3)) if cell is None else np.asarray(cell, dtype=float)
    return data.Configuration(
        numbers=np.asarray(numbers),
        positions=np.asarray(pos, dtype=float),
        cell=cell,
        pbc=np.array([pbc] * 3),
    )


def run(model, c: data.Configuration, virial: bool = True) -> Dict[str, np.ndarray]:
    graph = data.collate(data.prepare([c], ELEMENTS, CUTOFF))
    out = evaluate(model, graph, compute_forces=True, compute_virial=virial)
    return {k: v.detach().numpy() for k, v in out.items()}


def energy(model, c: data.Configuration) -> float:
    return float(run(model, c, virial=False)["energy"][0])


def random_rotation(rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q @ np.diag(np.sign(np.diag(r)))
    if np.linalg.det(q) < 0:
        q[:, 0] *= -1
    return q


@pytest.fixture(scope="module")
def model() -> GauntNet:
    return tiny_model()


@pytest.fixture(params=["molecule", "cell"])
def structure(request, rng) -> data.Configuration:
    if request.param == "molecule":
        return conf(*random_molecule(rng))
    pos, z, cell = random_cell(rng)
    return conf(pos, z, cell, True)


def test_rotation_translation_invariance(model, structure, rng):
    ref = run(model, structure)
    for _ in range(3):
        rot = random_rotation(rng)
        shift = rng.normal(size=3) * 3
        moved = conf(
            structure.positions @ rot.T + shift,
            structure.numbers,
            structure.cell @ rot.T,
            bool(structure.pbc[0]),
        )
        out = run(model, moved)
        assert out["energy"][0] == pytest.approx(ref["energy"][0], rel=1e-12, abs=1e-10)
        np.testing.assert_allclose(out["node_energy"], ref["node_energy"], rtol=0, atol=1e-10)
        np.testing.assert_allclose(out["forces"], ref["forces"] @ rot.T, rtol=0, atol=1e-10)
        np.testing.assert_allclose(out["virial"][0], rot @ ref["virial"][0] @ rot.T, atol=1e-10)


def test_permutation(model, structure, rng):
    ref = run(model, structure)
    perm = rng.permutation(structure.n_atoms)
    out = run(
        model,
        conf(
            structure.positions[perm],
            structure.numbers[perm],
            structure.cell,
            bool(structure.pbc[0]),
        ),
    )
    assert out["energy"][0] == pytest.approx(ref["energy"][0], rel=1e-12, abs=1e-10)
    np.testing.assert_allclose(out["node_energy"], ref["node_energy"][perm], atol=1e-10)
    np.testing.assert_allclose(out["forces"], ref["forces"][perm], atol=1e-10)


def test_periodic_image_shift(model, rng):
    pos, z, cell = random_cell(rng)
    ref = run(model, conf(pos, z, cell, True))
    moved = pos + rng.integers(-2, 3, size=(len(pos), 3)) @ cell
    out = run(model, conf(moved, z, cell, True))
    assert out["energy"][0] == pytest.approx(ref["energy"][0], rel=1e-12)
    np.testing.assert_allclose(out["forces"], ref["forces"], atol=1e-10)
    np.testing.assert_allclose(out["virial"], ref["virial"], atol=1e-10)
    # an equivalent cell (unimodular change of basis) describes the same crystal
    basis = np.array([[1, 1, 0], [0, 1, 0], [0, 0, 1]]) @ np.array(
        [[1, 0, 0], [0, 1, -1], [0, 0, 1]]
    )
    out2 = run(model, conf(pos, z, basis @ cell, True))
    assert out2["energy"][0] == pytest.approx(ref["energy"][0], rel=1e-12)
    np.testing.assert_allclose(out2["forces"], ref["forces"], atol=1e-10)


def _fd4(f, h: float) -> float:
    """Fourth-order central difference of a scalar function at 0."""
    return (-f(2 * h) + 8 * f(h) - 8 * f(-h) + f(-2 * h)) / (12 * h)


def test_forces_are_minus_energy_gradient(model, structure):
    ref = run(model, structure, virial=False)
    for atom in range(structure.n_atoms):
        for c in range(3):

            def e_at(h: float) -> float:
                pos = structure.positions.copy()
                pos[atom, c] += h
                return energy(
                    model, conf(pos, structure.numbers, structure.cell, bool(structure.pbc[0]))
                )

            assert -_fd4(e_at, 1e-3) == pytest.approx(ref["forces"][atom, c], abs=1e-8)


def test_virial_is_strain_derivative(model, structure):
    ref = run(model, structure)
    for a in range(3):
        for b in range(3):

            def e_at(h: float) -> float:
                eps = np.eye(3)
                eps[a, b] += h
                return energy(
                    model,
                    conf(
                        structure.positions @ eps,
                        structure.numbers,
                        structure.cell @ eps,
                        bool(structure.pbc[0]),
                    ),
                )

            assert -_fd4(e_at, 1e-3) == pytest.approx(ref["virial"][0, a, b], abs=1e-8)
    np.testing.assert_allclose(ref["virial"][0], ref["virial"][0].T, atol=1e-12)
    if structure.pbc[0]:
        volume = abs(np.linalg.det(structure.cell))
        np.testing.assert_allclose(ref["stress"][0], -ref["virial"][0] / volume, atol=1e-14)


def _ghost_inputs(c: data.Configuration, cutoff: float, skin: float):
    """LAMMPS-like inputs: local atoms, ghost copies of periodic images, a full neighbour list
    with skin (i local -> j local or ghost)."""
    i, j, shifts = data.neighbour_list(c.positions, c.cell, c.pbc, cutoff + skin)
    ghost_key = {}
    positions = [p for p in c.positions]
    species = list(data.species_indices(c.numbers, ELEMENTS))
    jj = []
    for a, b, s in zip(i, j, shifts):
        if not s.any():
            jj.append(b)
            continue
        key = (int(b), tuple(int(v) for v in s))
        if key not in ghost_key:
            ghost_key[key] = len(positions)
            positions.append(c.positions[b] + s @ c.cell)
            species.append(species[b])
        jj.append(ghost_key[key])
    owner = list(range(c.n_atoms)) + [b for (b, _) in sorted(ghost_key, key=ghost_key.get)]
    return (
        torch.tensor(np.array(positions)),
        torch.tensor(species, dtype=torch.int64),
        torch.tensor(np.stack([i, np.array(jj)]), dtype=torch.int64),
        torch.tensor(owner, dtype=torch.int64),
    )


@pytest.mark.parametrize("scripted", [False, True])
def test_lammps_style_forward_matches_shift_evaluation(model, structure, scripted):
    module = torch.jit.script(model) if scripted else model
    ref = run(model, structure)
    pos, species, edges, owner = _ghost_inputs(structure, CUTOFF, skin=0.7)
    pos.requires_grad_(True)
    per_atom = module(pos, species, edges, structure.n_atoms)
    assert per_atom.shape == (structure.n_atoms,)
    np.testing.assert_allclose(per_atom.detach().numpy(), ref["node_energy"], atol=1e-12)
    (grad,) = torch.autograd.grad(per_atom.sum(), [pos])
    forces = torch.zeros(structure.n_atoms, 3, dtype=torch.float64).index_add(0, owner, -grad)
    np.testing.assert_allclose(forces.numpy(), ref["forces"], atol=1e-12)
    # virial from the ghost-atom positions: W = -Σ_a x_a ⊗ dE/dx_a (= -dE/dε)
    virial = -(pos.detach().T @ grad).numpy()
    np.testing.assert_allclose(virial, ref["virial"][0], atol=1e-10)


def test_scripted_equals_eager(model, structure):
    ref = run(model, structure)
    out = run(torch.jit.script(model), structure)
    for key in ("energy", "node_energy", "forces", "virial"):
        np.testing.assert_allclose(out[key], ref[key], rtol=0, atol=1e-13)


def test_isolated_atom_energy_and_no_forces(model):
    c = conf([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0]], [6, 8])
    out = run(model, c)
    readout0 = float(torch.nn.functional.silu(model.readout_hidden.bias) @ model.readout_out)
    expected = np.array([-1025.0, -2035.0]) + 1.3 * readout0 - 0.25
    np.testing.assert_allclose(out["node_energy"], expected, atol=1e-12)
    assert np.all(out["forces"] == 0.0)


def test_smooth_at_cutoff(model):
    def pair(r: float) -> Dict[str, np.ndarray]:
        return run(model, conf([[0.0, 0.0, 0.0], [r, 0.0, 0.0]], [6, 1]))

    far = pair(CUTOFF + 1e-9)
    assert far["energy"][0] == pytest.approx(
        float(sum(run(model, conf([[0.0, 0, 0]], [z]))["energy"][0] for z in (6, 1))), abs=1e-12
    )
    for delta in (1e-2, 1e-3, 1e-4):
        near = pair(CUTOFF - delta)
        # envelope has a triple zero at r_c: E and F vanish like delta^3 and delta^2
        assert abs(near["energy"][0] - far["energy"][0]) < 50 * delta**3
        assert np.abs(near["forces"]).max() < 200 * delta**2
    exact = pair(CUTOFF)
    assert exact["energy"][0] == far["energy"][0]


def test_edges_beyond_cutoff_are_ignored(model, rng):
    pos, z = random_molecule(rng)
    species = torch.tensor(data.species_indices(z, ELEMENTS))
    x = torch.tensor(pos)
    n = len(pos)
    all_pairs = torch.tensor([[a, b] for a in range(n) for b in range(n) if a != b]).T
    i, j, _ = data.neighbour_list(pos, np.zeros((3, 3)), np.zeros(3, bool), CUTOFF)
    within = torch.tensor(np.stack([i, j]))
    np.testing.assert_allclose(
        model(x, species, all_pairs, n).detach().numpy(),
        model(x, species, within, n).detach().numpy(),
        atol=1e-14,
    )


@pytest.mark.parametrize("route", ["grid", "sparse", "fourier"])
def test_gaunt_routes_give_same_model_output(structure, route):
    reference = tiny_model()
    ref = run(reference, structure)
    routed = GauntNet(tiny_config(), seed=0, route=route)
    missing, unexpected = routed.load_state_dict(reference.state_dict(), strict=False)
    assert all(k.startswith("many_body.") for k in missing) and not unexpected
    out = run(routed, structure)
    for key in ("energy", "node_energy", "forces", "virial"):
        np.testing.assert_allclose(out[key], ref[key], rtol=0, atol=1e-11)


def test_nu_max_4_and_lmax_0(structure):
    for kw in (dict(nu_max=4, lmax=3), dict(nu_max=2, lmax=0), dict(nu_max=1, lmax=1)):
        m = tiny_model(**kw)
        ref = run(m, structure)
        sparse = GauntNet(tiny_config(**kw), seed=0, route="sparse")
        sparse.load_state_dict(m.state_dict(), strict=False)
        out = run(sparse, structure)
        np.testing.assert_allclose(out["forces"], ref["forces"], atol=1e-11)
        assert np.isfinite(ref["energy"]).all()


def test_float32_close_to_float64(structure):
    m64 = tiny_model()
    m32 = tiny_model(dtype="float32")
    assert m32.embedding.dtype == torch.float32
    g = data.collate(data.prepare([structure], ELEMENTS, CUTOFF))
    o64 = evaluate(m64, g, True, True)
    o32 = evaluate(m32, g.to(torch.float32), True, True)
    assert o32["energy"].dtype == torch.float32
    np.testing.assert_allclose(o32["energy"].detach().double(), o64["energy"].detach(), rtol=1e-6)
    np.testing.assert_allclose(o32["forces"].detach().double(), o64["forces"].detach(), atol=1e-4)


def test_batching_equals_single(model, rng):
    pos, z, cell = random_cell(rng, 4)
    confs = [conf(*random_molecule(rng, 5)), conf(pos, z, cell, True), conf(*random_molecule(rng))]
    g = data.collate(data.prepare(confs, ELEMENTS, CUTOFF))
    out = evaluate(model, g, True, True)
    start = 0
    for b, c in enumerate(confs):
        single = run(model, c)
        sl = slice(start, start + c.n_atoms)
        assert float(out["energy"][b]) == pytest.approx(single["energy"][0], rel=1e-13)
        np.testing.assert_allclose(out["forces"][sl].detach().numpy(), single["forces"], atol=1e-13)
        np.testing.assert_allclose(
            out["virial"][b].detach().numpy(), single["virial"][0], atol=1e-12
        )
        start += c.n_atoms


def test_empty_inputs(model):
    """An empty LAMMPS subdomain (no atoms) and atoms without edges are valid inputs."""
    scripted = torch.jit.script(model)
    pos = torch.zeros(0, 3, dtype=torch.float64, requires_grad=True)
    no_edges = torch.zeros(2, 0, dtype=torch.int64)
    energies = scripted(pos, torch.zeros(0, dtype=torch.int64), no_edges, 0)
    assert energies.shape == (0,)
    (grad,) = torch.autograd.grad(energies.sum(), [pos], allow_unused=True)
    assert grad is None or grad.shape == (0, 3)
    pos2 = torch.tensor([[0.0, 0.0, 0.0], [0.5, 0.0, 0.0]], dtype=torch.float64)
    pair = scripted(pos2, torch.tensor([1, 2]), no_edges, 2)
    single = scripted(pos2[:1], torch.tensor([1]), no_edges, 1)
    assert float(pair[0]) == float(single[0])
