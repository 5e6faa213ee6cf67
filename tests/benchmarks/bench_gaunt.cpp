// Benchmark (not a test; DESIGN.md §8): full Gaunt products L1 = L2 = L -> Lout = 2L through the
// three routes of kokkos/gaunt_product.hpp against the full real Clebsch-Gordan tensor product
// (kokkos/clebsch_gordan.hpp), channel-wise, C channels, for several batch sizes (items), on the
// default host execution space. Set-up (tables, plans, allocation) is not timed; each case runs
// one warm-up call, then `repeats` timed rounds in which the methods run one call each in turn
// (fenced; interleaved, so machine noise hits all alike), and reports each median.
//
// Usage: bench_gaunt [--lmax 8] [--lmin 1] [--channels 128] [--batches 32,4096] [--repeats 5]
//                    [--budget 4] [--max-case-seconds 40] [--fit-from 3]
//                    [--clock wall|cpu] [--csv gaunt_benchmark.csv]
//                    [--methods fourier,grid,sparse,cg] [--fourier auto|fft|direct]
// --clock cpu: rank by process CPU time instead of wall time (use on a shared, oversubscribed
// machine with OMP_NUM_THREADS=1, where wall time of long calls includes other processes' turns;
// with several threads CPU time sums the threads). Both clocks are always written to the CSV.
// --budget S: cases whose warm-up call takes longer than S/repeats seconds run the minimum of 5
// repeats (never fewer); others run `repeats`.
// --max-case-seconds S: a case whose predicted cost (warm-up + 5 calls, predicted from the same
// method and L at the previous, smaller batch) exceeds S seconds is skipped and printed as
// "skip" (not written to the CSV); 0 runs everything (the full sweep takes far longer than the
// default run on a 2-core machine: one CG call at L = 8, batch 4096, C = 128 is ~40 s). Output: a
// table (time per product = median time of one call / (items × channels)), ratios CG / route, the
// fitted exponent p of t ∝ L^p per route (least squares in log-log over L ≥ fit-from), and a CSV
// for plot_gaunt_benchmark.py.
#include <Kokkos_Core.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "clebsch_gordan.hpp"
#include "gaunt_product.hpp"
#include "sh_indexing.hpp"

namespace {

using Space = Kokkos::DefaultHostExecutionSpace;
using Memory = Space::memory_space;
using Features = gaunt::FeatureView<Memory>;

struct Options {
  int lmin = 1, lmax = 8, channels = 128, repeats = 5, fit_from = 3;
  bool cpu_clock = false;
  double budget = 4.0, max_case_seconds = 40.0;
  std::vector<int> batches = {32, 4096};
  std::string csv = "gaunt_benchmark.csv";
  std::vector<std::string> methods = {"fourier", "grid", "sparse", "cg"};
  gaunt::FourierConvolution convolution = gaunt::FourierConvolution::kAuto;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value after %s\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--lmax")
      o.lmax = std::stoi(next());
    else if (arg == "--lmin")
      o.lmin = std::stoi(next());
    else if (arg == "--channels")
      o.channels = std::stoi(next());
    else if (arg == "--repeats")
      o.repeats = std::max(5, std::stoi(next()));
    else if (arg == "--budget")
      o.budget = std::stod(next());
    else if (arg == "--max-case-seconds")
      o.max_case_seconds = std::stod(next());
    else if (arg == "--fit-from")
      o.fit_from = std::stoi(next());
    else if (arg == "--csv")
      o.csv = next();
    else if (arg == "--clock") {
      const std::string c = next();
      if (c != "cpu" && c != "wall") {
        std::fprintf(stderr, "--clock must be cpu or wall, got %s\n", c.c_str());
        std::exit(2);
      }
      o.cpu_clock = c == "cpu";
    } else if (arg == "--methods") {
      o.methods.clear();
      std::stringstream ss(next());
      for (std::string tok; std::getline(ss, tok, ',');) {
        if (tok != "fourier" && tok != "grid" && tok != "sparse" && tok != "cg") {
          std::fprintf(stderr, "--methods: unknown method %s (fourier, grid, sparse, cg)\n",
                       tok.c_str());
          std::exit(2);
        }
        o.methods.push_back(tok);
      }
    } else if (arg == "--fourier") {
      const std::string c = next();
      if (c != "auto" && c != "fft" && c != "direct") {
        std::fprintf(stderr, "--fourier must be auto, fft or direct, got %s\n", c.c_str());
        std::exit(2);
      }
      o.convolution = c == "fft"      ? gaunt::FourierConvolution::kFft
                      : c == "direct" ? gaunt::FourierConvolution::kDirect
                                      : gaunt::FourierConvolution::kAuto;
    } else if (arg == "--batches") {
      o.batches.clear();
      std::stringstream ss(next());
      for (std::string tok; std::getline(ss, tok, ',');) o.batches.push_back(std::stoi(tok));
    } else if (arg.rfind("--kokkos", 0) != 0) {
      std::fprintf(stderr, "unknown option %s (see the header of bench_gaunt.cpp)\n", arg.c_str());
      std::exit(2);
    }
  }
  if (o.lmin < 1 || o.lmax > 8 || o.lmin > o.lmax) {
    std::fprintf(stderr, "need 1 <= lmin <= lmax <= 8 (Lout = 2L <= 16)\n");
    std::exit(2);
  }
  return o;
}

