// torch.save zip archives and safetensors files → named CPU tensors.
#include "import/state_dict_file.h"

#include "fastformer/error.h"
#include "import/pickle_reader.h"
#include "import/zip_guard.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <caffe2/serialize/inline_container.h>

#include <cstring>
#include <fstream>
#include <map>

namespace fastformer {
namespace {

enum class Format { zip, safetensors, legacy_torch, unknown };

Format sniff(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read the file", path.string(), "check the path");
  unsigned char head[9] = {};
  in.read(reinterpret_cast<char*>(head), sizeof head);
  const auto got = static_cast<std::size_t>(in.gcount());
  if (got >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return Format::zip;
  // torch.save before PyTorch 1.6 (or with _use_new_zipfile_serialization=False) starts
  // with a pickled magic number: PROTO 2, LONG1 of 10 bytes.
  if (got >= 4 && head[0] == 0x80 && head[1] == 0x02 && head[2] == 0x8a && head[3] == 0x0a) return Format::legacy_torch;
  if (got == 9 && head[8] == '{') return Format::safetensors;  // 8-byte header length, then JSON
  return Format::unknown;
}

// Multiplies and adds with overflow checks: the furthest element a view reaches.
bool view_extent(const PickledTensor& t, std::int64_t* last) {
  std::int64_t far = t.offset;
  for (std::size_t d = 0; d < t.sizes.size(); ++d) {
    if (t.sizes[d] < 0 || t.strides[d] < 0) return false;
    if (t.sizes[d] == 0) {
      *last = -1;  // an empty tensor reads nothing
      return true;
    }
    std::int64_t step = 0;
    if (__builtin_mul_overflow(t.sizes[d] - 1, t.strides[d], &step) || __builtin_add_overflow(far, step, &far)) return false;
  }
  *last = far;
  return true;
}

at::Tensor materialise(caffe2::serialize::PyTorchStreamReader& zip, std::map<std::string, at::Tensor>& storages,
                       const std::string& name, const PickledTensor& t, const std::string& where) {
  const std::string tensor_where = where + ": " + name;
  auto found = storages.find(t.storage_key);
  if (found == storages.end()) {
    const std::string record = "data/" + t.storage_key;
    if (!zip.hasRecord(record)) throw Error("its storage " + record + " is missing from the archive", tensor_where);
    auto [data, bytes] = zip.getRecord(record);
    const auto element = static_cast<std::int64_t>(c10::elementSize(t.dtype));
    if (static_cast<std::int64_t>(bytes) / element < t.storage_numel) {
      throw Error("its storage holds " + std::to_string(bytes) + " bytes, fewer than " +
                      std::to_string(t.storage_numel) + " elements need",
                  tensor_where, "the file is damaged");
    }
    at::Tensor storage = at::empty({t.storage_numel}, at::TensorOptions().dtype(t.dtype));
    if (t.storage_numel > 0) std::memcpy(storage.data_ptr(), data.get(), static_cast<std::size_t>(t.storage_numel * element));
    found = storages.emplace(t.storage_key, storage).first;
  }
  const at::Tensor& storage = found->second;
  if (storage.scalar_type() != t.dtype) throw Error("two tensors read one storage as different types", tensor_where);
  std::int64_t last = 0;
  if (t.offset < 0 || !view_extent(t, &last) || last >= storage.numel()) {
    throw Error("its size and stride reach outside its storage of " + std::to_string(storage.numel()) + " elements",
                tensor_where, "the file is damaged");
  }
  if (last < 0) return at::empty(t.sizes, storage.options());
  return storage.as_strided(t.sizes, t.strides, t.offset).clone(at::MemoryFormat::Contiguous);
}

NamedTensors read_torch_zip(const std::filesystem::path& path) {
  const std::string where = path.string();
  check_zip_sizes(path);  // before LibTorch's reader allocates what the directory declares
  try {
    caffe2::serialize::PyTorchStreamReader zip(where);
    if (zip.hasRecord("byteorder")) {
      auto [data, bytes] = zip.getRecord("byteorder");
      if (std::string(static_cast<const char*>(data.get()), bytes) != "little") {
        throw Error("the tensors were saved big-endian", where, "save them on a little-endian machine");
      }
    }
    if (!zip.hasRecord("data.pkl")) {
      throw Error("the archive has no data.pkl", where,
                  zip.hasRecord("constants.pkl") ? "this is a TorchScript module: save model.state_dict() instead"
                                                 : "save the model with torch.save(model.state_dict(), path)");
    }
    auto [pickle, pickle_bytes] = zip.getRecord("data.pkl");
    const PickledStateDict entries =
        read_pickled_state_dict(std::string_view(static_cast<const char*>(pickle.get()), pickle_bytes), where);
    std::map<std::string, at::Tensor> storages;
    NamedTensors out;
    for (const auto& [name, tensor] : entries) out.emplace_back(name, materialise(zip, storages, name, tensor, where));
    return out;
  } catch (const c10::Error& e) {
    // LibTorch's zip reader: a truncated, damaged or foreign zip archive.
    std::string what = e.what_without_backtrace();
    if (const auto newline = what.find('\n'); newline != std::string::npos) what.resize(newline);
    throw Error("not a readable torch.save archive (" + what + ")", where, "the file is truncated or damaged");
  }
}

}  // namespace

NamedTensors read_state_dict(const std::filesystem::path& path) {
  switch (sniff(path)) {
    case Format::zip:
      return read_torch_zip(path);
    case Format::safetensors:
      return load_safetensors(path.string()).tensors;
    case Format::legacy_torch:
      throw Error("the file uses torch.save's legacy format (before PyTorch 1.6)", path.string(),
                  "load it in PyTorch and save it again with torch.save(model.state_dict(), path)");
    case Format::unknown:
      break;
  }
  throw Error("not a PyTorch state_dict (torch.save zip) or a safetensors file", path.string(),
              "save the model with torch.save(model.state_dict(), path)");
}

}  // namespace fastformer
