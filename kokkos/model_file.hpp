// Reader of the GauntNet model file `NAME.gaunt.pt` (DESIGN.md §5; the contract is
// model_export/MODEL_FILE.md): a zip archive with a JSON header and float64 weights in the
// safetensors layout. No LibTorch and no LAMMPS here; the TorchScript entries of the archive are
// ignored. Every rule of MODEL_FILE.md §1 ("A reader must reject ...") is checked, and each
// violation throws ModelFileError with the file name and the problem in the message.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace gaunt {

// Thrown for every unreadable or invalid model file; what() = "<path>: <problem>".
class ModelFileError : public std::runtime_error {
 public:
  ModelFileError(const std::string& path, const std::string& problem)
      : std::runtime_error(path + ": " + problem), path_(path), problem_(problem) {}
  const std::string& path() const { return path_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string path_, problem_;
};

// One weight tensor: shape and values in C (row-major) order, float64.
struct WeightTensor {
  std::vector<std::int64_t> shape;
  std::vector<double> values;
};

// hyperparameters.* of the header (MODEL_FILE.md §2).
struct GauntNetHyperparameters {
  int num_bessel = 0;              // N_b
  int envelope_p = 0;              // p of the polynomial envelope
  std::vector<int> radial_hidden;  // H_1..H_m (m ≥ 1)
  int channels = 0;                // K
  int lmax = 0;                    // L
  int nu_max = 0;                  // ν_max ∈ {1, 2, 3, 4}
  int readout_hidden = 0;          // H_r
};

// The validated content of a model file.
struct ModelFile {
  std::string path;
  int schema_version = 0;     // 1
  std::string model_version;  // "gauntnet-1"
  std::string units;          // "metal"
  std::string dtype;          // training precision (informational)
  std::vector<std::string> elements;
  std::vector<int> atomic_numbers;
  double cutoff = 0;  // r_c, Å
  GauntNetHyperparameters hyperparameters;
  std::vector<double> e0s;                      // eV, per element
  double scale = 0;                             // σ
  double shift = 0;                             // μ, eV per atom
  double avg_num_neighbors = 0;                 // n̄
  std::string weights_sha256;                   // lowercase hex
  std::map<std::string, WeightTensor> weights;  // name -> tensor (MODEL_FILE.md §4)
  std::string header_json;                      // the header as stored

  // The tensor `name`; throws ModelFileError when absent.
  const WeightTensor& weight(const std::string& name) const;
};

// Names and shapes of every weight tensor of GauntNet v1 for the given hyperparameters and
// number of elements, in file order (MODEL_FILE.md §4).
std::vector<std::pair<std::string, std::vector<std::int64_t>>> gauntnet_weight_shapes(
    const GauntNetHyperparameters& hyper, int n_elements);

// Reads and validates `path`. Throws ModelFileError (never crashes, never defaults silently).
ModelFile read_model_file(const std::string& path);

// Lowercase hex SHA-256 of a byte buffer (OpenSSL EVP).
std::string sha256_hex(const void* data, std::size_t size);

// Atomic number of a chemical symbol ("H" -> 1, ..., "Og" -> 118); 0 when unknown.
int atomic_number(const std::string& symbol);

}  // namespace gaunt
