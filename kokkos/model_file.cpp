// Model file reader (MODEL_FILE.md §1-§4): libzip for the archive, nlohmann-json for the header
// and the safetensors index, OpenSSL EVP for the sha256 of the weights entry.
#include "model_file.hpp"

#include <openssl/evp.h>
#include <zip.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

namespace gaunt {

namespace {

using nlohmann::json;

constexpr const char* kHeaderSuffix = "/extra/gaunt/header.json";
constexpr const char* kWeightsSuffix = "/extra/gaunt/weights.safetensors";

constexpr std::array<const char*, 118> kSymbols = {
    "H",  "He", "Li", "Be", "B",  "C",  "N",  "O",  "F",  "Ne", "Na", "Mg", "Al", "Si", "P",
    "S",  "Cl", "Ar", "K",  "Ca", "Sc", "Ti", "V",  "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn",
    "Ga", "Ge", "As", "Se", "Br", "Kr", "Rb", "Sr", "Y",  "Zr", "Nb", "Mo", "Tc", "Ru", "Rh",
    "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I",  "Xe", "Cs", "Ba", "La", "Ce", "Pr", "Nd",
    "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W",  "Re",
    "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac", "Th",
    "Pa", "U",  "Np", "Pu", "Am", "Cm", "Bk", "Cf", "Es", "Fm", "Md", "No", "Lr", "Rf", "Db",
    "Sg", "Bh", "Hs", "Mt", "Ds", "Rg", "Cn", "Nh", "Fl", "Mc", "Lv", "Ts", "Og"};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string shape_string(const std::vector<std::int64_t>& shape) {
  std::ostringstream out;
  out << "[";
  for (std::size_t a = 0; a < shape.size(); ++a) out << (a ? ", " : "") << shape[a];
  out << "]";
  return out.str();
}

// RAII wrapper of an open archive.
struct ZipArchive {
  zip_t* handle = nullptr;
  ~ZipArchive() {
    if (handle) zip_discard(handle);
  }
};

class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& problem) const { throw ModelFileError(path_, problem); }

  ModelFile read() {
    open_archive();
    const zip_int64_t header_index = find_unique(kHeaderSuffix, "header");
    const zip_int64_t weights_index = find_unique(kWeightsSuffix, "weights");
    const std::string header_text = read_entry(header_index);
    const std::string weights_blob = read_entry(weights_index);

    ModelFile model;
    model.path = path_;
    model.header_json = header_text;
    json header;
    try {
      header = json::parse(header_text);
    } catch (const json::exception& e) {
      fail(std::string("header gaunt/header.json is not valid JSON (") + e.what() + ")");
    }
    if (!header.is_object()) fail("header gaunt/header.json is not a JSON object");
    parse_header(header, model);
    check_sha256(weights_blob, model.weights_sha256);
    parse_weights(weights_blob, header, model);
    return model;
  }

 private:
  std::string path_;
  ZipArchive archive_;

  void open_archive() {
    {
      std::ifstream probe(path_, std::ios::binary);
      if (!probe) fail("cannot open the file (missing or unreadable)");
    }
    int error = 0;
    archive_.handle = zip_open(path_.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error);
    if (!archive_.handle) {
      zip_error_t ze;
      zip_error_init_with_code(&ze, error);
      const std::string what = zip_error_strerror(&ze);
      zip_error_fini(&ze);
      fail("not a valid zip archive (truncated or corrupt central directory?): " + what);
    }
  }

  zip_int64_t find_unique(const std::string& suffix, const std::string& what) {
    const zip_int64_t n = zip_get_num_entries(archive_.handle, 0);
    zip_int64_t found = -1;
    for (zip_int64_t e = 0; e < n; ++e) {
      const char* name = zip_get_name(archive_.handle, zip_uint64_t(e), 0);
      if (!name) continue;
      if (ends_with(name, suffix)) {
        if (found >= 0) fail("more than one " + what + " entry (*" + suffix + ") in the archive");
        found = e;
      }
    }
    if (found < 0) fail("missing " + what + " entry (*" + suffix + ") in the archive");
    return found;
  }

