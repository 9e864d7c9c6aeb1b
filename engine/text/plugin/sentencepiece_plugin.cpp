// The SentencePiece plugin (libfastformer_sentencepiece.so): the only code that links
// libsentencepiece. The engine dlopens it with RTLD_DEEPBIND because Debian's libsentencepiece
// bundles protobuf-lite 3.14 and exports its symbols, which clash with LibTorch's libprotobuf.
#include "../sentencepiece_backend.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

constexpr unsigned int kSeed = 1234;

void fill(FfSpmBuffer* buffer, std::string_view bytes) {
  if (buffer == nullptr) return;
  buffer->data = static_cast<char*>(std::malloc(bytes.size() + 1));
  buffer->size = buffer->data == nullptr ? 0 : bytes.size();
  if (buffer->data != nullptr) {
    std::memcpy(buffer->data, bytes.data(), bytes.size());
    buffer->data[bytes.size()] = '\0';
  }
}

// Feeds the trainer one non-blank line at a time without copying the corpus. The trainer
// silently drops sentences above max_sentence_length bytes, so longer lines are cut.
class TextLines final : public sentencepiece::SentenceIterator {
 public:
  TextLines(const FfSpmText* texts, std::size_t count, std::size_t max_bytes, std::size_t max_lines)
      : texts_(texts), count_(count), max_bytes_(std::max<std::size_t>(max_bytes, 16)), max_lines_(max_lines) {
    advance();
  }

  bool done() const override { return done_; }
  void Next() override { advance(); }
  const std::string& value() const override { return line_; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  void advance() {
    while (text_ < count_ && (max_lines_ == 0 || served_ < max_lines_)) {
      const std::string_view text(texts_[text_].data, texts_[text_].size);
      if (pos_ >= text.size()) {
        ++text_;
        pos_ = 0;
        continue;
      }
      std::size_t end = std::min(text.find_first_of("\r\n", pos_), text.size());
      if (end - pos_ > max_bytes_) end = cut(text, pos_);
      const std::string_view line = text.substr(pos_, end - pos_);
      pos_ = end;
      while (pos_ < text.size() && (text[pos_] == '\n' || text[pos_] == '\r')) ++pos_;
      if (line.find_first_not_of(" \t\v\f") == std::string_view::npos) continue;
      line_.assign(line);
      ++served_;
      return;
    }
    done_ = true;
  }

  // End of a chunk of at most max_bytes_ from `begin`: at the last space, else at the last
  // UTF-8 character boundary.
  std::size_t cut(std::string_view text, std::size_t begin) const {
    const std::size_t limit = begin + max_bytes_;
    const std::size_t space = text.rfind(' ', limit);
    if (space != std::string_view::npos && space > begin) return space;
    std::size_t end = limit;
    while (end > begin && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    return end > begin ? end : limit;
  }

  const FfSpmText* texts_;
  std::size_t count_;
  std::size_t max_bytes_;
  std::size_t max_lines_;
  std::size_t text_ = 0;
  std::size_t pos_ = 0;
  std::size_t served_ = 0;
  std::string line_;
  bool done_ = false;
};

std::size_t option_number(const std::unordered_map<std::string, std::string>& options, const char* key) {
  const auto found = options.find(key);
  return found == options.end() ? 0 : static_cast<std::size_t>(std::strtoull(found->second.c_str(), nullptr, 10));
}

const sentencepiece::SentencePieceProcessor& processor_of(const void* processor) {
  return *static_cast<const sentencepiece::SentencePieceProcessor*>(processor);
}

}  // namespace

extern "C" {

int ff_spm_abi_version(void) { return FF_SPM_ABI_VERSION; }

int ff_spm_train(const FfSpmText* texts, std::size_t text_count, const char* const* options,
                 std::size_t option_count, FfSpmBuffer* model, FfSpmBuffer* error) {
  try {
    std::unordered_map<std::string, std::string> kwargs;
    for (std::size_t i = 0; i + 1 < option_count; i += 2) kwargs[options[i]] = options[i + 1];
    TextLines lines(texts, text_count, option_number(kwargs, "max_sentence_length"),
                    option_number(kwargs, "input_sentence_size"));
    if (lines.done()) {
      fill(error, "no non-blank training text");
      return 1;
    }
    // SentencePiece draws random numbers when it samples; a fixed seed keeps it reproducible.
    sentencepiece::SetRandomGeneratorSeed(kSeed);
    std::string proto;
    const auto status = sentencepiece::SentencePieceTrainer::Train(kwargs, &lines, &proto);
    if (!status.ok()) {
      fill(error, status.message());
      return 1;
    }
    fill(model, proto);
    return 0;
  } catch (const std::exception& e) {
    fill(error, e.what());
    return 1;
  }
}

void* ff_spm_load(const char* model, std::size_t size, FfSpmBuffer* error) {
  try {
    auto processor = std::make_unique<sentencepiece::SentencePieceProcessor>();
    const auto status = processor->LoadFromSerializedProto(std::string_view(model, size));
    if (!status.ok()) {
      fill(error, status.message());
      return nullptr;
    }
    return processor.release();
  } catch (const std::exception& e) {
    fill(error, e.what());
    return nullptr;
  }
}

void ff_spm_unload(void* processor) { delete static_cast<sentencepiece::SentencePieceProcessor*>(processor); }

int ff_spm_encode(const void* processor, const char* text, std::size_t size, FfSpmBuffer* pieces,
                  FfSpmBuffer* error) {
  try {
    sentencepiece::ImmutableSentencePieceText encoded;
    const auto status = processor_of(processor).Encode(std::string_view(text, size), encoded.mutable_proto());
    if (!status.ok()) {
      fill(error, status.message());
      return 1;
    }
    std::vector<FfSpmPiece> out(encoded.pieces_size());
    for (std::size_t i = 0; i < out.size(); ++i) {
      const auto piece = encoded.pieces(static_cast<int>(i));
      out[i] = {static_cast<std::int32_t>(piece.id()), piece.begin(), piece.end()};
    }
    fill(pieces, std::string_view(reinterpret_cast<const char*>(out.data()), out.size() * sizeof(FfSpmPiece)));
    return 0;
  } catch (const std::exception& e) {
    fill(error, e.what());
    return 1;
  }
}

int ff_spm_piece_count(const void* processor) { return processor_of(processor).GetPieceSize(); }

void ff_spm_special_ids(const void* processor, std::int32_t* pad, std::int32_t* unk, std::int32_t* bos) {
  *pad = processor_of(processor).pad_id();
  *unk = processor_of(processor).unk_id();
  *bos = processor_of(processor).bos_id();
}

int ff_spm_piece(const void* processor, std::int32_t id, FfSpmBuffer* piece) {
  if (id < 0 || id >= ff_spm_piece_count(processor)) return 1;
  fill(piece, processor_of(processor).IdToPiece(id));
  return 0;
}

void ff_spm_release(FfSpmBuffer* buffer) {
  if (buffer == nullptr) return;
  std::free(buffer->data);
  buffer->data = nullptr;
  buffer->size = 0;
}

}  // extern "C"
