"""Gaunt tensor products of spherical functions in PyTorch (DESIGN.md §3).

A spherical function of degree ≤ L is stored as its real-SH coefficients, a tensor [..., (L+1)²]
in the flat order ``l*l + l + m`` of :mod:`model_export.spherical_harmonics`. The Gaunt product
of ``f = Σ a_lm Y_lm`` (degree ≤ L1) and ``g = Σ b_lm Y_lm`` (degree ≤ L2) is the projection of
the pointwise product f·g onto degrees ≤ Lout:

    c_l3m3 = Σ G(l1m1, l2m2, l3m3) a_l1m1 b_l2m2,   G(l1m1, l2m2, l3m3) = ∫_{S²} Y Y Y dΩ.

Paths with l1 + l2 + l3 odd vanish. Three exact routes compute the same numbers:

* ``"grid"``: synthesis on a :class:`SphereGrid` (Gauss-Legendre in cos θ × uniform φ),
  pointwise product, weighted analysis. Exact iff n_θ ≥ ceil((ΣL + Lout + 1)/2) and
  n_φ ≥ ΣL + Lout + 1.
* ``"sparse"``: contraction over the nonzero real Gaunt coefficients (:func:`real_gaunt_table`);
  it materialises [..., n_coefficients] intermediates, so it suits small L.
* ``"fourier"``: the 2D Fourier route of Luo, Chen & Wang (ICLR 2024): SH -> coefficients of
  e^{i(uθ + vφ)} on the torus (θ extended to [0, 2π)), 2D linear convolution by FFT, and back
  to SH with the exact integrals I(n) = ∫_0^π e^{inθ} sin θ dθ.

All tables are built once in float64; modules cast them to the input dtype, and
``module.to(torch.float32)`` converts them as well. Inputs are batched over any leading
dimensions (broadcast between the factors). All modules are ``torch.jit.script``-able.
"""

import math
from enum import Enum
from typing import List, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import Tensor

from .spherical_harmonics import MAX_DEGREE, _real_sph

#: Largest number of factors of :class:`GauntManyBody`.
MAX_FACTORS = 4
#: Largest output degree (the full product of two degree-16 functions).
MAX_OUTPUT_DEGREE = 2 * MAX_DEGREE


class GauntRoute(str, Enum):
    """How a Gaunt product is computed (all three are exact in exact arithmetic)."""

    GRID = "grid"
    SPARSE = "sparse"
    FOURIER = "fourier"


RouteLike = Union[str, GauntRoute]


def _route(route: RouteLike) -> str:
    try:
        return GauntRoute(route).value
    except ValueError:
        valid = ", ".join(repr(r.value) for r in GauntRoute)
        raise ValueError(f"unknown Gaunt route {route!r}; expected one of {valid}") from None


def _check_degree(name: str, value: int, upper: int = MAX_DEGREE) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an int, got {value!r}")
    if value < 0 or value > upper:
        raise ValueError(f"{name} must be in [0, {upper}], got {value}")
    return int(value)


# ---------------------------------------------------------------------------------------------
# Quadrature
# ---------------------------------------------------------------------------------------------


def gauss_legendre(n: int) -> Tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes (ascending) and weights on [-1, 1], float64; exact to degree 2n-1."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"number of Gauss-Legendre nodes must be an int >= 1, got {n!r}")
    nodes, weights = np.polynomial.legendre.leggauss(int(n))
    return nodes.astype(np.float64), weights.astype(np.float64)