  std::string read_entry(zip_int64_t index) {
    zip_stat_t st;
    zip_stat_init(&st);
    const char* name = zip_get_name(archive_.handle, zip_uint64_t(index), 0);
    if (zip_stat_index(archive_.handle, zip_uint64_t(index), 0, &st) != 0 ||
        !(st.valid & ZIP_STAT_SIZE)) {
      fail(std::string("cannot stat entry ") + name);
    }
    if ((st.valid & ZIP_STAT_COMP_METHOD) && st.comp_method != ZIP_CM_STORE &&
        st.comp_method != ZIP_CM_DEFLATE) {
      fail(std::string("entry ") + name + " uses an unsupported compression method " +
           std::to_string(st.comp_method));
    }
    zip_file_t* file = zip_fopen_index(archive_.handle, zip_uint64_t(index), 0);
    if (!file) {
      fail(std::string("cannot open entry ") + name + ": " + zip_strerror(archive_.handle));
    }
    std::string data(st.size, '\0');
    zip_uint64_t done = 0;
    bool ok = true;
    while (done < st.size) {
      const zip_int64_t got = zip_fread(file, data.data() + done, st.size - done);
      if (got <= 0) {
        ok = false;
        break;
      }
      done += zip_uint64_t(got);
    }
    // One more read reaches the end of the entry, where libzip verifies the CRC-32.
    char extra = 0;
    if (ok && zip_fread(file, &extra, 1) != 0) ok = false;
    std::string problem;
    if (!ok) problem = zip_file_strerror(file);
    zip_fclose(file);
    if (!ok) fail(std::string("cannot read entry ") + name + " (truncated or corrupt): " + problem);
    return data;
  }

  template <class T>
  T get(const json& object, const std::string& key, const std::string& where) const {
    if (!object.is_object() || !object.contains(key))
      fail("header field " + where + key + " is missing");
    try {
      return object.at(key).get<T>();
    } catch (const json::exception&) {
      fail("header field " + where + key + " has the wrong type: " + object.at(key).dump());
    }
  }

  void expect_string(const json& object, const std::string& key, const std::string& where,
                     const std::string& expected) const {
    const auto value = get<std::string>(object, key, where);
    if (value != expected) {
      fail("header field " + where + key + " is \"" + value + "\", expected \"" + expected + "\"");
    }
  }

