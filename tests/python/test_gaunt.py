"""Gaunt products (model_export.gaunt): every route against exact coefficients, each other,
rotations, selection rules, the grid-size boundary, finite differences and TorchScript.

Expected values come from tests/reference/real_gaunt_l4.json (exact sympy arithmetic, written
by tests/reference/make_gaunt_reference.py), from sympy's Wigner d, from real Wigner D
matrices computed by exact quadrature, and from central finite differences.
"""

import json
import math
import os
import pathlib

import numpy as np
import pytest
import sympy as sp
import torch
from sympy.physics.wigner import wigner_d_small

from model_export.gaunt import (
    MAX_FACTORS,
    GauntManyBody,
    GauntProduct,
    GauntRoute,
    SphereGrid,
    fourier_projection_table,
    fourier_synthesis_table,
    gauss_legendre,
    real_gaunt_dense,
    real_gaunt_selection,
    real_gaunt_table,
    theta_fourier_coefficients,
)
from model_export.so3 import random_rotation, rotate_coefficients, wigner_d_real
from model_export.spherical_harmonics import sh_size, spherical_harmonics

ROUTES = ["grid", "sparse", "fourier"]
EXACT_REL = 1e-13


def _random_coefficients(rng, degree, *leading):
    return torch.from_numpy(rng.normal(size=(*leading, sh_size(degree))))


def _rel_err(got: torch.Tensor, expected: torch.Tensor) -> float:
    return ((got - expected).abs().max() / expected.abs().max().clamp_min(1e-300)).item()


# --- quadrature ----------------------------------------------------------------------------------


def test_gauss_legendre_exactness():
    for n in (1, 4, 9):
        nodes, weights = gauss_legendre(n)
        assert nodes.dtype == weights.dtype == np.float64
        for k in range(2 * n):
            assert weights @ nodes**k == pytest.approx((1 + (-1) ** k) / (k + 1), abs=1e-14)
        k = 2 * n  # one degree too many
        assert abs(weights @ nodes**k - 2 / (k + 1)) > 1e-6
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match="Gauss-Legendre"):
            gauss_legendre(bad)


def _monomial_integral(a: int, b: int, c: int) -> float:
    if a % 2 or b % 2 or c % 2:
        return 0.0
    g = math.gamma
    return 2 * g((a + 1) / 2) * g((b + 1) / 2) * g((c + 1) / 2) / g((a + b + c + 3) / 2)


def _sphere_error(grid: SphereGrid, a: int, b: int, c: int) -> float:
    x, y, z = grid.points.numpy().T
    return abs(grid.weights.numpy() @ (x**a * y**b * z**c) - _monomial_integral(a, b, c))


@pytest.mark.parametrize("degree", [0, 3, 8, 13])
def test_sphere_grid_exact_for(degree):
    grid = SphereGrid.exact_for(degree)
    assert (grid.n_theta, grid.n_phi) == (math.ceil((degree + 1) / 2), degree + 1)
    assert grid.points.shape == (grid.size, 3) and grid.points.dtype == torch.float64
    assert torch.allclose(grid.points.norm(dim=-1), torch.ones(grid.size, dtype=torch.float64))
    assert grid.weights.sum().item() == pytest.approx(4 * math.pi, rel=1e-15)
    for a in range(degree + 1):
        for b in range(degree + 1 - a):
            for c in range(degree + 1 - a - b):
                assert _sphere_error(grid, a, b, c) < 1e-14
    # the sharp boundaries: with one φ point fewer x^D aliases onto the constant mode; with
    # one ring fewer Gauss-Legendre misses z^D or z^(D-1), whichever is even
    if degree >= 2:
        assert _sphere_error(SphereGrid(grid.n_theta, grid.n_phi - 1), degree, 0, 0) > 1e-3
        even = degree - degree % 2
        assert _sphere_error(SphereGrid(grid.n_theta - 1, grid.n_phi), 0, 0, even) > 1e-3