class SphereGrid:
    """Product quadrature on S²: Gauss-Legendre in z = cos θ (n_theta rings) × n_phi uniform φ.

    Points are ordered ring by ring (θ index major, φ index minor), φ_j = 2π j / n_phi. The rule
    ∫_{S²} p dΩ ≈ Σ_k weights[k] p(points[k]) is exact for every polynomial p in (x, y, z) of
    total degree ≤ D iff n_theta ≥ ceil((D+1)/2) and n_phi ≥ D+1 (:meth:`exact_for`).
    """

    def __init__(self, n_theta: int, n_phi: int) -> None:
        if isinstance(n_theta, bool) or not isinstance(n_theta, (int, np.integer)) or n_theta < 1:
            raise ValueError(f"n_theta must be an int >= 1, got {n_theta!r}")
        if isinstance(n_phi, bool) or not isinstance(n_phi, (int, np.integer)) or n_phi < 1:
            raise ValueError(f"n_phi must be an int >= 1, got {n_phi!r}")
        self.n_theta = int(n_theta)
        self.n_phi = int(n_phi)
        z, w_z = gauss_legendre(self.n_theta)
        phi = 2.0 * np.pi * np.arange(self.n_phi, dtype=np.float64) / self.n_phi
        sin_theta = np.sqrt((1.0 - z) * (1.0 + z))
        x = sin_theta[:, None] * np.cos(phi)[None, :]
        y = sin_theta[:, None] * np.sin(phi)[None, :]
        zz = np.broadcast_to(z[:, None], x.shape)
        points = np.stack([x, y, zz], axis=-1).reshape(-1, 3)
        weights = np.broadcast_to(w_z[:, None] * (2.0 * np.pi / self.n_phi), x.shape).reshape(-1)
        #: [P, 3] float64 unit vectors.
        self.points = torch.from_numpy(np.array(points, dtype=np.float64))
        #: [P] float64 weights, summing to 4π.
        self.weights = torch.from_numpy(np.array(weights, dtype=np.float64))

    @classmethod
    def exact_for(cls, total_degree: int) -> "SphereGrid":
        """The smallest grid exact for polynomials of total degree ≤ total_degree on S²."""
        d = _check_degree("total_degree", total_degree, upper=10**6)
        return cls((d + 2) // 2, d + 1)

    @property
    def size(self) -> int:
        """Number of points P = n_theta · n_phi."""
        return self.n_theta * self.n_phi

    def __repr__(self) -> str:
        return f"SphereGrid(n_theta={self.n_theta}, n_phi={self.n_phi})"


def _sh_numpy(lmax: int, points: Tensor) -> np.ndarray:
    """Real SH at points in float64 numpy: [P, (lmax+1)²]."""
    return _real_sph(lmax, points.to(torch.float64)).numpy()


# ---------------------------------------------------------------------------------------------
# Real Gaunt coefficients
# ---------------------------------------------------------------------------------------------


class GauntTable(NamedTuple):
    """Nonzero real Gaunt coefficients as a sparse list: G(i1, i2, i3) = values (flat indices)."""

    i1: np.ndarray
    i2: np.ndarray
    i3: np.ndarray
    values: np.ndarray


def _lm_arrays(lmax: int) -> Tuple[np.ndarray, np.ndarray]:
    degree = np.concatenate([np.full(2 * k + 1, k) for k in range(lmax + 1)])
    order = np.concatenate([np.arange(-k, k + 1) for k in range(lmax + 1)])
    return degree, order


def real_gaunt_selection(l1max: int, l2max: int, l3max: int) -> np.ndarray:
    """Boolean [n1, n2, n3] mask of the real Gaunt coefficients allowed by the selection rules.

    Allowed iff l1 + l2 + l3 is even, |l1 - l2| ≤ l3 ≤ l1 + l2, an even number of the m's is
    negative (sin factors), and one of |m1|, |m2|, |m3| is the sum of the other two.
    """
    l1, m1 = (a[:, None, None] for a in _lm_arrays(l1max))
    l2, m2 = (a[None, :, None] for a in _lm_arrays(l2max))
    l3, m3 = (a[None, None, :] for a in _lm_arrays(l3max))
    parity = (l1 + l2 + l3) % 2 == 0
    triangle = (l3 >= np.abs(l1 - l2)) & (l3 <= l1 + l2)
    negatives = ((m1 < 0).astype(int) + (m2 < 0) + (m3 < 0)) % 2 == 0
    a1, a2, a3 = np.abs(m1), np.abs(m2), np.abs(m3)
    moduli = (a1 + a2 == a3) | (a1 + a3 == a2) | (a2 + a3 == a1)
    return parity & triangle & negatives & moduli


def real_gaunt_dense(l1max: int, l2max: int, l3max: int) -> np.ndarray:
    """All real Gaunt coefficients G[i1, i2, i3] = ∫ Y_i1 Y_i2 Y_i3 dΩ in float64, by exact
    quadrature (no selection rules applied: forbidden entries are rounding-level)."""
    l1max = _check_degree("l1max", l1max, MAX_OUTPUT_DEGREE)
    l2max = _check_degree("l2max", l2max, MAX_OUTPUT_DEGREE)
    l3max = _check_degree("l3max", l3max, MAX_OUTPUT_DEGREE)
    grid = SphereGrid.exact_for(l1max + l2max + l3max)
    y = _sh_numpy(max(l1max, l2max, l3max), grid.points)
    w = grid.weights.numpy()
    n1, n2, n3 = (l1max + 1) ** 2, (l2max + 1) ** 2, (l3max + 1) ** 2
    y2 = y[:, :n2]
    yw3 = y[:, :n3] * w[:, None]
    out = np.empty((n1, n2, n3))
    for i in range(n1):
        out[i] = (y2 * y[:, i, None]).T @ yw3
    return out


def real_gaunt_table(l1max: int, l2max: int, l3max: int, tol: float = 1e-14) -> GauntTable:
    """Nonzero real Gaunt coefficients G(l1m1, l2m2, l3m3) = ∫ Y_l1m1 Y_l2m2 Y_l3m3 dΩ for
    l1 ≤ l1max, l2 ≤ l2max, l3 ≤ l3max, in float64 from an exact quadrature.

    Entries must pass :func:`real_gaunt_selection` and have |G| > tol (drops the accidental
    zeros, whose quadrature values are rounding noise). Sorted by (i3, i1, i2).
    """
    dense = real_gaunt_dense(l1max, l2max, l3max)
    keep = real_gaunt_selection(l1max, l2max, l3max) & (np.abs(dense) > tol)
    i1, i2, i3 = np.nonzero(keep)
    order = np.lexsort((i2, i1, i3))
    i1, i2, i3 = i1[order], i2[order], i3[order]
    return GauntTable(
        i1.astype(np.int64), i2.astype(np.int64), i3.astype(np.int64), dense[i1, i2, i3].copy()
    )


# ---------------------------------------------------------------------------------------------
# 2D Fourier tables
# ---------------------------------------------------------------------------------------------


def theta_fourier_coefficients(lmax: int) -> np.ndarray:
    """a^{l,m}_u: Θ_l^m(θ) = N_l^m P_l^m(cos θ) = Σ_{u=-l..l} a^{l,m}_u e^{iuθ} for 0 ≤ m ≤ l.

    Complex [lmax+1, lmax+1, 2·lmax+1] array indexed [l, m, u + lmax] (zero for m > l or
    |u| > l). Built in float64 by sampling Θ_l^m on M = 2·lmax + 2 equispaced θ ∈ [0, 2π)
    with the stable recurrence P_l^m = Q_l^m(cos θ) sin^m θ (signed sin θ, so Θ is a
    trigonometric polynomial of degree l on the whole circle) and a DFT.
    """
    lmax = _check_degree("lmax", lmax, MAX_OUTPUT_DEGREE)
    n_samples = 2 * lmax + 2
    theta = 2.0 * np.pi * np.arange(n_samples) / n_samples
    c, s = np.cos(theta), np.sin(theta)
    from .spherical_harmonics import sh_prefactors

    prefactor = sh_prefactors(lmax)
    out = np.zeros((lmax + 1, lmax + 1, 2 * lmax + 1), dtype=np.complex128)
    u = np.arange(-lmax, lmax + 1)
    basis = np.exp(-1j * np.outer(theta, u)) / n_samples  # DFT: a_u = (1/M) Σ_j Θ(θ_j) e^{-iuθ_j}
    for m in range(lmax + 1):
        q = np.zeros((lmax + 1, n_samples))
        q[m] = np.prod([-(2.0 * k - 1.0) for k in range(1, m + 1)])
        if m + 1 <= lmax:
            q[m + 1] = (2 * m + 1) * c * q[m]
        for l in range(m + 2, lmax + 1):  # noqa: E741 (l: the SH degree)
            q[l] = ((2 * l - 1) * c * q[l - 1] - (l + m - 1) * q[l - 2]) / (l - m)
        sin_m = s**m
        for l in range(m, lmax + 1):  # noqa: E741 (l: the SH degree)
            norm = prefactor[l * (l + 1) // 2 + m] / (math.sqrt(2.0) if m > 0 else 1.0)
            coeff = (norm * q[l] * sin_m) @ basis
            coeff[np.abs(u) > l] = 0.0  # exactly zero in exact arithmetic (degree l)
            out[l, m] = coeff
    return out


def _phi_coefficients(m: int) -> List[Tuple[int, complex]]:
    """b^m_v: Φ_m(φ) = Σ_v b^m_v e^{ivφ}."""
    if m == 0:
        return [(0, 1.0 + 0.0j)]
    r = 1.0 / math.sqrt(2.0)
    if m > 0:
        return [(m, r + 0.0j), (-m, r + 0.0j)]
    return [(-m, -1j * r), (m, 1j * r)]


def fourier_synthesis_table(lmax: int) -> np.ndarray:
    """y^{lm}_{uv} = a^{l,|m|}_u b^m_v: complex [(lmax+1)², 2lmax+1, 2lmax+1] indexed
    [lm, u + lmax, v + lmax], so that Y_lm(θ, φ) = Σ_uv y^{lm}_{uv} e^{i(uθ + vφ)}."""
    a = theta_fourier_coefficients(lmax)
    size = 2 * lmax + 1
    out = np.zeros(((lmax + 1) ** 2, size, size), dtype=np.complex128)
    for l in range(lmax + 1):  # noqa: E741 (l: the SH degree)
        for m in range(-l, l + 1):
            for v, b in _phi_coefficients(m):
                out[l * l + l + m, :, v + lmax] = a[l, abs(m)] * b
    return out


def _sin_theta_integral(n: np.ndarray) -> np.ndarray:
    """I(n) = ∫_0^π e^{inθ} sin θ dθ: 2/(1-n²) for even n, ±iπ/2 for n = ±1, 0 otherwise."""
    n = np.asarray(n)
    out = np.zeros(n.shape, dtype=np.complex128)
    even = n % 2 == 0
    out[even] = 2.0 / (1.0 - n[even].astype(np.float64) ** 2)
    out[n == 1] = 0.5j * np.pi
    out[n == -1] = -0.5j * np.pi
    return out


def fourier_projection_table(lout: int, kmax: int) -> np.ndarray:
    """z^{lm}_{uv} = 2π b^m_{-v} T^{l,|m|}(u), T(u) = Σ_k a^{l,|m|}_k I(u + k): complex
    [2kmax+1, 2kmax+1, (lout+1)²] indexed [u + kmax, v + kmax, lm], so that for
    F(θ, φ) = Σ_uv F_uv e^{i(uθ + vφ)} (|u|, |v| ≤ kmax):  ∫_{S²} F Y_lm dΩ = Σ_uv F_uv z^{lm}_{uv}.
    """
    a = theta_fourier_coefficients(lout)
    k = np.arange(-lout, lout + 1)
    u = np.arange(-kmax, kmax + 1)
    integrals = _sin_theta_integral(u[:, None] + k[None, :])  # [U, K]
    size = 2 * kmax + 1
    out = np.zeros((size, size, (lout + 1) ** 2), dtype=np.complex128)
    for l in range(lout + 1):  # noqa: E741 (l: the SH degree)
        for m in range(-l, l + 1):
            t = integrals @ a[l, abs(m)]  # T^{l,|m|}(u)
            for v, b in _phi_coefficients(m):
                # b^m_{-v'} at v' = -v  <=>  the term b^m_v pairs with e^{-ivφ}
                if abs(v) <= kmax:
                    out[:, -v + kmax, l * l + l + m] = 2.0 * np.pi * b * t
    return out


# ---------------------------------------------------------------------------------------------
# Route implementations (one nn.Module per route; GauntProduct / GauntManyBody wrap them)
# ---------------------------------------------------------------------------------------------


def _check_last_dim(x: Tensor, expected: int, name: str) -> None:
    if x.dim() < 1 or x.size(-1) != expected:
        raise ValueError(
            name + " must have shape [..., " + str(expected) + "], got " + str(list(x.shape))
        )


def _as_buffer(array: np.ndarray) -> Tensor:
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float64))


