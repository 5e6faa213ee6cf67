"""Real spherical harmonics (model_export.spherical_harmonics) against independent evaluations.

Independent sources: scipy.special.sph_harm (complex, CS phase), sympy's assoc_legendre with
exact normalisation at 30 digits, closed forms for l ≤ 2, the addition theorem, exact
quadrature (orthonormality), central finite differences (gradients).
"""

import math

import numpy as np
import pytest
import scipy.special
import sympy as sp
import torch

from model_export.gaunt import SphereGrid
from model_export.so3 import random_rotation, wigner_d_real
from model_export.spherical_harmonics import (
    MAX_DEGREE,
    SphericalHarmonics,
    sh_index,
    sh_size,
    spherical_harmonics,
)

SPECIAL_VECTORS = [
    [0.0, 0.0, 1.0],  # north pole
    [0.0, 0.0, -2.5],  # south pole, not unit
    [1.0, 0.0, 0.0],
    [0.0, -1.0, 0.0],
    [-3.0, 0.0, 0.0],
    [1.0, 1.0, 0.0],  # equator
    [0.0, 1e-9, 1.0],  # next to the pole
    [1e-12, -1e-12, -1.0],
]


def _test_vectors(rng: np.random.Generator, n: int = 20) -> np.ndarray:
    return np.concatenate([np.array(SPECIAL_VECTORS), rng.normal(size=(n, 3)) * 1.7])


def _scipy_real_sh(lmax: int, vectors: np.ndarray) -> np.ndarray:
    """Real SH from scipy's complex sph_harm(m, l, azimuth, polar) (CS phase included)."""
    polar = np.arctan2(np.hypot(vectors[:, 0], vectors[:, 1]), vectors[:, 2])  # accurate at poles
    azimuth = np.arctan2(vectors[:, 1], vectors[:, 0])
    out = np.zeros((len(vectors), sh_size(lmax)))
    for ell in range(lmax + 1):
        for m in range(-ell, ell + 1):
            y = scipy.special.sph_harm(abs(m), ell, azimuth, polar)
            if m == 0:
                value = y.real
            elif m > 0:
                value = math.sqrt(2.0) * y.real
            else:
                value = math.sqrt(2.0) * y.imag
            out[:, sh_index(ell, m)] = value
    return out


def test_sh_index_and_size():
    assert [sh_index(ell, m) for ell in range(3) for m in range(-ell, ell + 1)] == list(range(9))
    assert sh_size(3) == 16
    for bad in [(1, 2), (-1, 0), (2, -3)]:
        with pytest.raises(ValueError, match=r"\(l, m\)"):
            sh_index(*bad)
    with pytest.raises(ValueError, match="-1"):
        sh_size(-1)


def test_closed_forms_low_degree(rng):
    """Explicit CS-phase convention: Y_1 = sqrt(3/4π)(-y, z, -x), Y_2 from the textbook."""
    v = rng.normal(size=(10, 3))
    u = v / np.linalg.norm(v, axis=-1, keepdims=True)
    x, y, z = u.T
    c1 = math.sqrt(3.0 / (4.0 * math.pi))
    c2 = math.sqrt(15.0 / (4.0 * math.pi))
    expected = np.stack(
        [
            np.full_like(x, 0.5 / math.sqrt(math.pi)),
            -c1 * y,
            c1 * z,
            -c1 * x,
            c2 * x * y,
            -c2 * y * z,
            math.sqrt(5.0 / (16.0 * math.pi)) * (3 * z * z - 1),
            -c2 * x * z,
            0.5 * c2 * (x * x - y * y),
        ],
        axis=-1,
    )
    got = spherical_harmonics(2, torch.from_numpy(v)).numpy()
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-15)


def test_against_scipy(rng):
    # scipy evaluates P_l^m from cos θ, which rounds to 1 within 1e-8 of a pole: those two
    # vectors are checked against sympy instead.
    vectors = np.delete(_test_vectors(rng, 40), [6, 7], axis=0)
    got = spherical_harmonics(8, torch.from_numpy(vectors)).numpy()
    np.testing.assert_allclose(got, _scipy_real_sh(8, vectors), rtol=0, atol=1e-12)


