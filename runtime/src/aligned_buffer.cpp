//===- aligned_buffer.cpp - Owned, 64-byte aligned, pre-touched memory ----===//

#include "mtc/aligned_buffer.h"

#include <cstring>
#include <new>

namespace mtc {

AlignedBuffer::AlignedBuffer(size_t bytes) : bytes(bytes) {
  // aligned_alloc wants a multiple of the alignment.
  size_t rounded = (bytes / alignment + 1) * alignment;
  if (rounded < bytes)
    throw std::bad_alloc();
  void *p = std::aligned_alloc(alignment, rounded);
  if (!p)
    throw std::bad_alloc();
  std::memset(p, 0, rounded);
  storage.reset(p);
}

} // namespace mtc