class _GridManyBody(torch.nn.Module):
    """Π_k f_k on a SphereGrid exact for Σ degrees + lout, then weighted analysis."""

    def __init__(self, degrees: List[int], lout: int, grid: Optional[SphereGrid] = None) -> None:
        super().__init__()
        self.degrees = list(degrees)
        self.sizes = [(d + 1) ** 2 for d in degrees]
        self.lout = lout
        self.n_out = (lout + 1) ** 2
        if grid is None:
            grid = SphereGrid.exact_for(sum(degrees) + lout)
        self.n_theta = grid.n_theta
        self.n_phi = grid.n_phi
        y = _sh_numpy(max(max(degrees), lout), grid.points)
        # synthesis: f_k = x_k @ synthesis[:n_k]; analysis: c = (Π f_k) @ analysis
        self.register_buffer("synthesis", _as_buffer(y[:, : max(self.sizes)].T))
        self.register_buffer(
            "analysis", _as_buffer(y[:, : self.n_out] * grid.weights.numpy()[:, None])
        )

    def forward(self, xs: List[Tensor]) -> Tensor:
        if len(xs) != len(self.sizes):
            raise ValueError("expected " + str(len(self.sizes)) + " factors, got " + str(len(xs)))
        synthesis = self.synthesis.to(dtype=xs[0].dtype)
        product = torch.empty(0)
        for k, x in enumerate(xs):
            n = self.sizes[k]
            _check_last_dim(x, n, "factor " + str(k))
            f = torch.matmul(x, synthesis[:n])
            product = f if k == 0 else product * f
        return torch.matmul(product, self.analysis.to(dtype=product.dtype))