def test_sphere_grid_errors():
    for args in [(0, 3), (2, 0), (2.0, 3), (-1, -1)]:
        with pytest.raises(ValueError, match="n_"):
            SphereGrid(*args)
    with pytest.raises(ValueError, match="total_degree"):
        SphereGrid.exact_for(-1)


# --- real Gaunt coefficients ---------------------------------------------------------------------


def test_reference_file_is_symmetric(gaunt_reference):
    """All index orders are listed: the table is invariant under permutations (l ≤ 4 part)."""
    entries = {tuple(e[:3]): e[3] for e in gaunt_reference["gaunt"]}
    for (i1, i2, i3), value in entries.items():
        if i3 < 25:
            for perm in [(i2, i1, i3), (i3, i2, i1), (i1, i3, i2)]:
                assert entries[perm] == value


def test_real_gaunt_table_vs_exact(gaunt_reference):
    l1max, l2max, l3max = gaunt_reference["lmax_table"]
    table = real_gaunt_table(l1max, l2max, l3max)
    ours = {(a, b, c): v for a, b, c, v in zip(table.i1, table.i2, table.i3, table.values)}
    exact = {tuple(e[:3]): e[3] for e in gaunt_reference["gaunt"]}
    assert set(ours) == set(exact)  # same nonzero pattern
    # quadrature rounding is absolute (~1e-16 per term); the smallest coefficients (~0.007)
    # therefore carry the largest relative error
    assert max(abs(ours[k] - v) for k, v in exact.items()) < 2e-15
    assert max(abs(ours[k] - v) / abs(v) for k, v in exact.items()) < EXACT_REL


def test_documented_sympy_real_gaunt_example():
    """sympy documents real_gaunt(2, 2, 4, -1, -1, 0) = -2/(7 sqrt(π)); for |m| = 1 sympy's real
    harmonics equal ours (the sign map of make_gaunt_reference.py is +1)."""
    dense = real_gaunt_dense(2, 2, 4)
    assert dense[5, 5, 20] == pytest.approx(-2 / (7 * math.sqrt(math.pi)), rel=1e-15)


def test_selection_rules_and_odd_paths():
    dense = real_gaunt_dense(5, 5, 10)
    allowed = real_gaunt_selection(5, 5, 10)
    assert np.abs(dense[~allowed]).max() < 1e-14
    deg = np.concatenate([np.full(2 * k + 1, k) for k in range(11)])
    odd = (deg[:36, None, None] + deg[None, :36, None] + deg[None, None, :]) % 2 == 1
    assert np.abs(dense[odd]).max() < 1e-14 and not allowed[odd].any()
    assert len(real_gaunt_table(5, 5, 10).values) == np.count_nonzero(np.abs(dense) > 1e-14)


def test_selection_rules_are_sharp(gaunt_reference):
    """Every exact nonzero is allowed, and the allowed zeros are the two known accidental zeros
    of the 3j symbols, (3 3 2; 2 -2 0) and (4 4 6; 2 0 -2), in all index orders."""
    exact = np.zeros((25, 25, 81), dtype=bool)
    for i1, i2, i3, _ in gaunt_reference["gaunt"]:
        exact[i1, i2, i3] = True
    allowed = real_gaunt_selection(4, 4, 8)
    assert not (exact & ~allowed).any()
    flat = {(ell, m): ell * ell + ell + m for ell in range(9) for m in range(-ell, ell + 1)}
    expected = set()
    for sign in (1, -1):
        for a, b, c in [
            ((2, 0), (3, 2 * sign), (3, 2 * sign)),
            ((4, 0), (4, 2 * sign), (6, 2 * sign)),
        ]:
            for perm in {(a, b, c), (b, a, c), (a, c, b), (c, a, b), (b, c, a), (c, b, a)}:
                if perm[0][0] <= 4 and perm[1][0] <= 4:
                    expected.add(tuple(flat[x] for x in perm))
    assert set(zip(*np.nonzero(allowed & ~exact))) == expected


