"""The committed fixtures under tests/reference/model/ (made by make_model_reference.py) still
match the PyTorch model: guards the numbers the native engine is tested against."""

import json
import pathlib

import numpy as np
import pytest
import torch

from model_export import data
from model_export.model import evaluate
from model_export.model_file import load_model, load_torchscript, read_model_file

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "reference" / "model"


@pytest.fixture(scope="module")
def reference():
    return json.loads((FIXTURES / "tiny_reference.json").read_text())


@pytest.mark.parametrize("kind", ["eager", "torchscript"])
def test_fixtures_match_model(reference, kind):
    path = FIXTURES / reference["model_file"]
    header, _ = read_model_file(path)
    assert header["weights"]["sha256"] == reference["weights_sha256"]
    model = load_model(path) if kind == "eager" else load_torchscript(path)
    names = set()
    for s in reference["structures"]:
        names.add(s["name"])
        numbers = np.array([data.ase.data.atomic_numbers[x] for x in s["symbols"]])
        conf = data.Configuration(
            numbers, np.array(s["positions"]), np.array(s["cell"]), np.array([s["pbc"]] * 3)
        )
        items = data.prepare([conf], header["elements"], header["cutoff"])
        assert items[0].i.tolist() == s["edges"]["i"] and items[0].j.tolist() == s["edges"]["j"]
        out = evaluate(model, data.collate(items), True, True)
        assert float(out["energy"][0]) == pytest.approx(s["energy"], rel=1e-12)
        np.testing.assert_allclose(out["node_energy"].detach(), s["per_atom_energy"], atol=1e-12)
        np.testing.assert_allclose(out["forces"].detach(), s["forces"], atol=1e-12)
        np.testing.assert_allclose(out["virial"][0].detach(), s["virial"], atol=1e-12)
        assert np.sum(s["per_atom_energy"]) == pytest.approx(s["energy"], rel=1e-13)
        np.testing.assert_allclose(np.sum(s["per_atom_virial"], axis=0), s["virial"], atol=1e-12)
        np.testing.assert_allclose(
            np.sum(s["per_atom_centroid_virial"], axis=0), s["virial"], atol=1e-12
        )
    assert names == {
        "molecule",
        "periodic_orthorhombic",
        "periodic_triclinic",
        "isolated_atom",
        "near_cutoff",
    }


def test_fixture_geometry(reference):
    by_name = {s["name"]: s for s in reference["structures"]}
    iso = by_name["isolated_atom"]
    assert 3 not in iso["edges"]["i"] and 3 not in iso["edges"]["j"]
    near = by_name["near_cutoff"]
    assert sorted(zip(near["edges"]["i"], near["edges"]["j"])) == [(0, 1), (1, 0)]
    tri = by_name["periodic_triclinic"]
    assert any(i == j for i, j in zip(tri["edges"]["i"], tri["edges"]["j"]))  # self-images


@pytest.mark.parametrize("name", ["molecule", "isolated_atom", "near_cutoff"])
def test_centroid_virial_from_site_energies(reference, name):
    """The fixture's per-atom centroid virial (edge terms -r_e ⊗ ∂E/∂r_e, all to j) equals its
    definition from the site energies, W_k = Σ_i (x_k - x_i) ⊗ (-∂E_i/∂x_k), each E_i
    differentiated on its own with respect to the positions (open boundaries: no images)."""
    s = next(x for x in reference["structures"] if x["name"] == name)
    assert not s["pbc"]
    model = load_model(FIXTURES / reference["model_file"])
    positions = torch.tensor(s["positions"], dtype=torch.float64, requires_grad=True)
    i, j = torch.tensor(s["edges"]["i"]), torch.tensor(s["edges"]["j"])
    energies = model.energies_from_vectors(
        positions[j] - positions[i], torch.tensor(s["species"]), torch.stack([i, j]), len(positions)
    )
    x = positions.detach().numpy()
    expected = np.zeros((len(x), 3, 3))
    for site, energy in enumerate(energies):
        (grad,) = torch.autograd.grad(energy, [positions], retain_graph=True)
        force = -grad.numpy()  # F_k of E_site
        expected += np.einsum("ka,kb->kab", x - x[site], force)
    np.testing.assert_allclose(s["per_atom_centroid_virial"], expected, atol=1e-13)
    assert np.max(np.abs(expected)) > 1e-3 or name == "near_cutoff"