Features random_features(std::mt19937_64& rng, int items, int degree, int channels) {
  Features v(Kokkos::view_alloc(Kokkos::WithoutInitializing, "bench::features"), items,
             gaunt::sh_size(degree), channels);
  auto h = Kokkos::create_mirror_view(v);
  std::uniform_real_distribution<double> u(-1, 1);
  for (std::size_t i = 0; i < h.size(); ++i) h.data()[i] = u(rng);
  Kokkos::deep_copy(v, h);
  return v;
}

struct Timing {
  double median = 0;  // of the selected clock
  double median_wall = 0;
  double median_cpu = 0;
  int repeats = 0;
};

// CPU time of this process (all threads): on a shared machine the wall clock of a long call
// includes the time other processes held the cores; CPU time does not.
double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

// Times several calls side by side: one warm-up each, then `repeats` rounds in which every call
// runs once (fenced), so that slow phases of a shared machine hit every method alike and the
// ratios of the medians are not skewed by when a method happened to run.
std::vector<Timing> time_interleaved(const std::vector<std::function<void()>>& calls,
                                     const Options& o) {
  using clock = std::chrono::steady_clock;
  double warm = 0;
  for (const auto& call : calls) {
    const auto t0 = clock::now();
    call();  // warm-up (first-touch, caches, lazily built FFT plans)
    Kokkos::fence();
    warm += std::chrono::duration<double>(clock::now() - t0).count();
  }
  const int repeats = warm * o.repeats > o.budget ? 5 : o.repeats;
  std::vector<std::vector<double>> wall(calls.size()), cpu(calls.size());
  for (int r = 0; r < repeats; ++r) {
    for (std::size_t i = 0; i < calls.size(); ++i) {
      const double c0 = cpu_seconds();
      const auto t0 = clock::now();
      calls[i]();
      Kokkos::fence();
      wall[i].push_back(std::chrono::duration<double>(clock::now() - t0).count());
      cpu[i].push_back(cpu_seconds() - c0);
    }
  }
  std::vector<Timing> out;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    std::sort(wall[i].begin(), wall[i].end());
    std::sort(cpu[i].begin(), cpu[i].end());
    const double w = wall[i][repeats / 2], c = cpu[i][repeats / 2];
    out.push_back({o.cpu_clock ? c : w, w, c, repeats});
  }
  return out;
}

double fit_exponent(const std::vector<int>& L, const std::vector<double>& t, int from) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  int n = 0;
  for (std::size_t i = 0; i < L.size(); ++i) {
    if (L[i] < from) continue;
    const double x = std::log(double(L[i])), y = std::log(t[i]);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
    ++n;
  }
  if (n < 2) return NAN;
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

}  // namespace