def test_table_argument_errors():
    with pytest.raises(ValueError, match="l1max"):
        real_gaunt_table(-1, 2, 2)
    with pytest.raises(ValueError, match="l3max"):
        real_gaunt_table(1, 2, 33)


# --- 2D Fourier tables ---------------------------------------------------------------------------


def test_theta_coefficients_match_design_formula():
    """a^{l,m}_u = sqrt((2l+1)/4π) i^{-m} Δ^l_{u,m} Δ^l_{u,0} (DESIGN.md §3), Δ = d(π/2) in the
    standard convention; sympy's wigner_d_small(l, β)[l - a, l - b] is d^l_{ba}(β)."""
    lmax = 6
    a = theta_fourier_coefficients(lmax)
    for ell in range(lmax + 1):
        d = np.array(wigner_d_small(ell, sp.pi / 2).evalf(25).tolist(), dtype=np.float64)

        def delta(u, m):
            return d[ell - m, ell - u]

        for m in range(ell + 1):
            for u in range(-lmax, lmax + 1):
                expected = 0.0
                if abs(u) <= ell:
                    expected = (
                        math.sqrt((2 * ell + 1) / (4 * math.pi))
                        * (1j) ** (-m)
                        * delta(u, m)
                        * delta(u, 0)
                    )
                assert abs(a[ell, m, u + lmax] - expected) < 1e-14


def test_fourier_synthesis_reproduces_sh(rng):
    lmax = 7
    y = fourier_synthesis_table(lmax)
    theta = rng.uniform(0, np.pi, 20)
    phi = rng.uniform(0, 2 * np.pi, 20)
    u = np.arange(-lmax, lmax + 1)
    waves = np.exp(1j * (theta[:, None, None] * u[:, None] + phi[:, None, None] * u[None, :]))
    values = np.einsum("nuv,puv->pn", y, waves)
    points = np.stack([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)], -1)
    expected = spherical_harmonics(lmax, torch.from_numpy(points)).numpy()
    assert np.abs(values.imag).max() < 1e-14
    assert np.abs(values.real - expected).max() < 1e-13


def test_fourier_projection_integrates_sh():
    """Σ_uv y^{l'm'}_{uv} z^{lm}_{uv} = ∫ Y_l'm' Y_lm dΩ = δ (the projection table is exact)."""
    lmax = 6
    y = fourier_synthesis_table(lmax).reshape(sh_size(lmax), -1)
    z = fourier_projection_table(lmax, lmax).reshape(-1, sh_size(lmax))
    gram = y @ z
    assert np.abs(gram - np.eye(sh_size(lmax))).max() < 1e-13


# --- products vs exact ---------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES + [GauntRoute.GRID])
def test_routes_vs_exact_products(gaunt_reference, route):
    modules = {}
    for record in gaunt_reference["products"]:
        key = (record["l1"], record["l2"], record["lout"])
        if key not in modules:
            modules[key] = GauntProduct(*key, route=route)
        a = torch.tensor(record["a"], dtype=torch.float64)
        b = torch.tensor(record["b"], dtype=torch.float64)
        expected = torch.tensor(record["out"], dtype=torch.float64)
        assert _rel_err(modules[key](a, b), expected) < EXACT_REL, (route, key)
    assert set(modules) == {(1, 1, 2), (2, 3, 5), (4, 4, 8), (3, 2, 1)}


