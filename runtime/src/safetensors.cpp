//===- safetensors.cpp - safetensors reader and atomic writer -------------===//

#include "mtc/safetensors.h"
#include "mtc/error.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <sys/stat.h>
#include <unistd.h>

namespace mtc {

namespace {

struct DTypeEntry {
  DType dtype;
  std::string_view name;
  size_t size;
};

constexpr DTypeEntry dtypeTable[] = {
    {DType::Bool, "BOOL", 1}, {DType::U8, "U8", 1},   {DType::I8, "I8", 1},
    {DType::U16, "U16", 2},   {DType::I16, "I16", 2}, {DType::F16, "F16", 2},
    {DType::BF16, "BF16", 2}, {DType::U32, "U32", 4}, {DType::I32, "I32", 4},
    {DType::F32, "F32", 4},   {DType::U64, "U64", 8}, {DType::I64, "I64", 8},
    {DType::F64, "F64", 8},
};

const DTypeEntry &entryOf(DType dtype) {
  return dtypeTable[static_cast<size_t>(dtype)];
}

// Headers past this are corrupt, not large: Python's reader uses the same cap.
constexpr uint64_t maxHeaderBytes = 100'000'000;

std::string errnoText() { return std::strerror(errno); }

/// The process's umask, read from /proc (Linux 4.7+) so that it is not
/// changed even for a moment; where that is missing, set and restored.
mode_t currentUmask() {
  if (std::FILE *f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    unsigned mask = 0;
    bool found = false;
    while (!found && std::fgets(line, sizeof line, f))
      found = std::sscanf(line, "Umask: %o", &mask) == 1;
    std::fclose(f);
    if (found)
      return mode_t(mask);
  }
  mode_t mask = ::umask(022);
  ::umask(mask);
  return mask;
}

// nlohmann prefixes "[json.exception.parse_error.101] "; the rest is the
// useful part.
std::string jsonMessage(const std::exception &e) {
  std::string_view what = e.what();
  size_t close = what.find("] ");
  return std::string(close == std::string_view::npos ? what
                                                     : what.substr(close + 2));
}

std::optional<int64_t> jsonNonNegative(const nlohmann::json &v) {
  if (!v.is_number_unsigned() ||
      v.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max()))
    return std::nullopt;
  return int64_t(v.get<uint64_t>());
}

struct Range {
  std::string name;
  uint64_t begin, end;
};

// Parses one header entry; `data` is the start of the data section.
TensorView parseEntry(const std::string &path, const std::string &name,
                      const nlohmann::json &entry, uint64_t dataSize,
                      Range &range) {
  std::string where = fmt::format("{}: tensor '{}'", path, name);
  if (!entry.is_object())
    throw Error(fmt::format("{}: header entry is not an object", where));

  auto dtypeIt = entry.find("dtype");
  if (dtypeIt == entry.end() || !dtypeIt->is_string())
    throw Error(fmt::format("{}: missing string field 'dtype'", where));
  std::optional<DType> dtype = parseDType(dtypeIt->get<std::string>());
  if (!dtype)
    throw Error(fmt::format("{}: unknown dtype '{}'", where,
                            dtypeIt->get<std::string>()));

  TensorView view;
  view.dtype = *dtype;
  auto shapeIt = entry.find("shape");
  if (shapeIt == entry.end() || !shapeIt->is_array())
    throw Error(
        fmt::format("{}: shape is not a list of non-negative integers", where));
  // Element count, checked against overflow as the dims come in.
  uint64_t count = 1;
  bool overflow = false;
  for (const nlohmann::json &dim : *shapeIt) {
    std::optional<int64_t> d = jsonNonNegative(dim);
    if (!d)
      throw Error(
          fmt::format("{}: shape {} is not a list of non-negative integers",
                      where, shapeIt->dump()));
    view.shape.push_back(*d);
    if (*d != 0 && count > std::numeric_limits<uint64_t>::max() / 16 / *d)
      overflow = true;
    count *= *d;
  }

  auto offsetsIt = entry.find("data_offsets");
  std::optional<int64_t> begin, end;
  if (offsetsIt != entry.end() && offsetsIt->is_array() &&
      offsetsIt->size() == 2) {
    begin = jsonNonNegative((*offsetsIt)[0]);
    end = jsonNonNegative((*offsetsIt)[1]);
  }
  if (!begin || !end)
    throw Error(fmt::format(
        "{}: data_offsets {} is not a pair of non-negative integers", where,
        offsetsIt == entry.end() ? "(missing)" : offsetsIt->dump()));
  if (*begin > *end)
    throw Error(fmt::format("{}: data_offsets [{}, {}) begin after end", where,
                            *begin, *end));
  if (uint64_t(*end) > dataSize)
    throw Error(fmt::format(
        "{}: data_offsets [{}, {}) end past the data section ({} bytes)", where,
        *begin, *end, dataSize));
  if (overflow)
    throw Error(fmt::format("{}: shape {} is too large", where,
                            formatShape(view.shape)));
  uint64_t held = *end - *begin;
  if (count * dtypeSize(*dtype) != held)
    throw Error(fmt::format(
        "{}: data_offsets [{}, {}) hold {} bytes, but shape {} of {} needs {}",
        where, *begin, *end, held, formatShape(view.shape), dtypeName(*dtype),
        count * dtypeSize(*dtype)));
  range = {name, uint64_t(*begin), uint64_t(*end)};
  return view;
}

} // namespace

