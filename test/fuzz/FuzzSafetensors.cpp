//===- FuzzSafetensors.cpp - libFuzzer target: the safetensors reader -----===//
//
// Any bytes either parse, and then every tensor's view lies inside the
// buffer, or are refused with mtc::Error. Any other exception, a crash or
// a sanitizer report is a finding.
//
//===----------------------------------------------------------------------===//

#include "mtc/aligned_buffer.h"
#include "mtc/error.h"
#include "mtc/safetensors.h"

#include <cstdint>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mtc::AlignedBuffer bytes(size);
  if (size > 0)
    std::memcpy(bytes.data(), data, size);
  try {
    mtc::SafetensorsFile file =
        mtc::SafetensorsFile::parse("input", std::move(bytes), size);
    // Read every byte of every view: an out-of-bounds one is reported.
    uint8_t sum = 0;
    for (const std::string &name : file.names()) {
      const mtc::TensorView *t = file.find(name);
      const uint8_t *p = static_cast<const uint8_t *>(t->data);
      for (size_t i = 0; i < t->numBytes(); ++i)
        sum ^= p[i];
    }
    for (const auto &entry : file.metadata())
      sum ^= static_cast<uint8_t>(entry.first.size() + entry.second.size());
    (void)sum;
  } catch (const mtc::Error &) {
  }
  return 0;
}