  void parse_header(const json& h, ModelFile& m) const {
    m.schema_version = get<int>(h, "schema_version", "");
    if (m.schema_version != 1) {
      fail("unsupported schema_version " + std::to_string(m.schema_version) +
           " (this reader knows schema_version 1)");
    }
    m.model_version = get<std::string>(h, "model_version", "");
    if (m.model_version != "gauntnet-1") {
      fail("unsupported model_version \"" + m.model_version + "\" (expected \"gauntnet-1\")");
    }
    m.units = get<std::string>(h, "units", "");
    if (m.units != "metal") fail("units are \"" + m.units + "\", expected \"metal\" (eV, Å)");
    if (h.contains("dtype") && h.at("dtype").is_string())
      m.dtype = h.at("dtype").get<std::string>();

    m.elements = get<std::vector<std::string>>(h, "elements", "");
    m.atomic_numbers = get<std::vector<int>>(h, "atomic_numbers", "");
    if (m.elements.empty()) fail("header field elements is empty");
    if (m.atomic_numbers.size() != m.elements.size()) {
      fail("header has " + std::to_string(m.elements.size()) + " elements but " +
           std::to_string(m.atomic_numbers.size()) + " atomic_numbers");
    }
    for (std::size_t s = 0; s < m.elements.size(); ++s) {
      const int z = atomic_number(m.elements[s]);
      if (z == 0) fail("unknown chemical symbol \"" + m.elements[s] + "\" in elements");
      if (z != m.atomic_numbers[s]) {
        fail("atomic_numbers[" + std::to_string(s) + "] = " + std::to_string(m.atomic_numbers[s]) +
             " does not match element " + m.elements[s] + " (Z = " + std::to_string(z) + ")");
      }
      for (std::size_t t = 0; t < s; ++t) {
        if (m.elements[t] == m.elements[s]) fail("element " + m.elements[s] + " listed twice");
      }
    }
    m.cutoff = get<double>(h, "cutoff", "");
    if (!(std::isfinite(m.cutoff) && m.cutoff > 0)) {
      fail("cutoff must be a positive finite number, got " + std::to_string(m.cutoff));
    }

    const json& hp = h.contains("hyperparameters") ? h.at("hyperparameters") : json();
    auto& y = m.hyperparameters;
    const std::string where = "hyperparameters.";
    y.num_bessel = get<int>(hp, "num_bessel", where);
    y.envelope_p = get<int>(hp, "envelope_p", where);
    y.radial_hidden = get<std::vector<int>>(hp, "radial_hidden", where);
    y.channels = get<int>(hp, "channels", where);
    y.lmax = get<int>(hp, "lmax", where);
    y.nu_max = get<int>(hp, "nu_max", where);
    y.readout_hidden = get<int>(hp, "readout_hidden", where);
    auto positive = [&](int value, const std::string& name) {
      if (value < 1) fail("hyperparameters." + name + " must be ≥ 1, got " + std::to_string(value));
    };
    positive(y.num_bessel, "num_bessel");
    positive(y.envelope_p, "envelope_p");
    positive(y.channels, "channels");
    positive(y.readout_hidden, "readout_hidden");
    if (y.radial_hidden.empty()) fail("hyperparameters.radial_hidden is empty");
    for (int w : y.radial_hidden) positive(w, "radial_hidden[]");
    if (y.lmax < 0) fail("hyperparameters.lmax must be ≥ 0, got " + std::to_string(y.lmax));
    if (y.nu_max < 1 || y.nu_max > 4) {
      fail("hyperparameters.nu_max must be in {1, 2, 3, 4}, got " + std::to_string(y.nu_max));
    }

    m.e0s = get<std::vector<double>>(h, "e0s", "");
    if (m.e0s.size() != m.elements.size()) {
      fail("header has " + std::to_string(m.e0s.size()) + " e0s for " +
           std::to_string(m.elements.size()) + " elements");
    }
    const json& norm = h.contains("normalisation") ? h.at("normalisation") : json();
    m.scale = get<double>(norm, "scale", "normalisation.");
    m.shift = get<double>(norm, "shift", "normalisation.");
    m.avg_num_neighbors = get<double>(norm, "avg_num_neighbors", "normalisation.");
    for (double v : m.e0s) {
      if (!std::isfinite(v)) fail("e0s contains a non-finite value");
    }
    if (!std::isfinite(m.scale) || !std::isfinite(m.shift)) {
      fail("normalisation.scale / shift must be finite");
    }
    if (!(std::isfinite(m.avg_num_neighbors) && m.avg_num_neighbors > 0)) {
      fail("normalisation.avg_num_neighbors must be positive, got " +
           std::to_string(m.avg_num_neighbors));
    }

    const json& w = h.contains("weights") ? h.at("weights") : json();
    expect_string(w, "entry", "weights.", "gaunt/weights.safetensors");
    expect_string(w, "format", "weights.", "safetensors");
    expect_string(w, "dtype", "weights.", "F64");
    expect_string(w, "byte_order", "weights.", "little");
    m.weights_sha256 = get<std::string>(w, "sha256", "weights.");
    const auto listed =
        get<std::map<std::string, std::vector<std::int64_t>>>(w, "tensors", "weights.");
    const auto expected = gauntnet_weight_shapes(y, int(m.elements.size()));
    check_names_and_shapes(listed, expected, "header weights.tensors");
  }

