// Model file reader (DESIGN.md §5, §7.4; model_export/MODEL_FILE.md §1-§4): the tiny fixture
// reads back with the header's values, and every rejection rule of MODEL_FILE.md §1 gives a
// ModelFileError naming the file and the problem. The bad files are made from tiny.gaunt.pt by
// rewriting its zip entries with libzip in a temporary directory.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zip.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "model_file.hpp"
#include "test_helpers.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kTiny = gaunt::test::reference_dir() + "/model/tiny.gaunt.pt";
constexpr const char* kHeader = "/extra/gaunt/header.json";
constexpr const char* kWeights = "/extra/gaunt/weights.safetensors";

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), std::streamsize(data.size()));
}

zip_int64_t find_entry(zip_t* za, const std::string& suffix) {
  const zip_int64_t n = zip_get_num_entries(za, 0);
  for (zip_int64_t e = 0; e < n; ++e) {
    const std::string name = zip_get_name(za, zip_uint64_t(e), 0);
    if (name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      return e;
  }
  return -1;
}

std::string read_entry(const std::string& path, const std::string& suffix) {
  int error = 0;
  zip_t* za = zip_open(path.c_str(), ZIP_RDONLY, &error);
  EXPECT_NE(za, nullptr);
  const zip_int64_t index = find_entry(za, suffix);
  zip_stat_t st;
  zip_stat_index(za, zip_uint64_t(index), 0, &st);
  std::string data(st.size, '\0');
  zip_file_t* f = zip_fopen_index(za, zip_uint64_t(index), 0);
  EXPECT_EQ(zip_fread(f, data.data(), st.size), zip_int64_t(st.size));
  zip_fclose(f);
  zip_discard(za);
  return data;
}

// Replaces (content) or deletes (nullptr) the entry ending in `suffix`.
void rewrite_entry(const std::string& path, const std::string& suffix, const std::string* content) {
  int error = 0;
  zip_t* za = zip_open(path.c_str(), 0, &error);
  ASSERT_NE(za, nullptr);
  const zip_int64_t index = find_entry(za, suffix);
  ASSERT_GE(index, 0);
  if (content) {
    zip_source_t* src = zip_source_buffer(za, content->data(), content->size(), 0);
    ASSERT_NE(src, nullptr);
    ASSERT_EQ(zip_file_replace(za, zip_uint64_t(index), src, 0), 0);
  } else {
    ASSERT_EQ(zip_delete(za, zip_uint64_t(index)), 0);
  }
  ASSERT_EQ(zip_close(za), 0) << zip_strerror(za);
}

// The safetensors entry split into index and data buffer, and rebuilt.
struct Safetensors {
  json index;
  std::string data;
  static Safetensors parse(const std::string& blob) {
    std::uint64_t n = 0;
    for (int b = 7; b >= 0; --b) n = (n << 8) | static_cast<unsigned char>(blob[std::size_t(b)]);
    return {json::parse(blob.substr(8, n)), blob.substr(8 + n)};
  }
  std::string blob() const {
    std::string text = index.dump();
    while (text.size() % 8) text += ' ';
    std::string out(8, '\0');
    for (int b = 0; b < 8; ++b)
      out[std::size_t(b)] = char((std::uint64_t(text.size()) >> (8 * b)) & 255);
    return out + text + data;
  }
};

class ModelFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("gaunt_test_model_file_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string copy_of_tiny(const std::string& name) {
    const std::string path = (dir_ / name).string();
    fs::copy_file(kTiny, path, fs::copy_options::overwrite_existing);
    return path;
  }

  // A copy of tiny whose header is edited by `edit`.
  std::string with_header(const std::string& name, const std::function<void(json&)>& edit) {
    const std::string path = copy_of_tiny(name);
    json header = json::parse(read_entry(path, kHeader));
    edit(header);
    const std::string text = header.dump(1);
    rewrite_entry(path, kHeader, &text);
    return path;
  }

  // A copy of tiny whose weights entry is edited; the header's sha256 is updated to match, so
  // the check under test is the one after the sha256.
  std::string with_weights(const std::string& name, const std::function<void(Safetensors&)>& edit) {
    const std::string path = copy_of_tiny(name);
    Safetensors st = Safetensors::parse(read_entry(path, kWeights));
    edit(st);
    const std::string blob = st.blob();
    rewrite_entry(path, kWeights, &blob);
    json header = json::parse(read_entry(path, kHeader));
    header["weights"]["sha256"] = gaunt::sha256_hex(blob.data(), blob.size());
    const std::string text = header.dump(1);
    rewrite_entry(path, kHeader, &text);
    return path;
  }

  // read_model_file(path) throws a ModelFileError whose message names the file and `problem`.
  static void expect_rejected(const std::string& path, const std::string& problem) {
    try {
      gaunt::read_model_file(path);
      ADD_FAILURE() << path << " was accepted; expected an error about: " << problem;
    } catch (const gaunt::ModelFileError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(path), std::string::npos) << what;
      EXPECT_NE(what.find(problem), std::string::npos)
          << "message: " << what << "\nexpected: " << problem;
      EXPECT_EQ(e.path(), path);
    }
  }

  fs::path dir_;
};

