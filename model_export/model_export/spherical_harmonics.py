"""Real spherical harmonics as polynomials of the unit vector (DESIGN.md §3).

Convention (the one everything in pair_gaunt uses): orthonormal real spherical harmonics on the
unit sphere, z is the polar axis, Condon-Shortley phase,

    Y_lm(θ, φ) = N_l^|m| P_l^|m|(cos θ) Φ_m(φ),   N_l^m = sqrt((2l+1)/(4π) (l-m)!/(l+m)!),
    Φ_0 = 1,  Φ_{m>0} = √2 cos(mφ),  Φ_{m<0} = √2 sin(|m|φ),

flat index ``l*l + l + m`` (``sh_index``). For example Y_1,-1 = -sqrt(3/4π) y,
Y_10 = sqrt(3/4π) z, Y_11 = -sqrt(3/4π) x.

Evaluation uses no trigonometry and no division by sin θ, so the poles and the axes are regular
points and autograd gradients exist everywhere except at the zero vector. With u = (x, y, z) =
r/|r|:

    Y_l0 = N_l^0 Q_l^0(z),
    Y_lm = √2 N_l^m Q_l^m(z) C_m(x, y),   Y_l,-m = √2 N_l^m Q_l^m(z) S_m(x, y)   (m > 0),

where Q_l^m(z) = P_l^m(z) / sin^m θ (CS phase included) and C_m + i S_m = (x + i y)^m:

    Q_m^m = (-1)^m (2m-1)!!,   Q_{m+1}^m = (2m+1) z Q_m^m,
    Q_l^m = ((2l-1) z Q_{l-1}^m - (l+m-1) Q_{l-2}^m) / (l-m),
    C_m = x C_{m-1} - y S_{m-1},   S_m = x S_{m-1} + y C_{m-1}.
"""

import math
from typing import List

import torch
from torch import Tensor

#: Largest supported degree.
MAX_DEGREE = 16


def sh_index(l: int, m: int) -> int:  # noqa: E741 (l: the SH degree)
    """Flat index of Y_lm: l*l + l + m (ValueError unless 0 ≤ l and |m| ≤ l)."""
    if l < 0 or m < -l or m > l:
        raise ValueError("invalid spherical harmonic (l, m) = (" + str(l) + ", " + str(m) + ")")
    return l * l + l + m


def sh_size(lmax: int) -> int:
    """Number of real spherical harmonics with degree ≤ lmax: (lmax + 1)²."""
    if lmax < 0:
        raise ValueError("lmax must be >= 0, got " + str(lmax))
    return (lmax + 1) * (lmax + 1)


def sh_prefactors(lmax: int) -> List[float]:
    """N_l^m (times √2 for m > 0) for 0 ≤ m ≤ l ≤ lmax, at index l(l+1)/2 + m."""
    out: List[float] = []
    for l in range(lmax + 1):  # noqa: E741 (l: the SH degree)
        for m in range(l + 1):
            # (l-m)!/(l+m)! as a product of reciprocals: exact enough and overflow-free.
            ratio = 1.0
            for k in range(l - m + 1, l + m + 1):
                ratio /= float(k)
            value = math.sqrt((2 * l + 1) / (4.0 * math.pi) * ratio)
            if m > 0:
                value *= math.sqrt(2.0)
            out.append(value)
    return out


def spherical_harmonics(lmax: int, vectors: Tensor) -> Tensor:
    """Real spherical harmonics Y_lm(r/|r|) for l ≤ lmax.

    Args:
        lmax: largest degree, 0 ≤ lmax ≤ MAX_DEGREE.
        vectors: [..., 3] Cartesian vectors (need not be unit; must be nonzero), float32 or
            float64.

    Returns:
        [..., (lmax+1)²] values in flat order l*l + l + m, same dtype and device as ``vectors``.
        Differentiable by autograd (finite gradients at the poles and on the axes).
    """
    if lmax < 0 or lmax > 16:  # 16 == MAX_DEGREE (TorchScript cannot read the global)
        raise ValueError("lmax must be in [0, 16], got " + str(lmax))
    return _real_sph(lmax, vectors)


def _real_sph(lmax: int, vectors: Tensor) -> Tensor:
    """:func:`spherical_harmonics` without the upper bound on lmax (tables use up to 2·16)."""
    if lmax < 0:
        raise ValueError("lmax must be >= 0, got " + str(lmax))
    if vectors.dim() < 1 or vectors.size(-1) != 3:
        raise ValueError("vectors must have shape [..., 3], got " + str(list(vectors.shape)))
    r = torch.sqrt((vectors * vectors).sum(dim=-1))
    x = vectors[..., 0] / r
    y = vectors[..., 1] / r
    z = vectors[..., 2] / r

    # C_m + i S_m = (x + i y)^m
    one = torch.ones_like(z)
    cos_m: List[Tensor] = [one]
    sin_m: List[Tensor] = [torch.zeros_like(z)]
    for m in range(1, lmax + 1):
        cos_m.append(x * cos_m[m - 1] - y * sin_m[m - 1])
        sin_m.append(x * sin_m[m - 1] + y * cos_m[m - 1])

    # Q_l^m(z) at index l(l+1)/2 + m, built column by column in m.
    q: List[Tensor] = [one for _ in range((lmax + 1) * (lmax + 2) // 2)]
    double_factorial = 1.0  # (-1)^m (2m-1)!!
    for m in range(lmax + 1):
        if m > 0:
            double_factorial *= -float(2 * m - 1)
        q_mm = one * double_factorial
        q[m * (m + 1) // 2 + m] = q_mm
        if m + 1 <= lmax:
            q[(m + 1) * (m + 2) // 2 + m] = float(2 * m + 1) * z * q_mm
        for l in range(m + 2, lmax + 1):  # noqa: E741 (l: the SH degree)
            q[l * (l + 1) // 2 + m] = (
                float(2 * l - 1) * z * q[(l - 1) * l // 2 + m]
                - float(l + m - 1) * q[(l - 2) * (l - 1) // 2 + m]
            ) / float(l - m)

    prefactor = sh_prefactors(lmax)
    out: List[Tensor] = []
    for l in range(lmax + 1):  # noqa: E741 (l: the SH degree)
        for m in range(-l, l + 1):
            am = abs(m)
            t = l * (l + 1) // 2 + am
            pq = prefactor[t] * q[t]
            if m < 0:
                out.append(pq * sin_m[am])
            elif m == 0:
                out.append(pq)
            else:
                out.append(pq * cos_m[am])
    return torch.stack(out, dim=-1)


class SphericalHarmonics(torch.nn.Module):
    """nn.Module wrapper of :func:`spherical_harmonics` (TorchScript-compatible)."""

    def __init__(self, lmax: int) -> None:
        super().__init__()
        if not isinstance(lmax, int) or lmax < 0 or lmax > MAX_DEGREE:
            raise ValueError(f"lmax must be an int in [0, {MAX_DEGREE}], got {lmax!r}")
        self.lmax = lmax

    def forward(self, vectors: Tensor) -> Tensor:
        return spherical_harmonics(self.lmax, vectors)

    def extra_repr(self) -> str:
        return f"lmax={self.lmax}"
