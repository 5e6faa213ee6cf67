"""Model file (DESIGN.md §5): round trip, the safetensors layout read by hand, TorchScript part,
corrupt / truncated / wrong-version / wrong-units files, CLI inspect, ASE calculator."""

import dataclasses
import hashlib
import json
import struct
import zipfile

import numpy as np
import pytest
import torch

from model_export import data
from model_export.cli import main as cli_main
from model_export.config import GauntNetConfig
from model_export.model import GauntNet, evaluate, weight_shapes
from model_export.model_file import (
    ModelFileError,
    decode_safetensors,
    encode_safetensors,
    load_model,
    load_torchscript,
    model_weights,
    read_model_file,
    save_model_file,
)


def tiny() -> GauntNet:
    cfg = GauntNetConfig(
        elements=["H", "C", "O"],
        cutoff=3.0,
        num_bessel=4,
        radial_hidden=[8],
        channels=4,
        lmax=2,
        nu_max=3,
        readout_hidden=4,
        avg_num_neighbors=3.0,
        e0s=[-13.5, -1025.0, -2035.0],
        scale=1.1,
        shift=0.2,
    )
    model = GauntNet(cfg, seed=11)
    with torch.no_grad():
        model.readout_hidden.bias.normal_()
    return model


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "tiny.gaunt.pt"
    model = tiny()
    save_model_file(model, path, {"note": "test"})
    return model, path


def _graph(rng, pbc: bool):
    cell = np.diag([3.1, 3.3, 3.2]) + 0.2 * rng.uniform(-1, 1, (3, 3)) if pbc else np.zeros((3, 3))
    c = data.Configuration(
        np.array([1, 6, 8, 1, 6]), rng.uniform(0, 3, (5, 3)), cell, np.array([pbc] * 3)
    )
    return data.collate(data.prepare([c], ["H", "C", "O"], 3.0))


def test_round_trip_is_bit_identical(saved, rng):
    model, path = saved
    header, weights = read_model_file(path)
    original = model_weights(model)
    assert list(weights) == list(original) == list(weight_shapes(model.config))
    for name in original:
        assert weights[name].tobytes() == original[name].tobytes(), name
    loaded = load_model(path)
    assert loaded.config == model.config
    scripted = load_torchscript(path)
    for pbc in (False, True):
        g = _graph(rng, pbc)
        ref = evaluate(model, g, True, True)
        out = evaluate(loaded, g, True, True)
        for key in ("energy", "node_energy", "forces", "virial"):
            assert torch.equal(out[key], ref[key]), key  # same weights, same ops: bitwise
        out = evaluate(scripted, g, True, True)  # TorchScript may order the backward ops
        for key in ("energy", "node_energy", "forces", "virial"):  # differently
            np.testing.assert_allclose(out[key].detach(), ref[key].detach(), rtol=0, atol=1e-13)


def test_float32_trained_model_has_exact_float64_tables(tmp_path, rng):
    """A model trained in float32 is exported (TorchScript) and loaded in float64 with the
    header's e0s and float64 quadrature tables, not float32-rounded ones: the TorchScript part,
    the eager model and the native engine (which reads the header) agree to rounding."""
    cfg = dataclasses.replace(tiny().config, dtype="float32", e0s=[-13.57, -1025.1, -2035.3])
    model = GauntNet(cfg, seed=11)
    assert model.e0s.dtype == torch.float32
    path = tmp_path / "f32.gaunt.pt"
    header = save_model_file(model, path)
    assert header["dtype"] == "float32"
    exact = GauntNet(cfg, seed=11, dtype=torch.float64)
    for loaded in (load_torchscript(path), load_model(path)):
        assert loaded.e0s.tolist() == header["e0s"] == [-13.57, -1025.1, -2035.3]
        for table in ("grid_sh", "grid_weights", "bessel_n"):
            assert torch.equal(getattr(loaded, table), getattr(exact, table)), table
    g = _graph(rng, True)
    ref = evaluate(load_model(path), g, True, True)
    out = evaluate(load_torchscript(path), g, True, True)
    for key in ("energy", "forces", "virial"):
        np.testing.assert_allclose(out[key].detach(), ref[key].detach(), rtol=0, atol=1e-12)


