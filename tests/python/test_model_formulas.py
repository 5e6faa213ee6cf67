"""GauntNet energies recomputed in plain numpy from the file's weights, following
model_export/MODEL_FILE.md literally, with independent ingredients: scipy's complex spherical
harmonics (converted to the real convention of DESIGN.md §3), a brute-force periodic neighbour
search and a much finer quadrature grid than the model's. This is what the native engine does."""

import math

import numpy as np
import pytest
import torch
from scipy.special import sph_harm

from model_export import data
from model_export.config import GauntNetConfig
from model_export.model import GauntNet, evaluate, weight_shapes
from model_export.model_file import model_weights


def real_sh_scipy(lmax: int, vec: np.ndarray) -> np.ndarray:
    """[n, (lmax+1)^2] real SH: m>0 √2 Re Y_l^m, m<0 √2 Im Y_l^|m| (CS phase in scipy)."""
    r = np.linalg.norm(vec, axis=1)
    polar = np.arccos(np.clip(vec[:, 2] / r, -1, 1))
    azimuth = np.arctan2(vec[:, 1], vec[:, 0])
    out = np.zeros((len(vec), (lmax + 1) ** 2))
    for l in range(lmax + 1):  # noqa: E741 (l: the SH degree)
        for m in range(-l, l + 1):
            y = sph_harm(abs(m), l, azimuth, polar)
            if m == 0:
                val = y.real
            elif m > 0:
                val = math.sqrt(2) * y.real
            else:
                val = math.sqrt(2) * y.imag
            out[:, l * l + l + m] = val
    return out


def brute_force_edges(pos, cell, pbc, cutoff):
    reps = [
        int(np.ceil(cutoff / (1.0 / np.linalg.norm(np.linalg.inv(cell)[:, a])))) if pbc else 0
        for a in range(3)
    ]
    edges = []
    for i in range(len(pos)):
        for j in range(len(pos)):
            for s in np.ndindex(*(2 * n + 1 for n in reps)):
                s = np.array(s) - np.array(reps)
                if i == j and not s.any():
                    continue
                v = pos[j] - pos[i] + (s @ cell if pbc else 0.0)
                if np.linalg.norm(v) < cutoff:
                    edges.append((i, j, v))
    return edges


def silu(x):
    return x / (1.0 + np.exp(-x))


def numpy_energies(cfg: GauntNetConfig, w, pos, species, cell, pbc):
    rc, nb, lmax, k = cfg.cutoff, cfg.num_bessel, cfg.lmax, cfg.channels
    m_of = (lmax + 1) ** 2
    l_of_lm = np.array([deg for deg in range(lmax + 1) for _ in range(2 * deg + 1)])
    n = len(pos)
    a = np.zeros((n, m_of, k))
    p = cfg.envelope_p
    for i, j, v in brute_force_edges(pos, cell, pbc, rc):
        r = np.linalg.norm(v)
        d = r / rc
        u = (
            1
            - (p + 1) * (p + 2) / 2 * d**p
            + p * (p + 2) * d ** (p + 1)
            - p * (p + 1) / 2 * d ** (p + 2)
        )
        e = np.array(
            [math.sqrt(2 / rc) * math.sin(q * math.pi * r / rc) / r * u for q in range(1, nb + 1)]
        )
        x = e
        n_layers = len(cfg.radial_hidden) + 1
        for layer in range(n_layers):
            x = x @ w[f"radial_mlp.{layer}.weight"]
            if layer < n_layers - 1:
                x = silu(x)
        radial = x.reshape(lmax + 1, k)  # R[l, k] = x[l*K + k]
        y = real_sh_scipy(lmax, v[None, :])[0]
        h = w["embedding"][species[j]]
        for lm in range(m_of):
            a[i, lm] += radial[l_of_lm[lm]] * y[lm] * h
    a /= cfg.avg_num_neighbors
    a_mix = np.einsum("imq,mkq->imk", a, w["mixing"][l_of_lm])
    # fine product grid: 30 Gauss-Legendre rings x 60 azimuths (exact far beyond nu*L)
    x_gl, w_gl = np.polynomial.legendre.leggauss(30)
    phi = 2 * np.pi * (np.arange(60) + 0.5) / 60
    st = np.sqrt(1 - x_gl**2)
    pts = np.stack(
        [np.outer(st, np.cos(phi)), np.outer(st, np.sin(phi)), np.outer(x_gl, np.ones(60))], -1
    ).reshape(-1, 3)
    wts = np.outer(w_gl, np.full(60, 2 * np.pi / 60)).reshape(-1)
    ygrid = real_sh_scipy(lmax, pts)
    energies = np.zeros(n)
    for i in range(n):
        feats = []
        f = 0
        for nu in range(1, cfg.nu_max + 1):
            prod = np.ones((len(pts), k))
            for _xi in range(nu):
                coeff = w["factor_weights"][f, species[i]][l_of_lm] * a_mix[i]  # [M, K]
                prod = prod * (ygrid @ coeff)
                f += 1
            feats.append(wts @ prod)
        b = np.concatenate(feats)  # index (nu-1)*K + k
        readout = (
            b @ w["readout_linear"]
            + silu(b @ w["readout_hidden.weight"] + w["readout_hidden.bias"]) @ w["readout_out"]
        )
        energies[i] = cfg.e0s[species[i]] + cfg.scale * readout + cfg.shift
    return energies


@pytest.mark.parametrize("pbc", [False, True])
def test_numpy_formulas_match_model(pbc, rng):
    cfg = GauntNetConfig(
        elements=["H", "O"],
        cutoff=2.6,
        num_bessel=4,
        radial_hidden=[6],
        channels=3,
        lmax=2,
        nu_max=3,
        readout_hidden=5,
        avg_num_neighbors=3.0,
        e0s=[-1.0, -2.0],
        scale=0.7,
        shift=0.1,
    )
    model = GauntNet(cfg, seed=3)
    with torch.no_grad():
        model.readout_hidden.bias.normal_()
    w = model_weights(model)
    assert {k: list(v.shape) for k, v in w.items()} == weight_shapes(cfg)
    cell = np.diag([2.9, 3.1, 3.0]) + 0.3 * rng.uniform(-1, 1, (3, 3)) if pbc else np.zeros((3, 3))
    pos = rng.uniform(0, 2.5, (5, 3))
    species = np.array([0, 1, 0, 0, 1])
    expected = numpy_energies(cfg, w, pos, species, cell, pbc)
    c = data.Configuration(
        numbers=np.array([1, 8, 1, 1, 8]), positions=pos, cell=cell, pbc=np.array([pbc] * 3)
    )
    out = evaluate(model, data.collate(data.prepare([c], cfg.elements, cfg.cutoff)), False)
    np.testing.assert_allclose(out["node_energy"].detach().numpy(), expected, rtol=0, atol=1e-11)