def test_against_sympy_high_precision():
    """l ≤ 8 (and l = 16, m = 0, ±16, 7) vs sympy assoc_legendre at 30 digits, pole too."""
    vectors = [[0.3, -0.7, 0.5], [-1.1, 0.2, -0.9], [0.0, 0.0, 1.0], [0.0, 1e-9, 1.0]]
    got = spherical_harmonics(16, torch.tensor(vectors, dtype=torch.float64)).numpy()
    for row, (vx, vy, vz) in zip(got, vectors):
        x, y, z = (sp.Rational(str(c)) for c in (vx, vy, vz))
        r = sp.sqrt(x * x + y * y + z * z)
        phi = sp.atan2(y, x) if (x, y) != (0, 0) else sp.Integer(0)
        pairs = [(ell, m) for ell in range(9) for m in range(-ell, ell + 1)]
        pairs += [(16, 0), (16, 16), (16, -16), (16, 7)]
        for ell, m in pairs:
            k = abs(m)
            norm = sp.sqrt(
                sp.Rational(2 * ell + 1, 4) / sp.pi * sp.factorial(ell - k) / sp.factorial(ell + k)
            )
            azimuth = {0: 1}.get(m, sp.sqrt(2) * (sp.cos(k * phi) if m > 0 else sp.sin(k * phi)))
            exact = sp.N(norm * sp.assoc_legendre(ell, k, z / r) * azimuth, 30)
            assert abs(row[sh_index(ell, m)] - float(exact)) <= 1e-13 * max(1.0, abs(float(exact)))


def test_poles_and_axes_values():
    """At ±z only m = 0 survives: Y_l0(±z) = (±1)^l sqrt((2l+1)/4π)."""
    lmax = MAX_DEGREE
    got = spherical_harmonics(lmax, torch.tensor([[0.0, 0.0, 2.0], [0.0, 0.0, -0.5]]).double())
    for ell in range(lmax + 1):
        for m in range(-ell, ell + 1):
            expected = math.sqrt((2 * ell + 1) / (4 * math.pi)) if m == 0 else 0.0
            assert got[0, sh_index(ell, m)].item() == pytest.approx(expected, abs=1e-13)
            sign = (-1) ** ell
            assert got[1, sh_index(ell, m)].item() == pytest.approx(sign * expected, abs=1e-13)


def test_orthonormal_by_exact_quadrature():
    lmax = MAX_DEGREE
    grid = SphereGrid.exact_for(2 * lmax)
    y = spherical_harmonics(lmax, grid.points)
    gram = (y * grid.weights[:, None]).T @ y
    assert torch.allclose(gram, torch.eye(sh_size(lmax), dtype=torch.float64), rtol=0, atol=2e-13)


def test_addition_theorem(rng):
    """Σ_m Y_lm(u) Y_lm(v) = (2l+1)/(4π) P_l(u·v): a rotation-invariant identity."""
    u = rng.normal(size=(30, 3))
    v = rng.normal(size=(30, 3))
    yu = spherical_harmonics(12, torch.from_numpy(u)).numpy()
    yv = spherical_harmonics(12, torch.from_numpy(v)).numpy()
    cos_angle = np.sum(u * v, -1) / np.linalg.norm(u, axis=-1) / np.linalg.norm(v, axis=-1)
    for ell in range(13):
        block = slice(ell * ell, (ell + 1) ** 2)
        lhs = np.sum(yu[:, block] * yv[:, block], -1)
        rhs = (2 * ell + 1) / (4 * math.pi) * scipy.special.eval_legendre(ell, cos_angle)
        np.testing.assert_allclose(lhs, rhs, rtol=0, atol=1e-12)


