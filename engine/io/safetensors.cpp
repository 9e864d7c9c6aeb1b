// Safetensors reader and writer: validates every header field before allocating or
// trusting it, and writes atomically through a temporary file renamed over the target.
#include "fastformer/safetensors.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "fastformer/error.h"

// Tensor bytes are copied to and from memory verbatim; the format is little-endian.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors I/O needs a little-endian host");

namespace fastformer {
namespace {

using Json = nlohmann::json;

struct DtypeName {
  const char* name;
  at::ScalarType type;
};

constexpr DtypeName kDtypes[] = {
    {"F64", at::kDouble}, {"F32", at::kFloat}, {"F16", at::kHalf},  {"BF16", at::kBFloat16},
    {"I64", at::kLong},   {"I32", at::kInt},   {"I16", at::kShort}, {"I8", at::kChar},
    {"U8", at::kByte},    {"BOOL", at::kBool},
};

const char* dtype_name(at::ScalarType type) {
  for (const auto& d : kDtypes)
    if (d.type == type) return d.name;
  return nullptr;
}

bool dtype_from_name(const std::string& name, at::ScalarType* type) {
  for (const auto& d : kDtypes)
    if (name == d.name) {
      *type = d.type;
      return true;
    }
  return false;
}

std::string tensor_where(const std::string& path, const std::string& name) {
  return path + ": tensor " + name;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// One header entry after validation; `begin`/`end` are relative to the data section.
struct Entry {
  std::string name;
  at::ScalarType type;
  std::vector<std::int64_t> shape;
  std::uint64_t begin;
  std::uint64_t end;
};

// Reads a JSON integer that must be non-negative and fit in int64 (shapes and offsets).
bool read_count(const Json& v, std::int64_t* out) {
  if (v.is_number_unsigned()) {
    auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return false;
    *out = static_cast<std::int64_t>(u);
    return true;
  }
  if (!v.is_number_integer()) return false;
  *out = v.get<std::int64_t>();
  return *out >= 0;
}

Entry parse_entry(const std::string& path, const std::string& name, const Json& v,
                  std::uint64_t data_size) {
  const std::string where = tensor_where(path, name);
  const std::string hint = "the file is corrupt or was not written as safetensors";
  if (!v.is_object()) throw Error("header entry is not a JSON object", where, hint);

  Entry e{name, at::kFloat, {}, 0, 0};
  auto dtype = v.find("dtype");
  if (dtype == v.end() || !dtype->is_string())
    throw Error("header entry has no string \"dtype\"", where, hint);
  if (!dtype_from_name(dtype->get<std::string>(), &e.type))
    throw Error("unsupported dtype \"" + dtype->get<std::string>() + "\"", where,
                "supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL");

  auto shape = v.find("shape");
  if (shape == v.end() || !shape->is_array())
    throw Error("header entry has no \"shape\" array", where, hint);
  // A product of dimensions that overflows 64 bits is flagged, never wrapped into a match.
  std::uint64_t nbytes = c10::elementSize(e.type);
  bool too_big = false;
  for (const auto& d : *shape) {
    std::int64_t dim = 0;
    if (!read_count(d, &dim))
      throw Error("shape " + d.dump() + " has a negative or non-integer dimension", where, hint);
    e.shape.push_back(dim);
    const auto u = static_cast<std::uint64_t>(dim);
    too_big = too_big || (u != 0 && nbytes > std::numeric_limits<std::uint64_t>::max() / u);
    if (!too_big) nbytes *= u;
  }
  if (std::find(e.shape.begin(), e.shape.end(), 0) != e.shape.end()) {
    too_big = false;
    nbytes = 0;
  }

  auto offsets = v.find("data_offsets");
  std::int64_t begin = 0, end = 0;
  if (offsets == v.end() || !offsets->is_array() || offsets->size() != 2 ||
      !read_count((*offsets)[0], &begin) || !read_count((*offsets)[1], &end) || end < begin)
    throw Error("\"data_offsets\" is not a pair [begin, end] of integers with begin <= end", where,
                hint);
  e.begin = static_cast<std::uint64_t>(begin);
  e.end = static_cast<std::uint64_t>(end);
  if (e.end > data_size)
    throw Error("data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                    "] reach past the end of the " + std::to_string(data_size) +
                    "-byte data section",
                where, "the file is truncated or its header is corrupt");
  if (too_big || e.end - e.begin != nbytes)
    throw Error("data_offsets span " + std::to_string(e.end - e.begin) + " bytes but shape " +
                    shape_text(e.shape) + " of " + dtype->get<std::string>() + " needs " +
                    (too_big ? std::string("more than 2^64 bytes") : std::to_string(nbytes)),
                where, hint);
  return e;
}

std::map<std::string, std::string> parse_metadata(const std::string& path, const Json& v) {
  const std::string hint = "\"__metadata__\" must map strings to strings";
  if (!v.is_object()) throw Error("\"__metadata__\" is not a JSON object", path, hint);
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : v.items()) {
    if (!value.is_string())
      throw Error("metadata value for \"" + key + "\" is not a string", path, hint);
    out[key] = value.get<std::string>();
  }
  return out;
}

// Regions sorted by offset must tile the data section exactly: no overlap, gap or tail.
void check_layout(const std::string& path, std::vector<Entry>& entries, std::uint64_t data_size) {
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  const std::string hint = "the file is corrupt or was not written as safetensors";
  std::uint64_t cursor = 0;
  const std::string* previous = nullptr;
  for (const auto& e : entries) {
    if (e.begin < cursor)
      throw Error("data region overlaps that of tensor " + *previous, tensor_where(path, e.name),
                  hint);
    if (e.begin > cursor)
      throw Error("data region starts at byte " + std::to_string(e.begin) +
                      ", leaving a gap after byte " + std::to_string(cursor),
                  tensor_where(path, e.name), hint);
    cursor = e.end;
    previous = &e.name;
  }
  if (cursor != data_size)
    throw Error(std::to_string(data_size - cursor) + " trailing bytes after the last tensor " +
                    "belong to no tensor",
                path, hint);
}

}  // namespace

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
  // ordered_json keeps the header in the caller's order, which reads better in a dump.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;

  std::vector<at::Tensor> data;
  data.reserve(tensors.size());
  std::uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    const std::string where = tensor_where(path, name);
    if (name == "__metadata__")
      throw Error("\"__metadata__\" is reserved and cannot name a tensor", where);
    if (header.contains(name)) throw Error("duplicate tensor name", where, "names must be unique");
    if (!tensor.defined()) throw Error("tensor is undefined", where);
    if (tensor.layout() != at::kStrided) throw Error("only dense tensors can be saved", where);
    const char* dtype = dtype_name(tensor.scalar_type());
    if (!dtype)
      throw Error(std::string("unsupported dtype ") + c10::toString(tensor.scalar_type()), where,
                  "convert to one of F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL");
    at::Tensor t = tensor.to(at::kCPU).contiguous();
    const std::uint64_t nbytes = t.numel() * t.element_size();
    header[name] = {
        {"dtype", dtype}, {"shape", t.sizes().vec()}, {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
    data.push_back(std::move(t));
  }

  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::ordered_json::type_error& e) {
    throw Error(std::string("cannot encode the header: ") + e.what(), path,
                "tensor names and metadata must be valid UTF-8");
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  const std::uint64_t length = text.size();

  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  try {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out)
      throw Error("cannot create file", tmp, "check that the directory exists and is writable");
    out.write(reinterpret_cast<const char*>(&length), sizeof length);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& t : data) {
      const auto nbytes = static_cast<std::streamsize>(t.numel() * t.element_size());
      if (nbytes > 0) out.write(static_cast<const char*>(t.data_ptr()), nbytes);
    }
    out.flush();
    out.close();
    if (!out) throw Error("writing failed", tmp, "is the disk full?");
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
      throw Error(
          std::string("cannot rename the temporary file over the target: ") + std::strerror(errno),
          path);
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
}