  void check_names_and_shapes(
      const std::map<std::string, std::vector<std::int64_t>>& found,
      const std::vector<std::pair<std::string, std::vector<std::int64_t>>>& expected,
      const std::string& where) const {
    for (const auto& [name, shape] : expected) {
      const auto it = found.find(name);
      if (it == found.end()) fail(where + ": missing tensor " + name);
      if (it->second != shape) {
        fail(where + ": tensor " + name + " has shape " + shape_string(it->second) + ", expected " +
             shape_string(shape) + " for the header's hyperparameters");
      }
    }
    for (const auto& [name, shape] : found) {
      bool known = false;
      for (const auto& e : expected) known = known || e.first == name;
      if (!known) fail(where + ": unexpected tensor " + name);
    }
  }

  void check_sha256(const std::string& blob, const std::string& expected) const {
    const std::string actual = sha256_hex(blob.data(), blob.size());
    if (actual != expected) {
      fail("sha256 of the weights entry is " + actual + " but the header says " + expected +
           " (corrupt or modified weights)");
    }
  }

  void parse_weights(const std::string& blob, const json& header, ModelFile& m) const {
    const std::string where = "weights entry (safetensors)";
    if (blob.size() < 8) fail(where + " is shorter than its 8-byte length prefix");
    std::uint64_t n = 0;
    for (int b = 7; b >= 0; --b) n = (n << 8) | static_cast<unsigned char>(blob[std::size_t(b)]);
    if (n > blob.size() - 8) {
      fail(where + ": index length " + std::to_string(n) + " exceeds the entry size " +
           std::to_string(blob.size()));
    }
    json index;
    try {
      index = json::parse(blob.begin() + 8, blob.begin() + 8 + std::ptrdiff_t(n));
    } catch (const json::exception& e) {
      fail(where + ": index is not valid JSON (" + e.what() + ")");
    }
    if (!index.is_object()) fail(where + ": index is not a JSON object");
    const std::size_t data_begin = 8 + std::size_t(n);
    const std::size_t data_size = blob.size() - data_begin;

    struct Span {
      std::uint64_t begin, end;
      std::string name;
    };
    std::vector<Span> spans;
    std::map<std::string, std::vector<std::int64_t>> shapes;
    for (const auto& [name, info] : index.items()) {
      if (name == "__metadata__") continue;
      const std::string tw = where + ": tensor " + name;
      if (!info.is_object() || !info.contains("dtype") || !info.contains("shape") ||
          !info.contains("data_offsets")) {
        fail(tw + " lacks dtype, shape or data_offsets");
      }
      std::string dtype;
      std::vector<std::int64_t> shape;
      std::vector<std::uint64_t> offsets;
      try {
        dtype = info.at("dtype").get<std::string>();
        shape = info.at("shape").get<std::vector<std::int64_t>>();
        offsets = info.at("data_offsets").get<std::vector<std::uint64_t>>();
      } catch (const json::exception&) {
        fail(tw + " has a malformed dtype, shape or data_offsets");
      }
      if (dtype != "F64") fail(tw + " has dtype " + dtype + ", expected F64");
      if (offsets.size() != 2 || offsets[1] < offsets[0]) fail(tw + " has bad data_offsets");
      std::uint64_t count = 1;
      for (auto d : shape) {
        if (d < 0) fail(tw + " has a negative dimension");
        count *= std::uint64_t(d);
      }
      if (offsets[1] - offsets[0] != 8 * count) {
        fail(tw + ": data_offsets span " + std::to_string(offsets[1] - offsets[0]) +
             " bytes but shape " + shape_string(shape) + " needs " + std::to_string(8 * count));
      }
      if (offsets[1] > data_size) fail(tw + " extends past the end of the data buffer");
      spans.push_back({offsets[0], offsets[1], name});
      shapes[name] = shape;
    }
    // The tensors tile the data buffer exactly: no gap, no overlap, nothing after the last.
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
      return a.begin < b.begin || (a.begin == b.begin && a.end < b.end);
    });
    std::uint64_t cursor = 0;
    for (const auto& s : spans) {
      if (s.begin != cursor) {
        fail(where + ": tensors do not tile the data buffer (gap or overlap at tensor " + s.name +
             ", offset " + std::to_string(s.begin) + ")");
      }
      cursor = s.end;
    }
    if (cursor != data_size) {
      fail(where + ": " + std::to_string(data_size - cursor) +
           " bytes after the last tensor in the data buffer");
    }
    check_names_and_shapes(
        shapes, gauntnet_weight_shapes(m.hyperparameters, int(m.elements.size())), where);
    (void)header;

    for (const auto& s : spans) {
      WeightTensor t;
      t.shape = shapes[s.name];
      const std::size_t count = (s.end - s.begin) / 8;
      t.values.resize(count);
      const unsigned char* src =
          reinterpret_cast<const unsigned char*>(blob.data()) + data_begin + s.begin;
      for (std::size_t v = 0; v < count; ++v) {
        std::uint64_t bits = 0;
        for (int b = 7; b >= 0; --b) bits = (bits << 8) | src[8 * v + std::size_t(b)];
        double value;
        std::memcpy(&value, &bits, sizeof value);
        if (!std::isfinite(value)) {
          fail(where + ": tensor " + s.name + " holds a non-finite value at flat index " +
               std::to_string(v));
        }
        t.values[v] = value;
      }
      m.weights[s.name] = std::move(t);
    }
  }
};

}  // namespace