TEST_F(ModelFileTest, ReadsTinyFixture) {
  const auto m = gaunt::read_model_file(kTiny);
  const auto ref = gaunt::test::read_reference("model/tiny_reference.json");
  EXPECT_EQ(m.schema_version, 1);
  EXPECT_EQ(m.model_version, "gauntnet-1");
  EXPECT_EQ(m.units, "metal");
  EXPECT_EQ(m.elements, (std::vector<std::string>{"H", "C", "O"}));
  EXPECT_EQ(m.atomic_numbers, (std::vector<int>{1, 6, 8}));
  EXPECT_EQ(m.cutoff, 3.0);
  EXPECT_EQ(m.hyperparameters.num_bessel, 4);
  EXPECT_EQ(m.hyperparameters.envelope_p, 6);
  EXPECT_EQ(m.hyperparameters.radial_hidden, (std::vector<int>{8, 8}));
  EXPECT_EQ(m.hyperparameters.channels, 4);
  EXPECT_EQ(m.hyperparameters.lmax, 3);
  EXPECT_EQ(m.hyperparameters.nu_max, 4);
  EXPECT_EQ(m.hyperparameters.readout_hidden, 4);
  EXPECT_EQ(m.e0s, (std::vector<double>{-0.6, -1.3, -2.1}));
  EXPECT_EQ(m.scale, 4.0);
  EXPECT_EQ(m.shift, -0.3);
  EXPECT_EQ(m.avg_num_neighbors, 2.0);
  EXPECT_EQ(m.weights_sha256, ref.at("weights_sha256").get<std::string>());
  EXPECT_EQ(m.weights.size(), 10u);
  const auto shapes = gaunt::gauntnet_weight_shapes(m.hyperparameters, 3);
  for (const auto& [name, shape] : shapes) {
    const auto& t = m.weight(name);
    EXPECT_EQ(t.shape, shape) << name;
    std::size_t count = 1;
    for (auto d : shape) count *= std::size_t(d);
    EXPECT_EQ(t.values.size(), count) << name;
  }
  EXPECT_EQ(m.weight("factor_weights").shape, (std::vector<std::int64_t>{10, 3, 4, 4}));
  // A value decoded by hand from the raw little-endian bytes of the weights entry.
  const Safetensors st = Safetensors::parse(read_entry(kTiny, kWeights));
  const auto begin = st.index.at("readout_out").at("data_offsets")[0].get<std::size_t>();
  double first;
  std::memcpy(&first, st.data.data() + begin, 8);
  EXPECT_EQ(m.weight("readout_out").values[0], first);
  EXPECT_THROW(m.weight("no_such_tensor"), gaunt::ModelFileError);
}

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(gaunt::sha256_hex("abc", 3),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(gaunt::sha256_hex("", 0),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(AtomicNumber, Symbols) {
  EXPECT_EQ(gaunt::atomic_number("H"), 1);
  EXPECT_EQ(gaunt::atomic_number("O"), 8);
  EXPECT_EQ(gaunt::atomic_number("Og"), 118);
  EXPECT_EQ(gaunt::atomic_number("Xx"), 0);
}

TEST_F(ModelFileTest, MissingFile) {
  expect_rejected((dir_ / "nope.gaunt.pt").string(), "cannot open");
}

TEST_F(ModelFileTest, NotAZip) {
  const std::string path = (dir_ / "text.gaunt.pt").string();
  write_bytes(path, "this is not a zip archive\n");
  expect_rejected(path, "not a valid zip archive");
}

TEST_F(ModelFileTest, Truncated) {
  const std::string bytes = read_bytes(kTiny);
  for (const double fraction : {0.5, 0.98}) {
    const std::string path =
        (dir_ / ("truncated" + std::to_string(fraction) + ".gaunt.pt")).string();
    write_bytes(path, bytes.substr(0, std::size_t(fraction * double(bytes.size()))));
    expect_rejected(path, "not a valid zip archive");
  }
}

TEST_F(ModelFileTest, CorruptStoredEntryFailsCrc) {
  std::string bytes = read_bytes(kTiny);
  const auto at = bytes.find("\"model_version\"");
  ASSERT_NE(at, std::string::npos);
  bytes[at + 3] = 'X';  // inside the stored header payload: the CRC-32 no longer matches
  const std::string path = (dir_ / "crc.gaunt.pt").string();
  write_bytes(path, bytes);
  expect_rejected(path, "truncated or corrupt");
}

TEST_F(ModelFileTest, MissingHeaderOrWeights) {
  const std::string no_header = copy_of_tiny("no_header.gaunt.pt");
  rewrite_entry(no_header, kHeader, nullptr);
  expect_rejected(no_header, "missing header entry");
  const std::string no_weights = copy_of_tiny("no_weights.gaunt.pt");
  rewrite_entry(no_weights, kWeights, nullptr);
  expect_rejected(no_weights, "missing weights entry");
}

TEST_F(ModelFileTest, HeaderNotJson) {
  const std::string path = copy_of_tiny("bad_json.gaunt.pt");
  const std::string text = "{\"schema_version\": 1, ";
  rewrite_entry(path, kHeader, &text);
  expect_rejected(path, "not valid JSON");
}

TEST_F(ModelFileTest, WrongVersionsAndUnits) {
  expect_rejected(with_header("schema.gaunt.pt", [](json& h) { h["schema_version"] = 2; }),
                  "unsupported schema_version 2");
  expect_rejected(with_header("model.gaunt.pt", [](json& h) { h["model_version"] = "gauntnet-2"; }),
                  "unsupported model_version \"gauntnet-2\"");
  expect_rejected(with_header("units.gaunt.pt", [](json& h) { h["units"] = "real"; }),
                  "units are \"real\", expected \"metal\"");
  expect_rejected(with_header("nounits.gaunt.pt", [](json& h) { h.erase("units"); }),
                  "header field units is missing");
}

TEST_F(ModelFileTest, InconsistentHeader) {
  expect_rejected(with_header("z.gaunt.pt", [](json& h) { h["atomic_numbers"][1] = 7; }),
                  "does not match element C");
  expect_rejected(with_header("e0s.gaunt.pt", [](json& h) { h["e0s"].erase(2); }),
                  "2 e0s for 3 elements");
  expect_rejected(with_header("cut.gaunt.pt", [](json& h) { h["cutoff"] = -1.0; }), "cutoff");
  expect_rejected(with_header("nu.gaunt.pt", [](json& h) { h["hyperparameters"]["nu_max"] = 5; }),
                  "nu_max must be in {1, 2, 3, 4}, got 5");
  // Hyperparameters that disagree with the stored tensors.
  expect_rejected(with_header("k.gaunt.pt", [](json& h) { h["hyperparameters"]["channels"] = 5; }),
                  "tensor embedding has shape [3, 4], expected [3, 5]");
}

TEST_F(ModelFileTest, Sha256Mismatch) {
  const std::string path = copy_of_tiny("sha.gaunt.pt");
  std::string blob = read_entry(path, kWeights);
  blob[blob.size() - 3] ^= 0x01;  // one bit of the last float64
  rewrite_entry(path, kWeights, &blob);
  expect_rejected(path, "sha256 of the weights entry is");
}

TEST_F(ModelFileTest, NonFiniteWeight) {
  const auto path = with_weights("nan.gaunt.pt", [](Safetensors& st) {
    const auto begin = st.index.at("mixing").at("data_offsets")[0].get<std::size_t>();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::memcpy(st.data.data() + begin + 8, &nan, 8);
  });
  expect_rejected(path, "tensor mixing holds a non-finite value at flat index 1");
}

TEST_F(ModelFileTest, InconsistentSafetensorsIndex) {
  expect_rejected(
      with_weights("gap.gaunt.pt", [](Safetensors& st) { st.data += std::string(8, '\0'); }),
      "8 bytes after the last tensor");
  expect_rejected(with_weights("dtype.gaunt.pt",
                               [](Safetensors& st) { st.index["embedding"]["dtype"] = "F32"; }),
                  "tensor embedding has dtype F32");
  expect_rejected(with_weights("offsets.gaunt.pt",
                               [](Safetensors& st) {
                                 auto& o = st.index["embedding"]["data_offsets"];
                                 o[1] = o[1].get<std::size_t>() - 8;
                               }),
                  "data_offsets span 88 bytes but shape [3, 4] needs 96");
  expect_rejected(with_weights("overlap.gaunt.pt",
                               [](Safetensors& st) {
                                 // Two tensors of equal size swap offsets with a third -> overlap.
                                 st.index["readout_out"]["data_offsets"] =
                                     st.index["readout_hidden.bias"]["data_offsets"];
                               }),
                  "do not tile the data buffer");
  expect_rejected(with_weights("name.gaunt.pt",
                               [](Safetensors& st) {
                                 st.index["extra_tensor"] = st.index["readout_out"];
                                 st.index.erase("readout_out");
                               }),
                  "missing tensor readout_out");
  expect_rejected(with_weights("index.gaunt.pt",
                               [](Safetensors& st) {
                                 st.index = json::array({1, 2});
                               }),
                  "index is not a JSON object");
}

}  // namespace