std::string_view dtypeName(DType dtype) { return entryOf(dtype).name; }

size_t dtypeSize(DType dtype) { return entryOf(dtype).size; }

std::optional<DType> parseDType(std::string_view name) {
  for (const DTypeEntry &e : dtypeTable)
    if (e.name == name)
      return e.dtype;
  return std::nullopt;
}

std::string formatShape(const std::vector<int64_t> &shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

int64_t TensorView::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

const TensorView *SafetensorsFile::find(const std::string &name) const {
  auto it = tensors.find(name);
  return it == tensors.end() ? nullptr : &it->second;
}

SafetensorsFile SafetensorsFile::read(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw Error(fmt::format("{}: cannot open: {}", path, errnoText()));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0)
    throw Error(fmt::format("{}: cannot stat: {}", path, errnoText()));
  if (!S_ISREG(st.st_mode))
    throw Error(fmt::format("{}: not a regular file", path));

  size_t size = st.st_size;
  AlignedBuffer bytes(size);
  size_t done = 0;
  while (done < size) {
    ssize_t got =
        ::read(fd, static_cast<char *>(bytes.data()) + done, size - done);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      throw Error(fmt::format("{}: cannot read: {}", path, errnoText()));
    if (got == 0)
      throw Error(fmt::format("{}: file shrank while being read", path));
    done += got;
  }
  return parse(path, std::move(bytes), size);
}

SafetensorsFile SafetensorsFile::parse(std::string path, AlignedBuffer bytes,
                                       size_t size) {
  const auto *raw = static_cast<const unsigned char *>(bytes.data());
  if (size < 8)
    throw Error(fmt::format("{}: file is {} bytes, shorter than the 8-byte "
                            "header length",
                            path, size));
  uint64_t headerBytes = 0;
  for (int i = 7; i >= 0; --i)
    headerBytes = headerBytes << 8 | raw[i];
  if (headerBytes > size - 8)
    throw Error(
        fmt::format("{}: header length {} past the end of the file ({} bytes)",
                    path, headerBytes, size));
  if (headerBytes > maxHeaderBytes)
    throw Error(fmt::format("{}: header length {} exceeds the {} byte limit",
                            path, headerBytes, maxHeaderBytes));

  nlohmann::json header;
  try {
    header = nlohmann::json::parse(raw + 8, raw + 8 + headerBytes);
  } catch (const nlohmann::json::exception &e) {
    throw Error(
        fmt::format("{}: header is not valid JSON: {}", path, jsonMessage(e)));
  }
  if (!header.is_object())
    throw Error(fmt::format("{}: header is not a JSON object", path));

  SafetensorsFile file;
  file.filePath = std::move(path);
  const std::string &p = file.filePath;
  const unsigned char *data = raw + 8 + headerBytes;
  uint64_t dataSize = size - 8 - headerBytes;

  std::vector<Range> ranges;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it->is_object())
        throw Error(fmt::format("{}: __metadata__ is not an object", p));
      for (auto m = it->begin(); m != it->end(); ++m) {
        if (!m->is_string())
          throw Error(
              fmt::format("{}: __metadata__ value of '{}' is {}, not a string",
                          p, m.key(), m->dump()));
        file.meta[m.key()] = m->get<std::string>();
      }
      continue;
    }
    Range range;
    TensorView view = parseEntry(p, it.key(), *it, dataSize, range);
    view.data = data + range.begin;
    file.tensors.emplace(it.key(), std::move(view));
    ranges.push_back(std::move(range));
  }

  // Tensors must tile the data section: an overlap means two tensors alias,
  // a gap means bytes no tensor accounts for (both are corruption; Python's
  // reader rejects them too).
  std::sort(ranges.begin(), ranges.end(), [](const Range &a, const Range &b) {
    return std::tie(a.begin, a.end) < std::tie(b.begin, b.end);
  });
  uint64_t covered = 0;
  for (size_t i = 0; i < ranges.size(); ++i) {
    const Range &r = ranges[i];
    if (i > 0 && r.begin < covered) {
      const Range &prev = ranges[i - 1];
      throw Error(
          fmt::format("{}: tensors '{}' [{}, {}) and '{}' [{}, {}) overlap", p,
                      prev.name, prev.begin, prev.end, r.name, r.begin, r.end));
    }
    if (r.begin > covered)
      throw Error(
          fmt::format("{}: data section bytes [{}, {}) belong to no tensor", p,
                      covered, r.begin));
    covered = r.end;
    file.order.push_back(r.name);
  }
  if (covered != dataSize)
    throw Error(
        fmt::format("{}: data section bytes [{}, {}) belong to no tensor", p,
                    covered, dataSize));

  for (auto &[name, view] : file.tensors) {
    size_t elementSize = dtypeSize(view.dtype);
    if (reinterpret_cast<uintptr_t>(view.data) % elementSize == 0)
      continue;
    AlignedBuffer copy(view.numBytes());
    std::memcpy(copy.data(), view.data, view.numBytes());
    view.data = copy.data();
    file.realigned.push_back(std::move(copy));
  }
  file.bytes = std::move(bytes);
  return file;
}