def test_header_fields(saved):
    model, path = saved
    header, _ = read_model_file(path)
    assert header["schema_version"] == 1 and header["model_version"] == "gauntnet-1"
    assert header["units"] == "metal"
    assert header["elements"] == ["H", "C", "O"] and header["atomic_numbers"] == [1, 6, 8]
    assert header["cutoff"] == 3.0 and header["e0s"] == [-13.5, -1025.0, -2035.0]
    assert header["normalisation"] == {"scale": 1.1, "shift": 0.2, "avg_num_neighbors": 3.0}
    assert header["hyperparameters"]["nu_max"] == 3 and header["training"] == {"note": "test"}
    assert header["weights"]["tensors"]["mixing"] == [3, 4, 4]


def test_safetensors_layout_by_hand(saved):
    _, path = saved
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        (wname,) = [n for n in names if n.endswith("/extra/gaunt/weights.safetensors")]
        (hname,) = [n for n in names if n.endswith("/extra/gaunt/header.json")]
        blob = z.read(wname)
        header = json.loads(z.read(hname))
        assert z.getinfo(wname).compress_type == zipfile.ZIP_STORED
    assert hashlib.sha256(blob).hexdigest() == header["weights"]["sha256"]
    (n,) = struct.unpack("<Q", blob[:8])
    assert n % 8 == 0
    end_of_index = 8 + n
    index = json.loads(blob[8:end_of_index])
    start = 8 + n
    emb = index["embedding"]
    assert emb["dtype"] == "F64" and emb["shape"] == [3, 4]
    b, e = emb["data_offsets"]
    values = struct.unpack("<12d", blob[start + b : start + e])  # noqa: E203
    np.testing.assert_array_equal(np.array(values).reshape(3, 4), tiny().embedding.detach())


def test_safetensors_errors():
    blob = encode_safetensors({"a": np.arange(6.0).reshape(2, 3), "b": np.ones(2)})
    out = decode_safetensors(blob)
    np.testing.assert_array_equal(out["a"], np.arange(6.0).reshape(2, 3))
    with pytest.raises(ModelFileError, match="truncated"):
        decode_safetensors(blob[:5])
    with pytest.raises(ModelFileError, match="outside the buffer"):
        decode_safetensors(blob[:-8])
    with pytest.raises(ModelFileError, match="trailing"):
        decode_safetensors(blob + b"\0" * 8)
    with pytest.raises(ModelFileError, match="exceeds"):
        decode_safetensors(struct.pack("<Q", 10**6) + blob[8:])
    f32 = blob.replace(b'"F64"', b'"F32"', 1)
    with pytest.raises(ModelFileError, match="dtype F64"):
        decode_safetensors(f32)


def _rewrite(src, dst, header_edit=None, weights_edit=None):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            payload = zin.read(info.filename)
            if info.filename.endswith("extra/gaunt/header.json") and header_edit:
                h = json.loads(payload)
                header_edit(h)
                payload = json.dumps(h).encode()
            if info.filename.endswith("extra/gaunt/weights.safetensors") and weights_edit:
                payload = weights_edit(payload)
            zout.writestr(info, payload)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda h: h.update(schema_version=2), "unsupported schema_version 2"),
        (lambda h: h.pop("schema_version"), "schema_version"),
        (lambda h: h.update(model_version="gauntnet-2"), "unsupported model_version"),
        (lambda h: h.update(units="real"), "units must be 'metal'"),
        (lambda h: h.update(elements=["H", "C", "Zz"]), "unknown chemical symbol"),
        (lambda h: h["hyperparameters"].update(channels=5), "has shape \\[3, 4\\], expected"),
        (lambda h: h["hyperparameters"].pop("lmax"), "hyperparameters.lmax is missing"),
        (lambda h: h["weights"].update(sha256="0" * 64), "sha256 mismatch"),
        (lambda h: h.update(atomic_numbers=[1, 6, 9]), "atomic_numbers"),
    ],
)
def test_bad_headers(saved, tmp_path, edit, message):
    _, path = saved
    bad = tmp_path / "bad.gaunt.pt"
    _rewrite(path, bad, header_edit=edit)
    with pytest.raises(ModelFileError, match=message) as err:
        read_model_file(bad)
    assert str(bad) in str(err.value)


