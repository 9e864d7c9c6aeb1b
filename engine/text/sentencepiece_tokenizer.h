// Subword tokenizer on SentencePiece (unigram or BPE), trained in memory (private to the
// engine; reach it through tokenizer.h). SentencePiece itself runs in a plugin that this
// tokenizer loads on first use (see sentencepiece_backend.h for why).
#pragma once

#include "fastformer/tokenizer.h"

namespace fastformer {

class SentencePieceTokenizer final : public Tokenizer {
 public:
  // `kind` is "unigram" or "bpe"; `model_proto` a serialized SentencePiece ModelProto whose
  // [PAD], [UNK], [CLS] have ids 0, 1, 2. `where` names the source in errors.
  SentencePieceTokenizer(std::string kind, std::string model_proto, const std::string& where);
  ~SentencePieceTokenizer() override;
  SentencePieceTokenizer(const SentencePieceTokenizer&) = delete;
  SentencePieceTokenizer& operator=(const SentencePieceTokenizer&) = delete;

  static std::unique_ptr<SentencePieceTokenizer> train(const TokenizerConfig& config,
                                                       const std::vector<std::string_view>& texts);
  // Reads the tokenizer.model that save() wrote.
  static std::unique_ptr<SentencePieceTokenizer> load(const std::filesystem::path& file, const std::string& kind);

  // Spans are SentencePiece's own byte ranges in the original text (its nmt_nfkc
  // normalization keeps an alignment to the input): a piece that starts with "▁" covers
  // the whitespace it stands for ("▁the" ↦ " the"), a character that normalization
  // expanded ("ﬁ" → "fi") belongs whole to the last piece holding part of it, and the
  // dummy-prefix "▁" before a text that starts with a space has an empty span.
  Encoding encode(std::string_view text) const override;
  std::int64_t vocab_size() const override;
  std::string piece(std::int64_t id) const override;
  nlohmann::json save(const std::filesystem::path& dir) const override;

 private:
  std::string kind_;
  std::string model_proto_;
  std::vector<std::string> pieces_;  // by id, read once from the model
  void* processor_ = nullptr;        // the plugin's SentencePieceProcessor
};

}  // namespace fastformer
