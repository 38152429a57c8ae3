// fuzz/replay_main.cpp: runs every fuzz target without libFuzzer, so plain
// `ctest` exercises them under the project's compiler and sanitizers.
//
// For each target: every seed file in <corpus>/<target>/, then --runs inputs
// made from the seeds by deterministic mutations. The generator has a fixed
// seed, so a failure reproduces exactly; --print-input prints each input's hex
// before it runs (the last one shown is the failing one). This finds far less
// than a real campaign (fuzz/README.md) and is no substitute for one; it keeps
// the targets and their invariants honest on every `ctest`.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "fuzz_target.hpp"

namespace intact::fuzz {

namespace {
std::map<std::string, TargetBody>& registry() {
  static std::map<std::string, TargetBody> targets;
  return targets;
}
}  // namespace

bool register_target(const char* name, TargetBody body) {
  registry()[name] = body;
  return true;
}

namespace {

using Bytes = std::vector<std::uint8_t>;
constexpr std::size_t kMaxInput = 16 * 1024;

// splitmix64: small, fast, and the same on every platform.
class Generator {
 public:
  explicit Generator(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }
  std::uint8_t byte() { return static_cast<std::uint8_t>(next()); }

 private:
  std::uint64_t state_;
};

// Values that sit on the edges of a header field or of the hex alphabet.
constexpr std::uint8_t kInteresting[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x10,
                                         0x7F, 0x80, 0xFF, '|',  '0',  '9',  'A',  'F',
                                         'a',  'f',  'g',  'G',  'C',  'S',  'I'};

void mutate_once(Bytes& b, const std::vector<Bytes>& seeds, Generator& g) {
  switch (g.below(9)) {
    case 0:  // flip one bit
      if (!b.empty()) b[g.below(b.size())] ^= static_cast<std::uint8_t>(1u << g.below(8));
      break;
    case 1:  // an interesting byte
      if (!b.empty()) b[g.below(b.size())] = kInteresting[g.below(sizeof kInteresting)];
      break;
    case 2: {  // insert random bytes
      std::size_t at = g.below(b.size() + 1), n = 1 + g.below(16);
      Bytes ins(n);
      for (auto& x : ins) x = g.byte();
      b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), ins.begin(), ins.end());
      break;
    }
    case 3: {  // delete a range (a dropped frame, a lost digit)
      if (b.empty()) break;
      std::size_t at = g.below(b.size()), n = 1 + g.below(std::min<std::size_t>(b.size() - at, 64));
      b.erase(b.begin() + static_cast<std::ptrdiff_t>(at),
              b.begin() + static_cast<std::ptrdiff_t>(at + n));
      break;
    }
    case 4: {  // duplicate a range elsewhere (a replayed frame)
      if (b.empty()) break;
      std::size_t from = g.below(b.size()),
                  n = 1 + g.below(std::min<std::size_t>(b.size() - from, 128));
      Bytes piece(b.begin() + static_cast<std::ptrdiff_t>(from),
                  b.begin() + static_cast<std::ptrdiff_t>(from + n));
      std::size_t to = g.below(b.size() + 1);
      b.insert(b.begin() + static_cast<std::ptrdiff_t>(to), piece.begin(), piece.end());
      break;
    }
    case 5:  // cut the stream short
      if (!b.empty()) b.resize(g.below(b.size()));
      break;
    case 6: {  // splice: this input's head, another seed's tail
      if (seeds.empty()) break;
      const Bytes& other = seeds[g.below(seeds.size())];
      b.resize(g.below(b.size() + 1));
      std::size_t from = g.below(other.size() + 1);
      b.insert(b.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
      break;
    }
    case 7: {  // overwrite a big-endian field with an edge value
      if (b.size() < 4) break;
      std::size_t at = g.below(b.size() - 3);
      std::uint32_t v =
          g.below(2) ? 0xFFFFFFFFu : static_cast<std::uint32_t>(g.below(2 * 1024 * 1024));
      for (int i = 0; i < 4; ++i)
        b[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
      break;
    }
    default: {  // random bytes
      b.resize(g.below(512));
      for (auto& x : b) x = g.byte();
      break;
    }
  }
  if (b.size() > kMaxInput) b.resize(kMaxInput);
}

std::vector<Bytes> load_corpus(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  std::vector<Bytes> seeds;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return seeds;
}

std::uint64_t name_hash(const std::string& s) {
  std::uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001B3ull;
  return h;
}

void print_hex(const Bytes& b) {
  for (std::uint8_t x : b) std::fprintf(stderr, "%02X", x);
  std::fprintf(stderr, "\n");
}

int usage() {
  std::fprintf(stderr,
               "usage: intact_fuzz_replay [--corpus DIR] [--runs N] [--print-input] [TARGET...]\n"
               "targets:");
  for (const auto& [name, body] : registry()) std::fprintf(stderr, " %s", name.c_str());
  std::fprintf(stderr, "\n");
  return 2;
}

}  // namespace
}  // namespace intact::fuzz

int main(int argc, char** argv) {
  using namespace intact::fuzz;
  std::filesystem::path corpus = "corpus";
  long runs = 20000;
  bool print_input = false;
  std::vector<std::string> only;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--corpus" && i + 1 < argc) {
      corpus = argv[++i];
    } else if (a == "--runs" && i + 1 < argc) {
      runs = std::strtol(argv[++i], nullptr, 10);
    } else if (a == "--print-input") {
      print_input = true;
    } else if (a == "-h" || a == "--help" || a.starts_with("-")) {
      return usage();
    } else {
      if (!registry().count(a)) {
        std::fprintf(stderr, "unknown fuzz target '%s'\n", a.c_str());
        return usage();
      }
      only.push_back(a);
    }
  }
  if (only.empty())
    for (const auto& [name, body] : registry()) only.push_back(name);

  for (const auto& name : only) {
    TargetBody body = registry()[name];
    std::vector<Bytes> seeds = load_corpus(corpus / name);
    for (const auto& s : seeds) {
      if (print_input) print_hex(s);
      body(s.data(), s.size());
    }
    Generator g(name_hash(name));
    for (long r = 0; r < runs; ++r) {
      Bytes input = seeds.empty() ? Bytes{} : seeds[g.below(seeds.size())];
      std::size_t rounds = 1 + g.below(4);
      for (std::size_t k = 0; k < rounds; ++k) mutate_once(input, seeds, g);
      if (print_input) print_hex(input);
      body(input.data(), input.size());
    }
    std::printf("%s: %zu seed files and %ld generated inputs, every invariant held\n", name.c_str(),
                seeds.size(), runs);
  }
  return 0;
}