class _GridProduct(torch.nn.Module):
    def __init__(self, l1: int, l2: int, lout: int, grid: Optional[SphereGrid] = None) -> None:
        super().__init__()
        self.body = _GridManyBody([l1, l2], lout, grid)

    def forward(self, a: Tensor, b: Tensor) -> Tensor:
        return self.body([a, b])


class _SparseProduct(torch.nn.Module):
    """c[i3] = Σ G(i1, i2, i3) a[i1] b[i2] over the nonzero real Gaunt coefficients."""

    def __init__(self, l1: int, l2: int, lout: int) -> None:
        super().__init__()
        self.n1 = (l1 + 1) ** 2
        self.n2 = (l2 + 1) ** 2
        self.n_out = (lout + 1) ** 2
        table = real_gaunt_table(l1, l2, lout)
        self.register_buffer("i1", torch.from_numpy(table.i1))
        self.register_buffer("i2", torch.from_numpy(table.i2))
        self.register_buffer("i3", torch.from_numpy(table.i3))
        self.register_buffer("values", _as_buffer(table.values))

    def forward(self, a: Tensor, b: Tensor) -> Tensor:
        _check_last_dim(a, self.n1, "a")
        _check_last_dim(b, self.n2, "b")
        lead: List[int] = list(torch.broadcast_tensors(a[..., 0], b[..., 0])[0].shape)
        # coefficient index first, so that gathers and the scatter move contiguous rows
        a_t = a.expand(lead + [self.n1]).reshape(-1, self.n1).t()
        b_t = b.expand(lead + [self.n2]).reshape(-1, self.n2).t()
        values = self.values.to(dtype=a.dtype).unsqueeze(1)
        terms = a_t.index_select(0, self.i1) * b_t.index_select(0, self.i2) * values
        out = torch.zeros(self.n_out, terms.size(1), dtype=terms.dtype, device=terms.device)
        out = out.index_add(0, self.i3, terms)
        return out.t().reshape(lead + [self.n_out])