def test_rotation_acts_by_orthogonal_wigner_d(rng):
    """Y(R x) = D Y(x) at points off the quadrature grid; D orthogonal."""
    lmax = 8
    rotation = random_rotation(rng)
    d = wigner_d_real(lmax, rotation)
    eye = torch.eye(sh_size(lmax), dtype=torch.float64)
    assert torch.allclose(d @ d.T, eye, rtol=0, atol=1e-13)
    x = torch.from_numpy(rng.normal(size=(25, 3)))
    y_rot = spherical_harmonics(lmax, x @ torch.from_numpy(rotation).T)
    assert torch.allclose(y_rot, spherical_harmonics(lmax, x) @ d.T, rtol=0, atol=1e-12)


def test_scale_invariance_shapes_and_float32(rng):
    v = torch.from_numpy(rng.normal(size=(2, 3, 5, 3)))
    y = spherical_harmonics(6, v)
    assert y.shape == (2, 3, 5, 49)
    assert torch.allclose(spherical_harmonics(6, 3.7 * v), y, rtol=0, atol=1e-14)
    y32 = spherical_harmonics(6, v.float())
    assert y32.dtype == torch.float32
    assert torch.allclose(y32.double(), y, rtol=0, atol=1e-5)
    assert spherical_harmonics(0, v).shape == (2, 3, 5, 1)


def _central_difference_vjp(fn, x: torch.Tensor, weights: torch.Tensor, eps: float) -> torch.Tensor:
    """d/dx Σ weights·fn(x) by central differences, element by element."""
    grad = torch.zeros_like(x)
    flat = x.detach().clone().reshape(-1)
    for k in range(flat.numel()):
        saved = flat[k].item()
        flat[k] = saved + eps
        plus = (fn(flat.reshape(x.shape)) * weights).sum()
        flat[k] = saved - eps
        minus = (fn(flat.reshape(x.shape)) * weights).sum()
        flat[k] = saved
        grad.reshape(-1)[k] = (plus - minus) / (2 * eps)
    return grad


def test_gradients_vs_finite_differences(rng):
    """Autograd vector-Jacobian products vs central differences (random output weights),
    including the poles and the axes."""
    lmax = 10
    vectors = torch.from_numpy(_test_vectors(rng, 8)).requires_grad_(True)
    for _ in range(2):
        weights = torch.from_numpy(rng.normal(size=(len(vectors), sh_size(lmax))))
        (grad,) = torch.autograd.grad((spherical_harmonics(lmax, vectors) * weights).sum(), vectors)
        fd = _central_difference_vjp(lambda v: spherical_harmonics(lmax, v), vectors, weights, 1e-6)
        scale = vectors.detach().norm(dim=-1, keepdim=True)  # ∂Y/∂r ~ 1/|r|
        assert torch.allclose(grad * scale, fd * scale, rtol=0, atol=1e-7)


def test_no_nan_at_poles_and_axes():
    vectors = torch.tensor(SPECIAL_VECTORS, dtype=torch.float64, requires_grad=True)
    y = spherical_harmonics(MAX_DEGREE, vectors)
    weights = torch.linspace(-1.0, 1.0, y.shape[-1], dtype=torch.float64)
    (grad,) = torch.autograd.grad((y * weights).sum(), vectors)
    assert torch.isfinite(y).all() and torch.isfinite(grad).all()
    # the gradient is tangent: Y depends on the direction only
    assert torch.allclose((grad * vectors).sum(-1), torch.zeros(len(vectors)).double(), atol=1e-9)


def test_torchscript():
    module = SphericalHarmonics(5)
    scripted = torch.jit.script(module)
    v = torch.randn(7, 3, dtype=torch.float64)
    assert torch.equal(scripted(v), module(v))
    assert "lmax=5" in repr(module)


@pytest.mark.parametrize("bad", [-1, MAX_DEGREE + 1, 2.0, "3"])
def test_bad_lmax(bad):
    with pytest.raises(ValueError, match=str(bad)):
        SphericalHarmonics(bad)


def test_bad_inputs():
    with pytest.raises(ValueError, match="17"):
        spherical_harmonics(17, torch.ones(3))
    with pytest.raises(ValueError, match=r"\[4, 2\]"):
        spherical_harmonics(2, torch.ones(4, 2))