int main(int argc, char** argv) {
  Kokkos::ScopeGuard guard(argc, argv);
  const Options o = parse(argc, argv);
  const std::vector<std::string>& methods = o.methods;
  std::printf(
      "# Gaunt products vs full real CG tensor product: L1 = L2 = L, Lout = 2L, C = %d, "
      "%s with %d threads\n",
      o.channels, Space::name(), Space().concurrency());
  std::printf(
      "# time per product = median %s time over >= 5 timed calls / (items x channels), in ns\n",
      o.cpu_clock ? "CPU" : "wall");
  std::ofstream csv(o.csv);
  csv << "L,batch,channels,method,clock,median_call_s,ns_per_product,median_wall_s,median_cpu_s,"
         "repeats,couplings\n";
  // results[batch][method] -> (L, ns)
  std::map<int, std::map<std::string, std::pair<std::vector<int>, std::vector<double>>>> results;
  std::map<std::pair<std::string, int>, double> last_ns;  // (method, L) -> ns at a smaller batch
  std::mt19937_64 rng(42);
  for (int batch : o.batches) {
    std::printf("\n%3s %6s | %10s %10s %10s %10s | %8s %8s %8s | %s\n", "L", "batch", "fourier",
                "grid", "sparse", "cg", "cg/four", "cg/grid", "cg/spar", "best");
    for (int L = o.lmin; L <= o.lmax; ++L) {
      const int lout = 2 * L;
      const Features a = random_features(rng, batch, L, o.channels);
      const Features b = random_features(rng, batch, L, o.channels);
      Features out(Kokkos::view_alloc(Kokkos::WithoutInitializing, "bench::out"), batch,
                   gaunt::sh_size(lout), o.channels);
      std::map<std::string, double> ns = {
          {"fourier", NAN}, {"grid", NAN}, {"sparse", NAN}, {"cg", NAN}};
      // Products of every method that is not skipped, then all timed side by side.
      std::vector<std::string> timed;
      std::vector<std::function<void()>> calls;
      std::map<std::string, long> couplings;
      std::vector<std::unique_ptr<gaunt::GauntProduct<Space>>> products;
      std::unique_ptr<gaunt::ClebschGordanProduct<Space>> cg;
      for (const std::string& m : methods) {
        const auto known = last_ns.find({m, L});
        if (o.max_case_seconds > 0 && known != last_ns.end() &&
            6 * known->second * 1e-9 * batch * o.channels > o.max_case_seconds) {
          ns[m] = NAN;
          continue;
        }
        timed.push_back(m);
        if (m == "cg") {
          cg = std::make_unique<gaunt::ClebschGordanProduct<Space>>(L, L, lout);
          couplings[m] = cg->n_couplings();
          calls.emplace_back([&] { cg->forward(a, b, out); });
        } else {
          const gaunt::GauntRoute route = m == "fourier" ? gaunt::GauntRoute::kFourier
                                          : m == "grid"  ? gaunt::GauntRoute::kGrid
                                                         : gaunt::GauntRoute::kSparse;
          products.push_back(std::make_unique<gaunt::GauntProduct<Space>>(
              route, std::vector<int>{L, L}, lout,
              gaunt::GauntProduct<Space>::Options{0, 0, o.convolution}));
          calls.emplace_back([&, p = products.back().get()] { p->forward({a, b}, out); });
        }
      }
      const std::vector<Timing> timings = time_interleaved(calls, o);
      for (std::size_t i = 0; i < timed.size(); ++i) {
        const std::string& m = timed[i];
        const Timing& t = timings[i];
        ns[m] = t.median / (double(batch) * o.channels) * 1e9;
        last_ns[{m, L}] = ns[m];
        results[batch][m].first.push_back(L);
        results[batch][m].second.push_back(ns[m]);
        csv << L << "," << batch << "," << o.channels << "," << m << ","
            << (o.cpu_clock ? "cpu" : "wall") << "," << t.median << "," << ns[m] << ","
            << t.median_wall << "," << t.median_cpu << "," << t.repeats << "," << couplings[m]
            << "\n";
      }
      std::string best;
      for (const char* m : {"fourier", "grid", "sparse"}) {
        if (!std::isnan(ns[m]) && (best.empty() || ns[m] < ns[best])) best = m;
      }
      auto cell = [](double v) {
        char buf[32];
        if (std::isnan(v))
          std::snprintf(buf, sizeof buf, "%10s", "skip");
        else
          std::snprintf(buf, sizeof buf, "%10.1f", v);
        return std::string(buf);
      };
      auto ratio = [](double v) {
        char buf[32];
        if (std::isnan(v))
          std::snprintf(buf, sizeof buf, "%8s", "-");
        else
          std::snprintf(buf, sizeof buf, "%8.2f", v);
        return std::string(buf);
      };
      std::printf("%3d %6d | %s %s %s %s | %s %s %s | %s (cg/best %s)\n", L, batch,
                  cell(ns["fourier"]).c_str(), cell(ns["grid"]).c_str(), cell(ns["sparse"]).c_str(),
                  cell(ns["cg"]).c_str(), ratio(ns["cg"] / ns["fourier"]).c_str(),
                  ratio(ns["cg"] / ns["grid"]).c_str(), ratio(ns["cg"] / ns["sparse"]).c_str(),
                  best.c_str(), ratio(best.empty() ? NAN : ns["cg"] / ns[best]).c_str());
      std::fflush(stdout);
    }
  }
  std::printf(
      "\n# fitted exponent p (t per product ∝ L^p), least squares in log-log over L = %d..%d\n",
      o.fit_from, o.lmax);
  for (const auto& [batch, per_method] : results) {
    std::printf("batch %5d:", batch);
    for (const std::string& m : methods) {
      const auto it = per_method.find(m);
      if (it == per_method.end()) continue;
      const auto& [Ls, ts] = it->second;
      const int n_fit =
          int(std::count_if(Ls.begin(), Ls.end(), [&](int l) { return l >= o.fit_from; }));
      if (n_fit < 2) {
        std::printf("  %s n/a", m.c_str());
      } else {
        std::printf("  %s %.2f (L=%d..%d)", m.c_str(), fit_exponent(Ls, ts, o.fit_from), o.fit_from,
                    Ls.back());
      }
    }
    std::printf("\n");
  }
  std::printf("# CSV written to %s\n", o.csv.c_str());
  return 0;
}