def _resize_last(x: Tensor, n: int) -> Tensor:
    """Truncate or zero-pad the last dimension to n (projection of one factor onto degrees)."""
    if x.size(-1) >= n:
        return x[..., :n]
    shape = list(x.shape[:-1]) + [n - x.size(-1)]
    return torch.cat([x, torch.zeros(shape, dtype=x.dtype, device=x.device)], dim=-1)


class _SparseManyBody(torch.nn.Module):
    """Repeated exact pairwise sparse products; intermediates keep the degrees that can still
    reach the output (≤ lout + degrees of the remaining factors)."""

    def __init__(self, degrees: List[int], lout: int) -> None:
        super().__init__()
        self.sizes = [(d + 1) ** 2 for d in degrees]
        self.n_out = (lout + 1) ** 2
        steps = []
        acc = degrees[0]
        for k in range(1, len(degrees)):
            remaining = sum(degrees) - sum(degrees[: k + 1])
            target = lout if k == len(degrees) - 1 else min(acc + degrees[k], lout + remaining)
            steps.append(_SparseProduct(acc, degrees[k], target))
            acc = target
        self.steps = torch.nn.ModuleList(steps)

    def forward(self, xs: List[Tensor]) -> Tensor:
        if len(xs) != len(self.sizes):
            raise ValueError("expected " + str(len(self.sizes)) + " factors, got " + str(len(xs)))
        _check_last_dim(xs[0], self.sizes[0], "factor 0")
        acc = xs[0]
        k = 1
        for step in self.steps:
            acc = step(acc, xs[k])
            k += 1
        return _resize_last(acc, self.n_out)


