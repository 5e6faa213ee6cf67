"""Data layer: extxyz quirks, E0s, splits, neighbour lists, batching, config validation."""

import json
import pathlib

import numpy as np
import pytest

from model_export import data
from model_export.config import GauntNetConfig

DATA = pathlib.Path(__file__).resolve().parents[3] / "shared" / "data"

PROPS = "Properties=species:S:1:pos:R:3:force:R:3"
ZUO_STYLE = f"""2
pbc=[T, T, T] energy=-10.5 Lattice="4.0 0.0 0.0 0.5 4.2 0.0 0.3 0.2 3.9" {PROPS}
Si 0.0 0.0 0.0 0.1 -0.2 0.3
Si 1.3 1.4 1.2 -0.1 0.2 -0.3
3
pbc=[F, T, F] energy=-7.25 Lattice="5.0 0.0 0.0 0.0 5.0 0.0 0.0 0.0 5.0" {PROPS}
Si 0.0 0.0 0.0 1.0 2.0 3.0
Si 2.0 0.0 0.0 0.0 0.0 0.0
Si 0.0 2.0 0.0 -1.0 -2.0 -3.0
"""


def test_zuo2020_quirks(tmp_path):
    path = tmp_path / "zuo.xyz"
    path.write_text(ZUO_STYLE)
    confs = data.read_extxyz(path)
    assert len(confs) == 2
    assert confs[0].pbc.tolist() == [True, True, True]
    assert confs[1].pbc.tolist() == [False, True, False]
    assert confs[0].energy == -10.5 and confs[1].energy == -7.25
    np.testing.assert_array_equal(confs[0].forces, [[0.1, -0.2, 0.3], [-0.1, 0.2, -0.3]])
    np.testing.assert_array_equal(confs[0].cell, [[4.0, 0, 0], [0.5, 4.2, 0], [0.3, 0.2, 3.9]])
    assert confs[1].forces[0].tolist() == [1.0, 2.0, 3.0]


def test_header_rewrite():
    assert data._fix_header("pbc=[T, F, T] x=1") == 'pbc="T F T" x=1'
    assert data._fix_header("pbc=[True,True,False]") == 'pbc="T T F"'
    assert data._fix_header('pbc="T T T"') == 'pbc="T T T"'


@pytest.mark.skipif(not (DATA / "zuo2020" / "Si_train.xyz").is_file(), reason="no data")
def test_real_zuo_file():
    confs = data.read_extxyz(DATA / "zuo2020" / "Si_train.xyz", index=":3")
    assert all(c.pbc.all() and c.forces is not None and c.energy is not None for c in confs)
    assert confs[0].n_atoms == 63 and confs[0].energy == pytest.approx(-295.49753016)


@pytest.mark.skipif(not (DATA / "ethanol" / "train.xyz").is_file(), reason="no data")
def test_ethanol_and_e0s():
    confs = data.read_extxyz(DATA / "ethanol" / "train.xyz", index=":2")
    assert confs[0].n_atoms == 9 and not confs[0].pbc.any()
    assert confs[0].energy == pytest.approx(-4209.4657843064815)
    assert confs[0].forces[0].tolist() == [-4.15950961, 0.10729389, 3.61777644]
    e0s = data.read_e0s(DATA / "ethanol" / "isolated_atoms.xyz")
    assert e0s["H"] == pytest.approx(-13.568422383046626)
    assert set(e0s) >= {"H", "C", "O"}


