// fastformer import against the notebook fixture (tests/import/, written by PyTorch from
// an implementation of the authors' notebook): PyTorch's logits through the whole path
// (file → map → checkpoint → tokenizer → model), and one clear line for each bad file.
#include <gtest/gtest.h>

#include "error_text.h"
#include "fastformer/checkpoint.h"
#include "fastformer/import.h"
#include "fastformer/safetensors.h"
#include "fastformer/training_data.h"
#include "import/pickle_reader.h"
#include "import/state_dict_file.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <fstream>
#include <map>
#include <iterator>

namespace fs = std::filesystem;
using fastformer::testing::error_of;

namespace fastformer {
namespace {

const fs::path kFixture = FF_IMPORT_FIXTURE;

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

class Import : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ff-import-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  ImportOptions options(const fs::path& from, const fs::path& vocab = kFixture / "word_dict.json") const {
    ImportOptions o;
    o.from = from;
    o.vocab = vocab;
    o.out = dir_ / "imported";
    return o;
  }
  // The import's error: one line, and nothing written at --out.
  std::string refused(const ImportOptions& o) const {
    const std::string what = error_of([&] { import_model(o); });
    EXPECT_FALSE(fs::exists(o.out)) << "a failed import left " << o.out;
    return what;
  }
  // The fixture's tensors with `edit` applied, written as safetensors.
  fs::path edited(const std::function<void(NamedTensors&)>& edit) const {
    NamedTensors tensors = load_safetensors((kFixture / "state_dict.safetensors").string()).tensors;
    edit(tensors);
    const fs::path path = dir_ / "edited.safetensors";
    save_safetensors(path.string(), tensors);
    return path;
  }

