// SentencePiece subword tokenizer: training policy, encoding with byte spans in the original
// text, and the tokenizer.model a checkpoint keeps. SentencePiece runs in a plugin loaded
// with RTLD_DEEPBIND: Debian's libsentencepiece exports a bundled protobuf 3.14 that breaks
// LibTorch's libprotobuf 3.21 when both sit in the global symbol scope.
#include "text/sentencepiece_tokenizer.h"

#include "fastformer/subword_plugin.h"

#include "fastformer/error.h"
#include "text/sentencepiece_backend.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>

namespace fastformer {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFileName = "tokenizer.model";
constexpr const char* kPluginName = "libfastformer_sentencepiece.so";
constexpr const char* kPluginHint =
    "build the fastformer_sentencepiece target, or set FF_SENTENCEPIECE_PLUGIN to the plugin's path";
// SentencePiece drops sentences longer than this many bytes; the plugin cuts lines to fit.
constexpr const char* kMaxSentenceBytes = "16384";
// The first this many lines are enough to learn a vocabulary, and bound training memory.
constexpr const char* kMaxSentences = "1000000";

// AddressSanitizer and ThreadSanitizer abort the process on a dlopen with RTLD_DEEPBIND, and
// without it libsentencepiece's protobuf calls bind to LibTorch's libprotobuf 3.21, which
// rejects its models ("compiled against version 3.14.0 of the Protocol Buffer runtime").
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

struct Backend {
  decltype(&ff_spm_abi_version) abi_version = nullptr;
  decltype(&ff_spm_train) train = nullptr;
  decltype(&ff_spm_load) load = nullptr;
  decltype(&ff_spm_unload) unload = nullptr;
  decltype(&ff_spm_encode) encode = nullptr;
  decltype(&ff_spm_piece_count) piece_count = nullptr;
  decltype(&ff_spm_special_ids) special_ids = nullptr;
  decltype(&ff_spm_piece) piece = nullptr;
  decltype(&ff_spm_release) release = nullptr;
  std::string problem;  // why the plugin is unusable; empty when it loaded
  fs::path path;        // where it was loaded from
};

std::vector<fs::path> plugin_candidates() {
  std::vector<fs::path> out;
  if (const char* path = std::getenv("FF_SENTENCEPIECE_PLUGIN"); path != nullptr && *path != '\0') out.emplace_back(path);
  std::error_code error;
  const fs::path exe_dir = fs::read_symlink("/proc/self/exe", error).parent_path();
  if (!error) {
    out.push_back(exe_dir / kPluginName);
    out.push_back(exe_dir / ".." / "lib" / "fastformer" / kPluginName);
  }
#ifdef FF_SENTENCEPIECE_PLUGIN
  out.emplace_back(FF_SENTENCEPIECE_PLUGIN);
#endif
  return out;
}

template <typename Function>
bool bind_symbol(void* handle, const char* name, Function& function) {
  function = reinterpret_cast<Function>(dlsym(handle, name));
  return function != nullptr;
}

Backend open_backend() {
  Backend backend;
  if (kSanitized) {
    backend.problem = "subword tokenizers are unavailable in AddressSanitizer and ThreadSanitizer builds (the "
                      "SentencePiece plugin needs RTLD_DEEPBIND, which the sanitizer runtime refuses)";
    return backend;
  }
  std::string tried;
  for (const fs::path& path : plugin_candidates()) {
    std::error_code error;
    if (!fs::is_regular_file(path, error)) {
      tried += (tried.empty() ? "" : ", ") + path.string();
      continue;
    }
    // DEEPBIND: the plugin and libsentencepiece resolve their own (protobuf) symbols first;
    // LOCAL: none of them become visible to LibTorch's libprotobuf. Never unloaded.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (handle == nullptr) {
      backend.problem = std::string("cannot load the SentencePiece plugin: ") + dlerror();
      return backend;
    }
    const bool complete = bind_symbol(handle, "ff_spm_abi_version", backend.abi_version) &&
                          bind_symbol(handle, "ff_spm_train", backend.train) && bind_symbol(handle, "ff_spm_load", backend.load) &&
                          bind_symbol(handle, "ff_spm_unload", backend.unload) && bind_symbol(handle, "ff_spm_encode", backend.encode) &&
                          bind_symbol(handle, "ff_spm_piece_count", backend.piece_count) &&
                          bind_symbol(handle, "ff_spm_special_ids", backend.special_ids) &&
                          bind_symbol(handle, "ff_spm_piece", backend.piece) && bind_symbol(handle, "ff_spm_release", backend.release);
    if (!complete || backend.abi_version() != FF_SPM_ABI_VERSION) {
      backend.problem = "the SentencePiece plugin at " + path.string() + " is from another build";
    }
    backend.path = fs::weakly_canonical(path, error);
    return backend;
  }
  backend.problem = "the SentencePiece plugin " + std::string(kPluginName) + " was not found (tried " + tried + ")";
  return backend;
}