def test_bad_files(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        data.read_extxyz(tmp_path / "missing.xyz")
    bad = tmp_path / "bad.xyz"
    bad.write_text("3\nenergy=1\nSi 0 0\n")
    with pytest.raises(ValueError, match="cannot parse"):
        data.read_extxyz(bad)


def test_split_is_deterministic_and_disjoint():
    confs = [
        data.Configuration(
            np.array([1]),
            np.zeros((1, 3)) + k,
            np.zeros((3, 3)),
            np.zeros(3, bool),
            energy=float(k),
        )
        for k in range(50)
    ]
    t1, v1 = data.split_train_valid(confs, 0.2, seed=5)
    t2, v2 = data.split_train_valid(confs, 0.2, seed=5)
    _, v3 = data.split_train_valid(confs, 0.2, seed=6)
    assert [c.energy for c in v1] == [c.energy for c in v2]
    assert [c.energy for c in v1] != [c.energy for c in v3]
    assert len(v1) == 10 and len(t1) == 40
    assert sorted(c.energy for c in t1 + v1) == list(range(50))
    with pytest.raises(ValueError, match="valid_fraction"):
        data.split_train_valid(confs, 1.5, seed=1)


def test_fit_e0s_recovers_linear_energies(rng):
    confs = []
    for _ in range(20):
        z = rng.choice([1, 8], size=rng.integers(2, 6))
        e = float(np.sum(np.where(z == 1, -13.6, -2035.5)))
        confs.append(
            data.Configuration(
                z, np.zeros((len(z), 3)), np.zeros((3, 3)), np.zeros(3, bool), energy=e
            )
        )
    np.testing.assert_allclose(data.fit_e0s(confs, ["H", "O"]), [-13.6, -2035.5], atol=1e-9)


def _brute_force(pos, cell, cutoff, nrep=3):
    out = set()
    for i in range(len(pos)):
        for j in range(len(pos)):
            for s in np.ndindex(*(2 * nrep + 1,) * 3):
                s = np.array(s) - nrep
                if i == j and not s.any():
                    continue
                if np.linalg.norm(pos[j] - pos[i] + s @ cell) < cutoff:
                    out.add((i, j, tuple(s)))
    return out


def test_neighbour_list_triclinic_matches_brute_force(rng):
    cell = np.array([[3.0, 0.0, 0.0], [1.4, 2.8, 0.0], [0.9, -0.7, 3.1]])
    pos = rng.uniform(0, 1, (5, 3)) @ cell
    i, j, s = data.neighbour_list(pos, cell, np.ones(3, bool), 4.0)
    got = {(a, b, tuple(c)) for a, b, c in zip(i.tolist(), j.tolist(), s.tolist())}
    assert got == _brute_force(pos, cell, 4.0)
    assert len(got) > 5 * 20  # many periodic images within the cutoff


def test_neighbour_list_molecule_and_errors(rng):
    pos = rng.uniform(0, 4, (6, 3))
    i, j, s = data.neighbour_list(pos, np.zeros((3, 3)), np.zeros(3, bool), 2.5)
    d = np.linalg.norm(pos[:, None] - pos[None], axis=-1)
    expected = {(a, b) for a in range(6) for b in range(6) if a != b and d[a, b] < 2.5}
    assert set(zip(i.tolist(), j.tolist())) == expected and not s.any()
    with pytest.raises(ValueError, match="degenerate"):
        data.neighbour_list(pos, np.zeros((3, 3)), np.ones(3, bool), 2.5)
    with pytest.raises(ValueError, match="not in the model's elements"):
        data.species_indices(np.array([1, 6]), ["H", "O"])


def test_collate_offsets_and_shifts(rng):
    cell = np.diag([2.0, 2.5, 3.0])
    c1 = data.Configuration(
        np.array([1, 8]),
        rng.uniform(0, 2, (2, 3)),
        cell,
        np.ones(3, bool),
        energy=-1.0,
        forces=np.ones((2, 3)),
    )
    c2 = data.Configuration(
        np.array([8, 8, 1]),
        rng.uniform(0, 2, (3, 3)),
        np.zeros((3, 3)),
        np.zeros(3, bool),
        energy=-2.0,
        forces=np.zeros((3, 3)),
    )
    items = data.prepare([c1, c2], ["H", "O"], 2.2)
    g = data.collate(items)
    assert g.n_graphs == 2 and g.positions.shape == (5, 3)
    assert g.batch.tolist() == [0, 0, 1, 1, 1] and g.species.tolist() == [0, 1, 1, 1, 0]
    n1 = len(items[0].i)
    assert (g.edge_index[:, :n1] < 2).all() and (g.edge_index[:, n1:] >= 2).all()
    vec = g.positions[g.edge_index[1]] - g.positions[g.edge_index[0]] + g.shifts
    assert float(vec.norm(dim=1).max()) < 2.2
    assert g.energy.tolist() == [-1.0, -2.0] and g.stress is None


def test_statistics():
    z = np.array([1, 1])
    confs = [
        data.Configuration(
            z,
            np.array([[0, 0, 0], [0, 0, d]], float),
            np.zeros((3, 3)),
            np.zeros(3, bool),
            energy=2 * (-13.0) + e,
            forces=np.full((2, 3), f),
        )
        for d, e, f in ((1.0, -1.0, 1.0), (1.5, -3.0, 3.0))
    ]
    stats = data.statistics(data.prepare(confs, ["H"], 2.0), [-13.0])
    assert stats.avg_num_neighbors == pytest.approx(1.0)
    assert stats.shift == pytest.approx(-1.0)  # mean of -0.5 and -1.5 per atom
    assert stats.scale == pytest.approx(np.sqrt(5.0))  # rms of 1 and 3


def test_config_validation_and_json():
    cfg = GauntNetConfig(elements=["H", "O"], e0s=[-1.0, -2.0], nu_max=4)
    assert GauntNetConfig.from_json(cfg.to_json()) == cfg
    assert json.loads(cfg.to_json())["nu_max"] == 4
    for field, value in (
        ("nu_max", 5),
        ("cutoff", -1.0),
        ("lmax", -1),
        ("dtype", "float16"),
        ("elements", ["H", "Xx"]),
        ("e0s", [1.0]),
        ("channels", 0),
        ("radial_hidden", []),
        ("scale", float("nan")),
    ):
        kwargs = dict(elements=["H", "O"])
        kwargs[field] = value
        with pytest.raises(ValueError, match=f"GauntNetConfig.{field}"):
            GauntNetConfig(**kwargs)
    with pytest.raises(ValueError, match="unknown field"):
        GauntNetConfig.from_dict({"elements": ["H"], "colour": 1})
    with pytest.raises(ValueError, match="invalid JSON"):
        GauntNetConfig.from_json("{")
