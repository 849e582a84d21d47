//===- aligned_buffer.h - Owned, aligned, pre-touched memory ----*- C++ -*-===//
//
// Arena, parameters, outputs and file contents all live in AlignedBuffers.
// The memory is zero-filled on allocation: on the target VMs the first write
// to a fresh page costs ~100x a copy (DESIGN §4), so we pay it once, up
// front, instead of inside the first forward step.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_ALIGNED_BUFFER_H
#define MTC_ALIGNED_BUFFER_H

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

namespace mtc {

class AlignedBuffer {
public:
  static constexpr size_t alignment = 64;

  AlignedBuffer() = default;
  /// Allocates `bytes` (at least one cache line, so data() is never null)
  /// and zero-fills them. Throws std::bad_alloc.
  explicit AlignedBuffer(size_t bytes);

  void *data() { return storage.get(); }
  const void *data() const { return storage.get(); }
  size_t size() const { return bytes; }

private:
  struct Free {
    void operator()(void *p) const { std::free(p); }
  };
  std::unique_ptr<void, Free> storage;
  size_t bytes = 0;
};

/// `floats` rounded up to whole cache lines, so that tensors packed one
/// after another in one AlignedBuffer each start aligned.
inline int64_t roundUpToCacheLine(int64_t floats) {
  constexpr int64_t floatsPerLine = AlignedBuffer::alignment / sizeof(float);
  return (floats + floatsPerLine - 1) / floatsPerLine * floatsPerLine;
}

} // namespace mtc

#endif // MTC_ALIGNED_BUFFER_H