def _fast_fft_size(n: int) -> int:
    """Smallest 2^a 3^b 5^c ≥ n (FFT lengths with small prime factors are fastest)."""
    size = n
    while True:
        m = size
        for p in (2, 3, 5):
            while m % p == 0:
                m //= p
        if m == 1:
            return size
        size += 1


class _FourierManyBody(torch.nn.Module):
    """The 2D Fourier route: y-tables to torus Fourier coefficients, product of the zero-padded
    2D FFTs (= linear 2D convolution), z-table projection back to SH (DESIGN.md §3)."""

    def __init__(self, degrees: List[int], lout: int) -> None:
        super().__init__()
        self.degrees = list(degrees)
        self.sizes = [(d + 1) ** 2 for d in degrees]
        self.n_out = (lout + 1) ** 2
        kmax = sum(degrees)
        self.conv_size = 2 * kmax + 1  # linear convolution of all factors: u, v in [-kmax, kmax]
        self.fft_size = _fast_fft_size(self.conv_size)  # zero padding ≥ conv_size: no wrap-around
        lmax = max(degrees)
        self.lmax = lmax
        syn = fourier_synthesis_table(lmax)  # [n, 2lmax+1, 2lmax+1]
        proj = fourier_projection_table(lout, kmax).reshape(-1, self.n_out)
        self.register_buffer("synthesis_re", _as_buffer(syn.real))
        self.register_buffer("synthesis_im", _as_buffer(syn.imag))
        self.register_buffer("projection_re", _as_buffer(proj.real))
        self.register_buffer("projection_im", _as_buffer(proj.imag))

    def forward(self, xs: List[Tensor]) -> Tensor:
        if len(xs) != len(self.sizes):
            raise ValueError("expected " + str(len(self.sizes)) + " factors, got " + str(len(xs)))
        s = self.fft_size
        c = self.conv_size
        spectrum = torch.empty(0)
        for k, x in enumerate(xs):
            n = self.sizes[k]
            _check_last_dim(x, n, "factor " + str(k))
            d = self.degrees[k]
            lo = self.lmax - d
            hi = self.lmax + d + 1
            re = torch.tensordot(x, self.synthesis_re[:n, lo:hi, lo:hi].to(dtype=x.dtype), 1)
            im = torch.tensordot(x, self.synthesis_im[:n, lo:hi, lo:hi].to(dtype=x.dtype), 1)
            f = torch.fft.fft2(torch.complex(re, im), s=[s, s])
            spectrum = f if k == 0 else spectrum * f
        coeff = torch.fft.ifft2(spectrum)[..., :c, :c].flatten(-2)  # F_uv at [u + kmax, v + kmax]
        p_re = self.projection_re.to(dtype=coeff.real.dtype)
        p_im = self.projection_im.to(dtype=coeff.real.dtype)
        return torch.matmul(coeff.real, p_re) - torch.matmul(coeff.imag, p_im)


class _FourierProduct(torch.nn.Module):
    def __init__(self, l1: int, l2: int, lout: int) -> None:
        super().__init__()
        self.body = _FourierManyBody([l1, l2], lout)

    def forward(self, a: Tensor, b: Tensor) -> Tensor:
        return self.body([a, b])


# ---------------------------------------------------------------------------------------------
# Public modules
# ---------------------------------------------------------------------------------------------


def _check_grid_argument(grid: Optional[SphereGrid], route: str) -> None:
    if grid is not None and route != "grid":
        raise ValueError(f"a SphereGrid can only be given to the 'grid' route, not {route!r}")
    if grid is not None and not isinstance(grid, SphereGrid):
        raise ValueError(f"grid must be a SphereGrid, got {type(grid).__name__}")