def test_tampered_weights(saved, tmp_path):
    _, path = saved
    bad = tmp_path / "tampered.gaunt.pt"

    def flip(blob: bytes) -> bytes:
        b = bytearray(blob)
        b[-3] ^= 0x10
        return bytes(b)

    _rewrite(path, bad, weights_edit=flip)
    with pytest.raises(ModelFileError, match="sha256 mismatch"):
        read_model_file(bad)


def test_corrupt_and_truncated_files(saved, tmp_path):
    _, path = saved
    raw = path.read_bytes()
    for name, payload in (
        ("truncated", raw[: len(raw) // 2]),
        ("tiny", raw[:100]),
        ("empty", b""),
        ("text", b"this is not a model"),
    ):
        bad = tmp_path / f"{name}.gaunt.pt"
        bad.write_bytes(payload)
        with pytest.raises(ModelFileError, match="zip|truncated|corrupt") as err:
            read_model_file(bad)
        assert str(bad) in str(err.value)
    # flip a byte inside the stored weights entry: the zip CRC (or the sha256) catches it
    with zipfile.ZipFile(path) as z:
        info = [i for i in z.infolist() if i.filename.endswith("weights.safetensors")][0]
    corrupt = bytearray(raw)
    corrupt[info.header_offset + 30 + len(info.filename) + 200] ^= 0xFF
    bad = tmp_path / "flipped.gaunt.pt"
    bad.write_bytes(bytes(corrupt))
    with pytest.raises(ModelFileError, match="corrupt|sha256|zip"):
        read_model_file(bad)
    with pytest.raises(ModelFileError, match="no such model file"):
        read_model_file(tmp_path / "missing.gaunt.pt")


def test_plain_torchscript_zip_is_not_a_gaunt_file(tmp_path):
    path = tmp_path / "other.pt"
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), str(path))
    with pytest.raises(ModelFileError, match="not a gaunt file"):
        read_model_file(path)


def test_cli_inspect_and_errors(saved, tmp_path, capsys):
    _, path = saved
    assert cli_main(["inspect", str(path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["model_version"] == "gauntnet-1"
    bad = tmp_path / "bad.gaunt.pt"
    bad.write_bytes(b"junk")
    assert cli_main(["inspect", str(bad)]) == 2
    assert "not a valid zip" in capsys.readouterr().err


def test_ase_calculator(saved, rng):
    from ase import Atoms

    from model_export.calculator import GauntCalculator

    model, path = saved
    cell = np.diag([3.2, 3.0, 3.4])
    atoms = Atoms("HCOHC", positions=rng.uniform(0, 3, (5, 3)), cell=cell, pbc=True)
    atoms.calc = GauntCalculator(path)
    g = data.graph_from_atoms(atoms, ["H", "C", "O"], 3.0)
    ref = evaluate(model, g, True, True)
    assert atoms.get_potential_energy() == pytest.approx(float(ref["energy"][0]), abs=1e-12)
    np.testing.assert_allclose(atoms.get_forces(), ref["forces"].detach(), atol=1e-12)
    np.testing.assert_allclose(atoms.get_potential_energies().sum(), float(ref["energy"][0]))
    s = ref["stress"][0].detach().numpy()
    np.testing.assert_allclose(
        atoms.get_stress(), [s[0, 0], s[1, 1], s[2, 2], s[1, 2], s[0, 2], s[0, 1]], atol=1e-12
    )