  fs::path dir_;
};

// The reference texts through the imported checkpoint: the tokenizer's ids equal NLTK's,
// and the logits equal PyTorch's (float32, ids padded to the notebook's length).
void expect_reference_logits(const fs::path& checkpoint) {
  TrainedModel trained = load_trained_model(checkpoint);
  const nlohmann::json reference = nlohmann::json::parse(read_bytes(kFixture / "reference.json"));
  const std::int64_t capacity = std::min(trained.train.max_len, trained.checkpoint.contents.config.sequence_capacity());
  ASSERT_EQ(capacity, 41) << "[CLS] slot + 40 positions";
  ASSERT_GE(reference["texts"].size(), 8u);
  for (const auto& item : reference["texts"]) {
    const std::string text = item["text"];
    std::vector<std::int64_t> ids = trained.tokenizer->encode(text).ids;
    if (static_cast<std::int64_t>(ids.size()) > capacity) ids.resize(static_cast<std::size_t>(capacity));
    std::vector<std::int64_t> expected_ids{kClsId};
    for (const auto& id : item["ids"]) expected_ids.push_back(id.get<std::int64_t>());
    EXPECT_EQ(ids, expected_ids) << text;
    const auto T = static_cast<std::int64_t>(ids.size());
    const torch::Tensor input = torch::tensor(ids, torch::kLong).view({1, T});
    torch::NoGradGuard no_grad;
    const torch::Tensor logits = trained.checkpoint.model->forward(input, torch::ones({1, T}, torch::kBool)).logits;
    const auto& want = item["logits"];
    ASSERT_EQ(logits.size(1), static_cast<std::int64_t>(want.size()));
    for (std::int64_t c = 0; c < logits.size(1); ++c) {
      EXPECT_NEAR(logits[0][c].item<double>(), want[static_cast<std::size_t>(c)].get<double>(), 1e-5) << text << " class " << c;
    }
  }
}

TEST_F(Import, NotebookStateDictGivesPyTorchLogits) {
  ImportOptions o = options(kFixture / "state_dict.pt");
  o.config = kFixture / "fastformer.json";
  o.labels = {"a", "b", "c"};
  const ImportReport report = import_model(o);
  EXPECT_EQ(report.tensors, 50);
  EXPECT_EQ(report.vocab_words, 65);
  EXPECT_EQ(report.config.layers, 2);
  EXPECT_EQ(report.config.heads, 4);
  EXPECT_EQ(report.config.ffn, 48);
  EXPECT_EQ(report.config.max_len, 40);
  EXPECT_FALSE(report.config.cls_token);
  expect_reference_logits(o.out);
  EXPECT_EQ(read_checkpoint_config(o.out).labels, (std::vector<std::string>{"a", "b", "c"}));
}

// Sizes come from the shapes alone; a safetensors copy and vocab.txt give the same model.
// The five tensors the logits cannot see (a bias shared by every position of a softmax)
// are compared with the file directly.
TEST_F(Import, SafetensorsAndVocabTxtGiveTheSameModel) {
  const ImportOptions o = options(kFixture / "state_dict.safetensors", kFixture / "vocab.txt");
  import_model(o);
  expect_reference_logits(o.out);
  const SafetensorsFile source = load_safetensors((kFixture / "state_dict.safetensors").string());
  LoadedCheckpoint loaded = load_checkpoint(o.out);
  auto params = loaded.model->named_parameters();
  const std::pair<const char*, const char*> invisible[] = {
      {"layers.0.attention.query_score.bias", "fastformer_model.encoders.0.attention.self.query_att.bias"},
      {"layers.0.attention.key_score.bias", "fastformer_model.encoders.0.attention.self.key_att.bias"},
      {"layers.1.attention.query_score.bias", "fastformer_model.encoders.1.attention.self.query_att.bias"},
      {"layers.1.attention.key_score.bias", "fastformer_model.encoders.1.attention.self.key_att.bias"},
      {"pooler.score.bias", "fastformer_model.poolers.0.att_fc2.bias"}};
  for (const auto& [ours, theirs] : invisible) {
    ASSERT_NE(params.find(ours), nullptr) << ours;
    EXPECT_TRUE(torch::equal(*params.find(ours), find_tensor(source, theirs))) << ours << " ← " << theirs;
  }
}

// A JSON map with the options other implementations need: a fused weight split into
// chunks and a weight stored transposed. The notebook's tensors rearranged so (query and
// key weights of each layer in one (2D, D) tensor, the classifier stored (D, C)) import to
// the same model.
TEST_F(Import, JsonMapSplitsFusedWeightsAndTransposes) {
  const auto fused = edited([](NamedTensors& t) {
    std::map<std::string, torch::Tensor> by_name(t.begin(), t.end());
    NamedTensors out;
    for (const auto& [name, value] : t) {
      if (name.find(".self.query.weight") != std::string::npos) {
        const std::string layer = name.substr(0, name.find(".attention."));
        const torch::Tensor key = by_name.at(layer + ".attention.self.key.weight");
        out.emplace_back(layer + ".attention.self.qk.weight", torch::cat({value, key}));  // (2D,D)
      } else if (name.find(".self.key.weight") != std::string::npos) {
        continue;
      } else if (name == "dense_linear.weight") {
        out.emplace_back("dense_linear.weight_t", value.t().contiguous());  // (D,C)
      } else {
        out.emplace_back(name, value);
      }
    }
    t = out;
  });
  nlohmann::json map = nlohmann::json::parse(builtin_map_json("official"));
  const std::string self = "fastformer_model.encoders.{l}.attention.self.";
  map["tensors"]["layers.{l}.attention.query.weight"] = {{"from", self + "qk.weight"}, {"split", {0, 2}}};
  map["tensors"]["layers.{l}.attention.key.weight"] = {{"from", self + "qk.weight"}, {"split", {1, 2}}};
  map["tensors"]["classifier.weight"] = {{"from", "dense_linear.weight_t"}, {"transpose", true}};
  map["infer"][5] = {"classes", "dense_linear.weight_t", 1};
  const fs::path map_file = dir_ / "map.json";
  write_bytes(map_file, map.dump(2));
  ImportOptions o = options(fused);
  o.map = map_file.string();
  import_model(o);
  expect_reference_logits(o.out);
}

TEST_F(Import, ReaderReadsEveryTensorOfTheZipAsSaved) {
  const NamedTensors zip = read_state_dict(kFixture / "state_dict.pt");
  const SafetensorsFile safe = load_safetensors((kFixture / "state_dict.safetensors").string());
  ASSERT_EQ(zip.size(), safe.tensors.size());
  for (std::size_t i = 0; i < zip.size(); ++i) {
    EXPECT_EQ(zip[i].first, safe.tensors[i].first) << "the file's order";
    EXPECT_TRUE(torch::equal(zip[i].second, safe.tensors[i].second)) << zip[i].first;
  }
}

TEST_F(Import, ImportedModelIgnoresTheClsSlot) {
  const ImportOptions o = options(kFixture / "state_dict.pt");
  import_model(o);
  TrainedModel trained = load_trained_model(o.out);
  torch::NoGradGuard no_grad;
  const torch::Tensor ids = torch::tensor(std::vector<std::int64_t>{kClsId, 5, 9, 12}).view({1, 4});
  const torch::Tensor other = ids.clone();
  other[0][0] = 17;  // any id in the slot: the model must not read it
  const auto mask = torch::ones({1, 4}, torch::kBool);
  EXPECT_TRUE(torch::allclose(trained.checkpoint.model->forward(ids, mask).logits,
                              trained.checkpoint.model->forward(other, mask).logits, 0.0, 0.0));
}

TEST_F(Import, EachBadFileIsOneLine) {
  const auto one_line = [](const std::string& what) {
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    return what;
  };
  EXPECT_NE(one_line(refused(options(kFixture / "pickled_model.pt")))
                .find("holds a pickled __main__.Model, not a state_dict"),
            std::string::npos);

  const std::string zip = read_bytes(kFixture / "state_dict.pt");
  write_bytes(dir_ / "truncated.pt", zip.substr(0, zip.size() / 2));
  EXPECT_NE(one_line(refused(options(dir_ / "truncated.pt"))).find("not a readable torch.save archive"), std::string::npos);

  write_bytes(dir_ / "notes.txt", "this is not a model\n");
  EXPECT_NE(one_line(refused(options(dir_ / "notes.txt"))).find("not a PyTorch state_dict"), std::string::npos);

  write_bytes(dir_ / "legacy.pt", std::string("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 14));
  EXPECT_NE(one_line(refused(options(dir_ / "legacy.pt"))).find("legacy format"), std::string::npos);

  write_bytes(dir_ / "small_vocab.txt", "PADDING\nthe\n");
  EXPECT_NE(one_line(refused(options(kFixture / "state_dict.pt", dir_ / "small_vocab.txt"))).find("at least two words"),
            std::string::npos);
}

// The input the fuzzer found: 1,002 bytes whose zip directory declares a 4 GB record, which
// LibTorch's reader would allocate before reading. Refused from the directory instead.
TEST_F(Import, ARecordLargerThanTheFileIsRefusedBeforeReading) {
  const fs::path file = kFixture.parent_path().parent_path() / "fuzz/regressions/torch_state_dict/record_declares_4gb";
  ASSERT_TRUE(fs::exists(file)) << file;
  EXPECT_NE(refused(options(file)).find("a record declares 4294902102 bytes in a file of 1002"), std::string::npos);
}

TEST_F(Import, TensorProblemsNameTheSourceTensor) {
  const std::string key = "fastformer_model.encoders.1.attention.self.key.weight";
  const auto without_key = edited([&](NamedTensors& t) {
    t.erase(std::find_if(t.begin(), t.end(), [&](const auto& e) { return e.first == key; }));
  });
  EXPECT_EQ(refused(options(without_key)), key + ": missing from " + without_key.string() +
                                               " (read for layers.1.attention.key.weight)");

  const auto narrow_key = edited([&](NamedTensors& t) {
    for (auto& [name, value] : t) {
      if (name == key) value = value.narrow(1, 0, 16).contiguous();
    }
  });
  EXPECT_EQ(refused(options(narrow_key)), key + ": shape [32, 16], expected [32, 32] for hidden 32");

  const auto extra = edited([](NamedTensors& t) { t.emplace_back("criterion.weight", torch::ones({3})); });
  EXPECT_EQ(refused(options(extra)), "criterion.weight: not used by official map (shape [3])");

  const auto nan = edited([](NamedTensors& t) {
    for (auto& [name, value] : t) {
      if (name == "dense_linear.weight") value[0][0] = std::nan("");
    }
  });
  EXPECT_EQ(refused(options(nan)), "dense_linear.weight: holds NaN or Inf");
}

}  // namespace
}  // namespace fastformer