class GauntProduct(torch.nn.Module):
    """Gaunt product of two spherical functions, projected onto degrees ≤ lout.

    ``forward(a [..., (l1+1)²], b [..., (l2+1)²]) -> [..., (lout+1)²]`` with
    c_l3m3 = Σ G(l1m1, l2m2, l3m3) a_l1m1 b_l2m2 (leading dims broadcast; channel-wise).

    Args:
        l1, l2: degrees of the factors, in [0, MAX_DEGREE].
        lout: output degree, in [0, MAX_OUTPUT_DEGREE] (components above l1 + l2 are zero).
        route: "grid" (default), "sparse" or "fourier" (or a :class:`GauntRoute`).
        grid: "grid" route only: use this SphereGrid instead of the smallest exact one
            (SphereGrid.exact_for(l1 + l2 + lout)); a smaller grid is not exact.
    """

    def __init__(
        self,
        l1: int,
        l2: int,
        lout: int,
        route: RouteLike = "grid",
        grid: Optional[SphereGrid] = None,
    ) -> None:
        super().__init__()
        self.l1 = _check_degree("l1", l1)
        self.l2 = _check_degree("l2", l2)
        self.lout = _check_degree("lout", lout, MAX_OUTPUT_DEGREE)
        self.route = _route(route)
        _check_grid_argument(grid, self.route)
        if self.route == "grid":
            self.impl = _GridProduct(self.l1, self.l2, self.lout, grid)
        elif self.route == "sparse":
            self.impl = _SparseProduct(self.l1, self.l2, self.lout)
        else:
            self.impl = _FourierProduct(self.l1, self.l2, self.lout)

    def forward(self, a: Tensor, b: Tensor) -> Tensor:
        _check_last_dim(a, (self.l1 + 1) * (self.l1 + 1), "a")
        _check_last_dim(b, (self.l2 + 1) * (self.l2 + 1), "b")
        return self.impl(a, b)

    def extra_repr(self) -> str:
        return f"l1={self.l1}, l2={self.l2}, lout={self.lout}, route={self.route!r}"


class GauntManyBody(torch.nn.Module):
    """ν-fold Gaunt product Π_k f_k (1 ≤ ν ≤ MAX_FACTORS) projected onto degrees ≤ lout.

    ``forward([x_1, ..., x_ν]) -> [..., (lout+1)²]`` with x_k of shape [..., (L_k+1)²]. With
    lout = 0 the output is ∫ Π f_k dΩ / sqrt(4π) (the coefficient of Y_00 = 1/sqrt(4π)).

    Routes: "grid" (one grid exact for Σ L_k + lout), "sparse" (repeated exact pairwise
    products), "fourier" (product of the factors' zero-padded 2D FFTs). ``grid``: as in
    :class:`GauntProduct`.
    """

    def __init__(
        self,
        degrees: Sequence[int],
        lout: int,
        route: RouteLike = "grid",
        grid: Optional[SphereGrid] = None,
    ) -> None:
        super().__init__()
        degrees = list(degrees)
        if not 1 <= len(degrees) <= MAX_FACTORS:
            raise ValueError(
                f"GauntManyBody takes 1 to {MAX_FACTORS} factors, got {len(degrees)}: {degrees}"
            )
        self.degrees = [_check_degree(f"degrees[{k}]", d) for k, d in enumerate(degrees)]
        self.lout = _check_degree("lout", lout, MAX_OUTPUT_DEGREE)
        self.route = _route(route)
        if self.route == "sparse" and sum(self.degrees) > MAX_OUTPUT_DEGREE:
            raise ValueError(
                f"sparse route: sum of degrees {sum(self.degrees)} exceeds {MAX_OUTPUT_DEGREE}"
            )
        _check_grid_argument(grid, self.route)
        if self.route == "grid":
            self.impl = _GridManyBody(self.degrees, self.lout, grid)
        elif self.route == "sparse":
            self.impl = _SparseManyBody(self.degrees, self.lout)
        else:
            self.impl = _FourierManyBody(self.degrees, self.lout)

    def forward(self, xs: List[Tensor]) -> Tensor:
        return self.impl(list(xs))

    def extra_repr(self) -> str:
        return f"degrees={self.degrees}, lout={self.lout}, route={self.route!r}"