@pytest.mark.parametrize(
    "l1,l2,lout", [(0, 0, 0), (0, 5, 5), (5, 0, 3), (2, 2, 7), (3, 3, 2), (6, 5, 11), (8, 8, 16)]
)
def test_routes_agree(rng, l1, l2, lout):
    a = _random_coefficients(rng, l1, 3, 2)
    b = _random_coefficients(rng, l2, 3, 2)
    outs = {r: GauntProduct(l1, l2, lout, r)(a, b) for r in ROUTES}
    assert outs["grid"].shape == (3, 2, sh_size(lout))
    for route in ("sparse", "fourier"):
        assert _rel_err(outs[route], outs["grid"]) < EXACT_REL, route
    if lout > l1 + l2:  # components above l1 + l2 vanish
        top = sh_size(l1 + l2)
        assert outs["grid"][..., top:].abs().max() < 1e-14


def test_product_with_constant_is_projection(rng):
    """Y_00 = 1/sqrt(4π): (c Y_00) · g projects to c g / sqrt(4π) (truncated to lout)."""
    b = _random_coefficients(rng, 4, 5)
    a = torch.ones(5, 1, dtype=torch.float64) * 2.5
    for route in ROUTES:
        out = GauntProduct(0, 4, 3, route)(a, b)
        assert _rel_err(out, 2.5 * b[:, :16] / math.sqrt(4 * math.pi)) < EXACT_REL


@pytest.mark.parametrize("route", ROUTES)
def test_odd_paths_vanish(rng, route):
    """Inputs of pure degree l1, l2: output degrees l3 with l1 + l2 + l3 odd are zero."""
    for l1, l2 in [(1, 1), (2, 3), (3, 4)]:
        a = _random_coefficients(rng, l1, 4)
        b = _random_coefficients(rng, l2, 4)
        a[:, : l1 * l1] = 0
        b[:, : l2 * l2] = 0
        out = GauntProduct(l1, l2, l1 + l2 + 1, route)(a, b)
        for l3 in range(l1 + l2 + 2):
            block = out[:, slice(l3 * l3, (l3 + 1) ** 2)]
            if (l1 + l2 + l3) % 2 or l3 < abs(l1 - l2) or l3 > l1 + l2:
                assert block.abs().max() < 1e-14, (l1, l2, l3)
            else:
                assert block.abs().max() > 1e-3, (l1, l2, l3)


@pytest.mark.parametrize("route", ROUTES)
def test_equivariance(rng, route):
    """P(D a, D b) = D P(a, b) for a random rotation, with D by exact quadrature."""
    d = wigner_d_real(8, random_rotation(rng))
    for l1, l2, lout in [(1, 1, 2), (2, 3, 5), (4, 4, 8), (3, 2, 1)]:
        product = GauntProduct(l1, l2, lout, route)
        a = _random_coefficients(rng, l1, 6)
        b = _random_coefficients(rng, l2, 6)
        rotated = product(rotate_coefficients(a, d), rotate_coefficients(b, d))
        expected = rotate_coefficients(product(a, b), d)
        assert _rel_err(rotated, expected) < 1e-12, (l1, l2, lout)


@pytest.mark.parametrize("l1,l2,lout", [(1, 1, 2), (2, 3, 5), (3, 3, 3), (4, 2, 6)])
def test_grid_size_boundary(rng, l1, l2, lout):
    """The exact grid is exact; one ring or one φ point fewer gives O(1) errors."""
    a = _random_coefficients(rng, l1, 8)
    b = _random_coefficients(rng, l2, 8)
    exact = GauntProduct(l1, l2, lout, "sparse")(a, b)
    grid = SphereGrid.exact_for(l1 + l2 + lout)
    assert _rel_err(GauntProduct(l1, l2, lout, grid=grid)(a, b), exact) < EXACT_REL
    for smaller in (
        SphereGrid(grid.n_theta - 1, grid.n_phi),
        SphereGrid(grid.n_theta, grid.n_phi - 1),
    ):
        assert _rel_err(GauntProduct(l1, l2, lout, grid=smaller)(a, b), exact) > 1e-2, smaller


