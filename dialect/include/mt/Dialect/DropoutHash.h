//===- DropoutHash.h - the random bits behind mt.dropout_mask ---*- C++ -*-===//
//
// The one definition of `mt.dropout_mask`'s randomness. The reference
// interpreter calls these functions; the Halide lowering rebuilds the same
// uint64 arithmetic as Halide expressions and its tests compare both bit for
// bit, so a change here must be mirrored in
// compiler/Conversion/MTToHalide/LowerPrimitive.cpp (lowerDropoutMask).
//
// The mask is counter-based, so any element can be computed on its own, in
// any order, on any target, and a training step replays exactly:
//  - key = splitmix64(splitmix64(seed) + stream): each (seed, dropout site)
//    pair gets an unrelated 64-bit stream key;
//  - element i (the flat row-major index over the whole result, batch
//    included) draws the i-th output of SplitMix64 seeded with `key`, i.e.
//    splitmix64(key + i * gamma); its top 24 bits `u` are uniform on
//    [0, 2^24);
//  - the element is kept iff u >= ceil(rate * 2^24), so it is dropped with
//    probability rate rounded up to a multiple of 2^-24 (rate 0 keeps
//    everything); kept elements hold float(1 / (1 - rate)), dropped ones 0.
// Plain C++17, no dependencies: usable from the runtime as well.
//
//===----------------------------------------------------------------------===//

#ifndef MT_DIALECT_DROPOUTHASH_H
#define MT_DIALECT_DROPOUTHASH_H

#include <cmath>
#include <cstdint>

namespace mt {

/// SplitMix64's Weyl increment (2^64 / golden ratio) and output mixer
/// constants (Steele, Lea and Flood 2014; the mixer is Stafford's Mix13).
constexpr uint64_t kSplitMixGamma = 0x9E3779B97F4A7C15ull;
constexpr uint64_t kSplitMixMul1 = 0xBF58476D1CE4E5B9ull;
constexpr uint64_t kSplitMixMul2 = 0x94D049BB133111EBull;

/// How many random bits decide one element.
constexpr int kDropoutBits = 24;

/// splitmix64(x) = mix(x + gamma): the output of SplitMix64 for state x.
inline uint64_t splitmix64(uint64_t x) {
  x += kSplitMixGamma;
  x = (x ^ (x >> 30)) * kSplitMixMul1;
  x = (x ^ (x >> 27)) * kSplitMixMul2;
  return x ^ (x >> 31);
}

/// The stream key of one dropout site under one seed. The seed is an i64
/// tensor; its two's-complement bits are what is hashed.
inline uint64_t dropoutKey(int64_t seed, int64_t stream) {
  return splitmix64(splitmix64(static_cast<uint64_t>(seed)) +
                    static_cast<uint64_t>(stream));
}

/// The 24 random bits of element `index` (flat, row-major) under `key`.
inline uint32_t dropoutBits(uint64_t key, uint64_t index) {
  return static_cast<uint32_t>(splitmix64(key + index * kSplitMixGamma) >>
                               (64 - kDropoutBits));
}

/// Elements whose bits are below this are dropped: ceil(rate * 2^24), so a
/// rate in [0, 1) gives a threshold in [0, 2^24].
inline uint32_t dropoutThreshold(double rate) {
  return static_cast<uint32_t>(std::ceil(rate * (1u << kDropoutBits)));
}

/// The value of a kept element, 1 / (1 - rate) rounded to f32.
inline float dropoutScale(double rate) {
  return static_cast<float>(1.0 / (1.0 - rate));
}

/// The mask value of element `index` of dropout site `stream` under `seed`.
inline float dropoutMaskValue(int64_t seed, int64_t stream, double rate,
                              uint64_t index) {
  return dropoutBits(dropoutKey(seed, stream), index) >= dropoutThreshold(rate)
             ? dropoutScale(rate)
             : 0.0f;
}

} // namespace mt

#endif // MT_DIALECT_DROPOUTHASH_H
