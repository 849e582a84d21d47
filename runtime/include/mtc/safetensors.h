//===- safetensors.h - safetensors reader and atomic writer -----*- C++ -*-===//
//
// The format (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length N, N bytes of JSON
//   {name: {"dtype", "shape", "data_offsets": [begin, end]},
//    "__metadata__": {string: string}}
// then the data section; offsets are relative to its start. The reader
// trusts nothing: every length, offset, size and overlap is checked and each
// failure is an Error naming the file and the tensor. The writer lays
// tensors out by decreasing element size (so every tensor is aligned, as
// Python's writer does) and replaces the target atomically.
//
//===----------------------------------------------------------------------===//
#ifndef MTC_SAFETENSORS_H
#define MTC_SAFETENSORS_H

#include "mtc/aligned_buffer.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtc {

/// safetensors element types. Reading accepts them all so that a tensor of
/// the wrong type is reported as such, not as an unknown dtype.
enum class DType {
  Bool,
  U8,
  I8,
  U16,
  I16,
  F16,
  BF16,
  U32,
  I32,
  F32,
  U64,
  I64,
  F64
};

/// The format's spelling: "F32", "I32", ...
std::string_view dtypeName(DType dtype);
std::optional<DType> parseDType(std::string_view name);
size_t dtypeSize(DType dtype);

/// "[10, 8, 7]".
std::string formatShape(const std::vector<int64_t> &shape);

/// A tensor in memory owned by someone else (a SafetensorsFile, a buffer).
struct TensorView {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  const void *data = nullptr;

  int64_t numElements() const;
  size_t numBytes() const { return numElements() * dtypeSize(dtype); }
};

/// A whole safetensors file read into memory; tensors are views into it.
class SafetensorsFile {
public:
  /// Reads and validates `path`. Throws Error.
  static SafetensorsFile read(const std::string &path);
  /// Validates `size` bytes already in memory; `path` names them in errors.
  static SafetensorsFile parse(std::string path, AlignedBuffer bytes,
                               size_t size);

  /// The path as given, used as the prefix of every message about the file.
  const std::string &path() const { return filePath; }
  /// nullptr when the file has no tensor `name`.
  const TensorView *find(const std::string &name) const;
  /// Tensor names in data-section order.
  const std::vector<std::string> &names() const { return order; }
  const std::map<std::string, std::string> &metadata() const { return meta; }

private:
  std::string filePath;
  AlignedBuffer bytes;
  // Copies of tensors whose offset is not a multiple of their element size
  // (legal in the format, but kernels need aligned elements).
  std::vector<AlignedBuffer> realigned;
  std::map<std::string, TensorView> tensors;
  std::vector<std::string> order;
  std::map<std::string, std::string> meta;
};

struct NamedTensor {
  std::string name;
  TensorView tensor;
};

/// Writes `tensors` and `metadata` to `path`: a temporary file in the same
/// directory, fsync, rename over `path`. On any failure the old `path` is
/// untouched, the temporary removed, and an Error thrown.
void writeSafetensors(const std::string &path,
                      const std::vector<NamedTensor> &tensors,
                      const std::map<std::string, std::string> &metadata);

} // namespace mtc

#endif // MTC_SAFETENSORS_H