# --- many-body -----------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_many_body_vs_pairwise(rng, route):
    """ν-fold product = chain of full exact pairwise products (sparse route), projected."""
    for degrees, lout in [([2], 1), ([2], 4), ([1, 2], 3), ([2, 2, 1], 2), ([2, 1, 2, 1], 3)]:
        xs = [_random_coefficients(rng, d, 3) for d in degrees]
        acc, acc_degree = xs[0], degrees[0]
        for x, d in zip(xs[1:], degrees[1:]):
            acc = GauntProduct(acc_degree, d, acc_degree + d, "sparse")(acc, x)
            acc_degree += d
        n = sh_size(lout)
        expected = torch.zeros(3, n, dtype=torch.float64)
        expected[:, : min(n, acc.shape[-1])] = acc[:, :n]
        got = GauntManyBody(degrees, lout, route)(xs)
        assert got.shape == (3, n)
        assert _rel_err(got, expected) < EXACT_REL, (degrees, lout)


@pytest.mark.parametrize("route", ROUTES)
def test_many_body_invariants(rng, route):
    """lout = 0: ∫ f g dΩ = a·b (orthonormality); the invariant is rotation-invariant."""
    a = _random_coefficients(rng, 3, 4)
    b = _random_coefficients(rng, 3, 4)
    out = GauntManyBody([3, 3], 0, route)([a, b])[:, 0] * math.sqrt(4 * math.pi)
    assert torch.allclose(out, (a * b).sum(-1), rtol=1e-13, atol=0)
    d = wigner_d_real(3, random_rotation(rng))
    xs = [_random_coefficients(rng, 3, 4) for _ in range(4)]
    body = GauntManyBody([3, 3, 3, 3], 0, route)
    rotated = body([rotate_coefficients(x, d) for x in xs])
    assert _rel_err(rotated, body(xs)) < 1e-12


def test_many_body_routes_agree_nu4(rng):
    degrees, lout = [3, 2, 3, 1], 4
    xs = [_random_coefficients(rng, d, 2, 3) for d in degrees]
    outs = {r: GauntManyBody(degrees, lout, r)(tuple(xs)) for r in ROUTES}
    for route in ("sparse", "fourier"):
        assert _rel_err(outs[route], outs["grid"]) < EXACT_REL, route


# --- gradients, dtypes, batching, TorchScript, errors --------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_gradients_vs_finite_differences(rng, route):
    a = _random_coefficients(rng, 2, 2).requires_grad_(True)
    b = _random_coefficients(rng, 3, 2).requires_grad_(True)
    product = GauntProduct(2, 3, 4, route)
    assert torch.autograd.gradcheck(product, (a, b), eps=1e-6, atol=1e-9, rtol=1e-7)
    xs = tuple(_random_coefficients(rng, d, 2).requires_grad_(True) for d in (1, 2, 2))
    body = GauntManyBody([1, 2, 2], 2, route)
    assert torch.autograd.gradcheck(lambda *x: body(list(x)), xs, eps=1e-6, atol=1e-9, rtol=1e-7)


@pytest.mark.parametrize("route", ROUTES)
def test_float32_and_dtype_following(rng, route):
    a = _random_coefficients(rng, 3, 5)
    b = _random_coefficients(rng, 2, 5)
    product = GauntProduct(3, 2, 4, route)
    expected = product(a, b)
    out32 = product(a.float(), b.float())  # float64 buffers, float32 inputs
    assert out32.dtype == torch.float32
    assert _rel_err(out32.double(), expected) < 1e-5
    product32 = GauntProduct(3, 2, 4, route).to(torch.float32)
    for name, buffer in product32.named_buffers():
        assert buffer.dtype in (torch.float32, torch.int64), name
    assert _rel_err(product32(a.float(), b.float()).double(), expected) < 1e-5