const Backend& loaded_backend() {
  static const Backend loaded = open_backend();
  return loaded;
}

// The plugin, loaded once per process; throws when subword tokenizers cannot run here.
const Backend& backend(const std::string& where) {
  const Backend& loaded = loaded_backend();
  if (!loaded.problem.empty()) {
    throw Error(loaded.problem, where, kSanitized ? "use tokenizer.kind=word, or a build without FF_SANITIZE" : kPluginHint);
  }
  return loaded;
}

// A buffer the plugin allocated, handed back to it on scope exit.
struct PluginBuffer {
  explicit PluginBuffer(const Backend& backend) : backend_(backend) {}
  ~PluginBuffer() { backend_.release(&buffer); }
  PluginBuffer(const PluginBuffer&) = delete;
  PluginBuffer& operator=(const PluginBuffer&) = delete;
  std::string str() const { return buffer.data == nullptr ? std::string() : std::string(buffer.data, buffer.size); }

  FfSpmBuffer buffer{nullptr, 0};

 private:
  const Backend& backend_;
};

// Returns 0 on success with the model in *model, else the plugin's status and its message.
int train_once(const Backend& spm, const TokenizerConfig& config, const std::vector<FfSpmText>& texts,
               const char* character_coverage, std::string* model, std::string* message) {
  const std::string vocab_size = std::to_string(config.vocab_size);
  const char* const options[] = {
      "model_type", config.kind.c_str(),
      "vocab_size", vocab_size.c_str(),
      "pad_id", "0",
      "unk_id", "1",
      "bos_id", "2",
      "eos_id", "-1",
      "pad_piece", "[PAD]",
      "unk_piece", "[UNK]",
      "bos_piece", "[CLS]",
      "character_coverage", character_coverage,
      // nmt_nfkc keeps an alignment to the original bytes, so spans stay exact while
      // full-width and compatibility forms share pieces with their plain forms.
      "normalization_rule_name", "nmt_nfkc",
      "num_threads", "2",
      "max_sentence_length", kMaxSentenceBytes,
      "input_sentence_size", kMaxSentences,
      "shuffle_input_sentence", "false",
      // A target, not a hard limit: a small corpus yields a smaller vocabulary, not an error.
      "hard_vocab_limit", "false",
      "minloglevel", "2",
  };
  PluginBuffer proto(spm), error(spm);
  const int status = spm.train(texts.data(), texts.size(), options, std::size(options), &proto.buffer, &error.buffer);
  *model = proto.str();
  *message = error.str();
  return status;
}

}  // namespace

SentencePieceTokenizer::SentencePieceTokenizer(std::string kind, std::string model_proto, const std::string& where)
    : kind_(std::move(kind)), model_proto_(std::move(model_proto)) {
  const Backend& spm = backend(where);
  PluginBuffer error(spm);
  processor_ = spm.load(model_proto_.data(), model_proto_.size(), &error.buffer);
  if (processor_ == nullptr) {
    throw Error("cannot load the SentencePiece model: " + error.str(), where,
                "the file is damaged: save the checkpoint again or retrain the tokenizer");
  }
  std::int32_t pad = -1, unk = -1, cls = -1;
  spm.special_ids(processor_, &pad, &unk, &cls);
  if (pad != kPadId || unk != kUnkId || cls != kClsId) {
    spm.unload(processor_);
    throw Error("the SentencePiece model does not have [PAD]=0, [UNK]=1, [CLS]=2", where,
                "use a model trained by fastformer");
  }
  const int count = spm.piece_count(processor_);
  pieces_.reserve(static_cast<std::size_t>(count));
  for (int id = 0; id < count; ++id) {
    PluginBuffer piece(spm);
    spm.piece(processor_, id, &piece.buffer);
    pieces_.push_back(piece.str());
  }
}

