// Replays the fuzz inputs through the same target bodies the fuzzers run
// (tests/fuzz/targets_*.h), in the normal build: every seed (tests/fuzz/corpus/TARGET/)
// and every input that once crashed a parser (tests/fuzz/regressions/TARGET/) must be read
// or end in a fastformer::Error; any other exception or a failed check is a failure.
#include <gtest/gtest.h>

#include "../fuzz/targets_data.h"
#include "../fuzz/targets_import.h"
#include "../fuzz/targets_model.h"
#include "../fuzz/targets_tokenizers.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using Target = void (*)(std::string_view);

const std::map<std::string, Target>& targets() {
  namespace fz = fastformer::fuzz;
  static const std::map<std::string, Target> all = {
      {"dataset_delimited", fz::dataset_delimited}, {"dataset_jsonl", fz::dataset_jsonl},
      {"dataset_folder", fz::dataset_folder},       {"document", fz::document},
      {"word_tokenizer", fz::word_tokenizer},       {"sentencepiece", fz::sentencepiece},
      {"config_json", fz::config_json},             {"safetensors", fz::safetensors},
      {"checkpoint", fz::checkpoint},               {"torch_state_dict", fz::torch_state_dict},
      {"pickle", fz::pickle},                       {"name_map", fz::name_map},
      {"word_dict", fz::word_dict}};
  return all;
}

// tests/fuzz: next to this file, or (where a compiler cache made __FILE__ relative) found
// by walking up from the working directory.
fs::path fuzz_dir() {
  const fs::path beside = fs::path(__FILE__).parent_path().parent_path() / "fuzz";
  if (fs::is_directory(beside / "regressions")) return beside;
  for (fs::path p = fs::current_path(); !p.empty(); p = p.parent_path()) {
    if (fs::is_directory(p / "tests/fuzz/regressions")) return p / "tests/fuzz";
    if (p == p.parent_path()) break;
  }
  return beside;
}

std::vector<fs::path> inputs(const std::string& target) {
  std::vector<fs::path> files;
  for (const char* kind : {"corpus", "regressions"}) {
    const fs::path dir = fuzz_dir() / kind / target;
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

class FuzzRegressionTest : public ::testing::TestWithParam<std::string> {};

TEST_P(FuzzRegressionTest, EveryInputIsReadOrRejectedWithAnError) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // Every input would end in the "subword tokenizers are unavailable" Error and prove nothing.
  if (GetParam() == "sentencepiece") {
    GTEST_SKIP() << "the SentencePiece plugin needs RTLD_DEEPBIND, which AddressSanitizer and ThreadSanitizer refuse";
  }
#endif
  const Target run = targets().at(GetParam());
  const std::vector<fs::path> files = inputs(GetParam());
  EXPECT_FALSE(files.empty()) << "no seeds for " << GetParam() << " under " << fuzz_dir();
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    try {
      run(bytes);
    } catch (const fastformer::Error&) {
    } catch (const std::exception& e) {
      ADD_FAILURE() << file << ": " << e.what();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzRegressionTest,
                         ::testing::Values("dataset_delimited", "dataset_jsonl", "dataset_folder", "document",
                                           "word_tokenizer", "sentencepiece", "config_json", "safetensors",
                                           "checkpoint", "torch_state_dict", "pickle", "name_map", "word_dict"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// The regression whose config.json claims 500,000,000 tokens next to a 5 KB file: refused
// by counting the weights, before the 16 GB model would be allocated.
TEST(FuzzRegressionLayout, AConfigClaimingAHugeModelIsRefusedBeforeAllocating) {
  std::ifstream in(fuzz_dir() / "regressions/checkpoint/config_claims_huge_model", std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  ASSERT_FALSE(bytes.empty());
  try {
    fastformer::fuzz::checkpoint(bytes);
    FAIL() << "loaded";
  } catch (const fastformer::Error& e) {
    EXPECT_NE(std::string(e.what()).find("describes a model of at least 4000000"), std::string::npos) << e.what();
  }
}

// A corpus or regression folder must name a target above, or its files would never run.
TEST(FuzzRegressionLayout, EveryFolderNamesATarget) {
  ASSERT_TRUE(fs::is_directory(fuzz_dir() / "regressions")) << fuzz_dir();
  for (const char* kind : {"corpus", "regressions"}) {
    for (const auto& entry : fs::directory_iterator(fuzz_dir() / kind)) {
      if (entry.is_directory()) {
        EXPECT_TRUE(targets().count(entry.path().filename().string())) << entry.path() << " names no fuzz target";
      }
    }
  }
}

}  // namespace