@pytest.mark.parametrize("route", ROUTES)
def test_batching_and_broadcast(rng, route):
    a = _random_coefficients(rng, 2, 4, 3)  # items × channels
    b = _random_coefficients(rng, 2, 4, 3)
    product = GauntProduct(2, 2, 3, route)
    batched = product(a, b)
    single = torch.stack(
        [torch.stack([product(a[i, c], b[i, c]) for c in range(3)]) for i in range(4)]
    )
    assert torch.allclose(batched, single, rtol=0, atol=1e-15)
    broadcast = product(a, b[0, 0])
    assert torch.allclose(broadcast, product(a, b[0, 0].expand(4, 3, -1)), rtol=0, atol=1e-15)


@pytest.mark.parametrize("route", ROUTES)
def test_torchscript(rng, route):
    a = _random_coefficients(rng, 2, 3)
    b = _random_coefficients(rng, 3, 3)
    product = GauntProduct(2, 3, 5, route)
    assert torch.allclose(torch.jit.script(product)(a, b), product(a, b), rtol=0, atol=1e-15)
    body = GauntManyBody([2, 3, 2], 1, route)
    xs = [a, b, a]
    assert torch.allclose(torch.jit.script(body)(xs), body(xs), rtol=0, atol=1e-15)


def test_argument_errors():
    with pytest.raises(ValueError, match="'spectral'"):
        GauntProduct(1, 1, 2, "spectral")
    with pytest.raises(ValueError, match="l1 .* 17"):
        GauntProduct(17, 1, 2)
    with pytest.raises(ValueError, match="lout .* -1"):
        GauntProduct(1, 1, -1)
    with pytest.raises(ValueError, match="l2 must be an int, got 1.0"):
        GauntProduct(1, 1.0, 2)
    with pytest.raises(ValueError, match="only be given to the 'grid' route"):
        GauntProduct(1, 1, 2, "sparse", grid=SphereGrid(3, 5))
    with pytest.raises(ValueError, match=f"1 to {MAX_FACTORS} factors, got 5"):
        GauntManyBody([1] * 5, 0)
    with pytest.raises(ValueError, match="1 to"):
        GauntManyBody([], 0)
    product = GauntProduct(2, 1, 2)
    with pytest.raises(ValueError, match=r"a must have shape \[\.\.\., 9\], got \[3, 4\]"):
        product(torch.zeros(3, 4, dtype=torch.float64), torch.zeros(3, 4, dtype=torch.float64))
    with pytest.raises(ValueError, match="expected 2 factors, got 1"):
        GauntManyBody([1, 1], 0)([torch.zeros(4, dtype=torch.float64)])
    assert "route='grid'" in repr(product)


# --- cross-check with the C++ routes -------------------------------------------------------------


def test_against_cpp_reference():
    """Compare with gaunt_products_cpp.json written by the C++ tests, when available:
    GAUNT_CPP_REFERENCE_DIR=<dir> with records {"route","l1","l2","lout","a","b","out"}."""
    directory = os.environ.get("GAUNT_CPP_REFERENCE_DIR")
    if not directory:
        pytest.skip("GAUNT_CPP_REFERENCE_DIR is not set (C++ reference products not available)")
    path = pathlib.Path(directory) / "gaunt_products_cpp.json"
    if not path.is_file():
        pytest.skip(f"{path} does not exist (run the C++ tests that write it first)")
    records = json.loads(path.read_text())
    assert isinstance(records, list) and records, f"{path}: expected a non-empty list of records"
    modules = {}
    for record in records:
        key = (int(record["l1"]), int(record["l2"]), int(record["lout"]))
        # one item, one channel: flatten whatever nesting the writer used
        a = torch.tensor(record["a"], dtype=torch.float64).reshape(-1)
        b = torch.tensor(record["b"], dtype=torch.float64).reshape(-1)
        expected = torch.tensor(record["out"], dtype=torch.float64).reshape(-1)
        for route in ROUTES:
            if (key, route) not in modules:
                modules[(key, route)] = GauntProduct(*key, route=route)
            err = _rel_err(modules[(key, route)](a, b), expected)
            assert err < 1e-12, f"C++ route {record['route']!r} vs Python {route!r} at {key}: {err}"
