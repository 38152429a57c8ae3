// Micro-benchmarks of the protocol core (Google Benchmark): what one tag costs
// per message size, and what sealing and opening a v1 frame cost on top of it.
// These bound every network figure: a connection cannot carry authenticated
// bytes faster than one core computes their tags.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "intact/crypto.hpp"
#include "intact/frame.hpp"

namespace {

using namespace intact;

const std::vector<std::uint8_t> kKey(32, 0x42);

void SizeArgs(benchmark::internal::Benchmark* b) {
  for (long size : {64L, 1024L, 16384L, 65536L, 262144L, 1048576L}) b->Arg(size);
}

// HMAC-SHA256 over header + payload with the key schedule precomputed (what every frame costs).
void BM_Tag(benchmark::State& state) {
  HmacSha256 mac(kKey);
  std::vector<std::uint8_t> header(v1::kHeaderSize, 1), payload(static_cast<std::size_t>(state.range(0)), 7);
  for (auto _ : state) benchmark::DoNotOptimize(mac.compute(header, payload));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_Tag)->Apply(SizeArgs);

// Plain SHA-256 of the same bytes: the floor under the tag (HMAC adds two
// compression blocks per message, and the EVP call overhead).
void BM_Sha256(benchmark::State& state) {
  std::vector<std::uint8_t> payload(static_cast<std::size_t>(state.range(0)), 7);
  for (auto _ : state) benchmark::DoNotOptimize(sha256(payload));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Sha256)->Apply(SizeArgs);

// Sealing into a reused output buffer (the message path: payload copied once).
void BM_SealFrame(benchmark::State& state) {
  FrameSealer sealer(kKey);
  std::vector<std::uint8_t> payload(static_cast<std::size_t>(state.range(0)), 7), out;
  out.reserve(payload.size() + v1::kFrameOverhead);
  for (auto _ : state) {
    out.clear();
    sealer.seal(v1::FrameType::data, payload, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_SealFrame)->Apply(SizeArgs);

// Sealing without copying the payload (the byte-stream path: header and tag for writev).
void BM_SealParts(benchmark::State& state) {
  FrameSealer sealer(kKey);
  std::vector<std::uint8_t> payload(static_cast<std::size_t>(state.range(0)), 7);
  std::uint8_t header[v1::kHeaderSize];
  Tag tag;
  for (auto _ : state) {
    sealer.seal_parts(v1::FrameType::data, payload, header, tag);
    benchmark::DoNotOptimize(tag.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_SealParts)->Apply(SizeArgs);

// Opening frames: header checks, tag verification (constant time), sequence
// tracking. Each iteration opens a batch of frames sealed beforehand (about
// 4 MiB); the batch is copied into the receiver's buffer first, as a socket
// read would, and that copy is part of the figure.
void BM_OpenFrames(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const std::size_t count = std::max<std::size_t>(1, (4u << 20) / (size + v1::kFrameOverhead));
  FrameSealer sealer(kKey);
  std::vector<std::uint8_t> payload(size, 7), wire, handshake;
  sealer.seal(v1::FrameType::confirm, {}, handshake);  // seq 0 belongs to the handshake
  for (std::size_t i = 0; i < count; ++i) sealer.seal(v1::FrameType::data, payload, wire);
  std::size_t opened = 0;
  for (auto _ : state) {
    FrameReceiver rx(kKey);
    InputBuffer in;
    in.append(wire);
    while (auto e = rx.poll(in)) {
      if (e->kind != EventKind::message) {
        state.SkipWithError("a frame did not verify");
        return;
      }
      ++opened;
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(opened * size));
  state.SetItemsProcessed(static_cast<std::int64_t>(opened));
}
BENCHMARK(BM_OpenFrames)->Apply(SizeArgs);

void BM_EncodeDecodeHeader(benchmark::State& state) {
  std::uint8_t buf[v1::kHeaderSize];
  std::uint64_t seq = 1;
  for (auto _ : state) {
    v1::encode_header({v1::FrameType::data, seq++, 64}, buf);
    benchmark::DoNotOptimize(v1::decode_header(buf));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_EncodeDecodeHeader);

}  // namespace

BENCHMARK_MAIN();