namespace {

// Writes all of [data, data + size) to fd, retrying short writes.
bool writeAll(int fd, const void *data, size_t size) {
  const char *p = static_cast<const char *>(data);
  while (size > 0) {
    ssize_t put = ::write(fd, p, size);
    if (put < 0 && errno == EINTR)
      continue;
    if (put < 0)
      return false;
    p += put;
    size -= put;
  }
  return true;
}

std::string parentDirectory(const std::string &path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

} // namespace

void writeSafetensors(const std::string &path,
                      const std::vector<NamedTensor> &tensors,
                      const std::map<std::string, std::string> &metadata) {
  // Decreasing element size keeps every tensor aligned to its element when
  // the data section starts 8-aligned.
  std::vector<const NamedTensor *> layout;
  for (const NamedTensor &t : tensors)
    layout.push_back(&t);
  std::stable_sort(layout.begin(), layout.end(),
                   [](const NamedTensor *a, const NamedTensor *b) {
                     return dtypeSize(a->tensor.dtype) >
                            dtypeSize(b->tensor.dtype);
                   });

  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty())
    header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const NamedTensor *t : layout) {
    if (t->name == "__metadata__" || header.contains(t->name))
      throw Error(fmt::format("{}: cannot write tensor name '{}' twice or "
                              "as a reserved name",
                              path, t->name));
    uint64_t bytes = t->tensor.numBytes();
    header[t->name] = {{"dtype", std::string(dtypeName(t->tensor.dtype))},
                       {"shape", t->tensor.shape},
                       {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string headerText = header.dump();
  headerText.append((8 - headerText.size() % 8) % 8, ' ');
  unsigned char lengthBytes[8];
  for (int i = 0; i < 8; ++i)
    lengthBytes[i] = uint64_t(headerText.size()) >> (8 * i) & 0xff;

  std::string dir = parentDirectory(path);
  size_t slash = path.rfind('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string tempPath = fmt::format("{}/.{}.tmp.XXXXXX", dir, base);
  int fd = ::mkstemp(tempPath.data());
  if (fd < 0)
    throw Error(fmt::format("{}: cannot create a temporary file in '{}': {}",
                            path, dir, errnoText()));

  // The first failure's errno; later steps are skipped once one fails.
  int error = 0;
  auto step = [&](auto &&action) {
    if (error == 0 && !action())
      error = errno;
  };
  // mkstemp makes the file 0600; weights, checkpoints and predictions are
  // ordinary outputs, so they get what the umask gives any new file.
  step([&] { return ::fchmod(fd, 0666 & ~currentUmask()) == 0; });
  step([&] { return writeAll(fd, lengthBytes, 8); });
  step([&] { return writeAll(fd, headerText.data(), headerText.size()); });
  for (const NamedTensor *t : layout)
    step([&] { return writeAll(fd, t->tensor.data, t->tensor.numBytes()); });
  // Data must be on disk before the rename makes it the file's content.
  step([&] { return ::fsync(fd) == 0; });
  if (::close(fd) != 0 && error == 0)
    error = errno;
  step([&] { return ::rename(tempPath.c_str(), path.c_str()) == 0; });
  if (error != 0) {
    ::unlink(tempPath.c_str());
    throw Error(fmt::format("{}: cannot write: {} (the previous file, if any, "
                            "is unchanged)",
                            path, std::strerror(error)));
  }
  // Persist the rename itself; failure here loses nothing already written.
  int dirFd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirFd >= 0) {
    ::fsync(dirFd);
    ::close(dirFd);
  }
}

} // namespace mtc