const WeightTensor& ModelFile::weight(const std::string& name) const {
  const auto it = weights.find(name);
  if (it == weights.end()) throw ModelFileError(path, "missing weight tensor " + name);
  return it->second;
}

std::vector<std::pair<std::string, std::vector<std::int64_t>>> gauntnet_weight_shapes(
    const GauntNetHyperparameters& y, int n_elements) {
  const std::int64_t s = n_elements, k = y.channels, lp1 = y.lmax + 1;
  std::vector<std::int64_t> widths = {y.num_bessel};
  for (int w : y.radial_hidden) widths.push_back(w);
  widths.push_back(lp1 * k);
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> out;
  out.push_back({"embedding", {s, k}});
  for (std::size_t layer = 0; layer + 1 < widths.size(); ++layer) {
    out.push_back(
        {"radial_mlp." + std::to_string(layer) + ".weight", {widths[layer], widths[layer + 1]}});
  }
  const std::int64_t n_factors = y.nu_max * (y.nu_max + 1) / 2, q = std::int64_t(y.nu_max) * k;
  out.push_back({"mixing", {lp1, k, k}});
  out.push_back({"factor_weights", {n_factors, s, lp1, k}});
  out.push_back({"readout_linear", {q}});
  out.push_back({"readout_hidden.weight", {q, y.readout_hidden}});
  out.push_back({"readout_hidden.bias", {y.readout_hidden}});
  out.push_back({"readout_out", {y.readout_hidden}});
  return out;
}

ModelFile read_model_file(const std::string& path) { return Reader(path).read(); }

std::string sha256_hex(const void* data, std::size_t size) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data, size, digest, &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL EVP_Digest(sha256) failed");
  }
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int b = 0; b < length; ++b) {
    out += hex[digest[b] >> 4];
    out += hex[digest[b] & 15];
  }
  return out;
}

int atomic_number(const std::string& symbol) {
  for (std::size_t z = 0; z < kSymbols.size(); ++z) {
    if (symbol == kSymbols[z]) return int(z) + 1;
  }
  return 0;
}

}  // namespace gaunt