SentencePieceTokenizer::~SentencePieceTokenizer() {
  if (processor_ != nullptr) backend("SentencePieceTokenizer").unload(processor_);
}

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::train(const TokenizerConfig& config,
                                                                      const std::vector<std::string_view>& texts) {
  if (config.vocab_size < 4) {
    throw Error("vocab_size " + std::to_string(config.vocab_size) + " leaves no room for pieces after [PAD], [UNK], [CLS]",
                "tokenizer.vocab_size", "use a vocab_size of at least a few hundred for subwords");
  }
  const bool blank = std::all_of(texts.begin(), texts.end(), [](std::string_view text) {
    return text.find_first_not_of(" \t\n\v\f\r") == std::string_view::npos;
  });
  if (blank) throw Error("no training text for the " + config.kind + " tokenizer", "tokenizer", "give at least one non-blank text");
  const Backend& spm = backend("tokenizer.kind=" + config.kind);
  std::vector<FfSpmText> spans;
  spans.reserve(texts.size());
  for (const std::string_view text : texts) spans.push_back({text.data(), text.size()});

  std::string model, message;
  // Full character coverage keeps every training character out of [UNK]; when the
  // characters alone overflow vocab_size, let the rarest 0.05% of them map to [UNK].
  int status = train_once(spm, config, spans, "1.0", &model, &message);
  const auto too_many_chars = [&] { return message.find("required_chars") != std::string::npos; };
  if (status != 0 && too_many_chars()) status = train_once(spm, config, spans, "0.9995", &model, &message);
  if (status != 0) {
    if (too_many_chars()) {
      throw Error("vocab_size is smaller than the number of distinct characters: " + message, "tokenizer.vocab_size",
                  "raise vocab_size, or use the word tokenizer");
    }
    throw Error("SentencePiece " + config.kind + " training failed: " + message, "tokenizer",
                "check the training texts and tokenizer settings");
  }
  return std::make_unique<SentencePieceTokenizer>(config.kind, std::move(model), "trained " + config.kind + " model");
}

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::load(const fs::path& file, const std::string& kind) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("cannot read the SentencePiece model", file.string(), "the checkpoint is incomplete: save it again");
  std::string model((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return std::make_unique<SentencePieceTokenizer>(kind, std::move(model), file.string());
}

Encoding SentencePieceTokenizer::encode(std::string_view text) const {
  // SentencePiece keeps offsets as uint32.
  if (text.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw Error("a text of " + std::to_string(text.size()) + " bytes is too long to tokenize",
                "SentencePieceTokenizer::encode", "split the document below 4 GiB");
  }
  const Backend& spm = backend("SentencePieceTokenizer::encode");
  PluginBuffer pieces(spm), error(spm);
  if (spm.encode(processor_, text.data(), text.size(), &pieces.buffer, &error.buffer) != 0) {
    throw Error("SentencePiece could not encode the text: " + error.str(), "SentencePieceTokenizer::encode");
  }
  const std::size_t n = pieces.buffer.size / sizeof(FfSpmPiece);
  Encoding encoding;
  encoding.ids.reserve(n + 1);
  encoding.spans.reserve(n + 1);
  encoding.ids.push_back(kClsId);
  encoding.spans.push_back({0, 0});
  for (std::size_t i = 0; i < n; ++i) {
    FfSpmPiece piece;
    std::memcpy(&piece, pieces.buffer.data + i * sizeof(FfSpmPiece), sizeof(FfSpmPiece));
    encoding.ids.push_back(piece.id);
    encoding.spans.push_back({piece.begin, piece.end});
  }
  return encoding;
}

std::int64_t SentencePieceTokenizer::vocab_size() const { return static_cast<std::int64_t>(pieces_.size()); }

std::string SentencePieceTokenizer::piece(std::int64_t id) const {
  if (id < 0 || id >= vocab_size()) {
    throw Error("token id " + std::to_string(id) + " is outside the vocabulary [0, " + std::to_string(vocab_size()) + ")",
                "SentencePieceTokenizer::piece");
  }
  return pieces_[static_cast<std::size_t>(id)];
}

nlohmann::json SentencePieceTokenizer::save(const fs::path& dir) const {
  std::error_code ignored;
  fs::create_directories(dir, ignored);
  const fs::path file = dir / kFileName;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(model_proto_.data(), static_cast<std::streamsize>(model_proto_.size()));
  out.close();
  if (!out) throw Error("cannot write the SentencePiece model", file.string(), "check that the folder is writable");
  return {{"kind", kind_}, {"file", kFileName}};
}

SubwordPlugin subword_plugin() {
  const Backend& loaded = loaded_backend();
  return loaded.problem.empty() ? SubwordPlugin{true, loaded.path.string()} : SubwordPlugin{false, loaded.problem};
}

}  // namespace fastformer