SafetensorsFile load_safetensors(const std::string& path) {
  std::error_code ec;
  const std::uint64_t file_size = std::filesystem::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  if (ec || !in) throw Error("cannot open file", path, "check the path and its permissions");
  if (file_size < 8)
    throw Error(
        "file is " + std::to_string(file_size) + " bytes, shorter than the 8-byte header length",
        path, "the file is truncated or not a safetensors file");

  unsigned char prefix[8];
  in.read(reinterpret_cast<char*>(prefix), sizeof prefix);
  std::uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | prefix[i];
  if (length > kMaxSafetensorsHeaderBytes)
    throw Error("header length " + std::to_string(length) + " exceeds the " +
                    std::to_string(kMaxSafetensorsHeaderBytes) + "-byte limit",
                path, "the file is corrupt or not a safetensors file");
  if (length > file_size - 8)
    throw Error("header length " + std::to_string(length) + " runs past the end of the " +
                    std::to_string(file_size) + "-byte file",
                path, "the file is truncated or not a safetensors file");

  std::string text(length, '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(length)))
    throw Error("cannot read the header", path);
  Json header;
  try {
    header = Json::parse(text);
  } catch (const Json::parse_error& e) {
    throw Error(std::string("header is not valid JSON: ") + e.what(), path,
                "the file is corrupt or not a safetensors file");
  } catch (const Json::out_of_range&) {  // parse() throws this for a number such as 1e999
    throw Error("header holds a number too large for JSON (beyond the range of a double)", path,
                "the file is corrupt or not a safetensors file");
  }
  if (!header.is_object())
    throw Error("header is not a JSON object", path, "the file is corrupt or not safetensors");

  const std::uint64_t data_size = file_size - 8 - length;
  SafetensorsFile file;
  std::vector<Entry> entries;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__")
      file.metadata = parse_metadata(path, value);
    else
      entries.push_back(parse_entry(path, name, value, data_size));
  }
  check_layout(path, entries, data_size);

  // The regions tile the data section in order, so the tensors are read sequentially.
  for (const auto& e : entries) {
    at::Tensor t = at::empty(e.shape, at::TensorOptions().dtype(e.type));
    const auto nbytes = static_cast<std::streamsize>(e.end - e.begin);
    if (nbytes > 0 && !in.read(static_cast<char*>(t.data_ptr()), nbytes))
      throw Error("cannot read the tensor data", tensor_where(path, e.name),
                  "the file changed while it was read");
    file.tensors.emplace_back(e.name, std::move(t));
  }
  return file;
}

const at::Tensor& find_tensor(const SafetensorsFile& file, const std::string& name) {
  for (const auto& [n, t] : file.tensors)
    if (n == name) return t;
  std::string names;
  for (std::size_t i = 0; i < file.tensors.size() && i < 8; ++i)
    names += (i ? ", " : "") + file.tensors[i].first;
  if (file.tensors.size() > 8) names += ", ...";
  throw Error("no tensor with this name in the file", "tensor " + name,
              file.tensors.empty() ? "the file holds no tensors" : "it holds: " + names);
}

}  // namespace fastformer
