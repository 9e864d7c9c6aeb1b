// Tests for the safetensors reader/writer: bit-exact round trips, the on-disk byte layout
// checked by hand, and a clear fastformer::Error for every kind of malformed file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fastformer/error.h"
#include "fastformer/safetensors.h"

namespace fs = std::filesystem;
using fastformer::Error;
using fastformer::load_safetensors;
using fastformer::NamedTensors;
using fastformer::save_safetensors;

namespace {

// Same dtype, shape and bytes: NaN payloads and -0.0 must survive, so no value comparison.
void expect_bit_equal(const at::Tensor& expected, const at::Tensor& actual) {
  ASSERT_EQ(expected.scalar_type(), actual.scalar_type());
  ASSERT_EQ(expected.sizes(), actual.sizes());
  ASSERT_TRUE(actual.is_contiguous());
  at::Tensor e = expected.contiguous();
  const auto nbytes = static_cast<std::size_t>(e.numel() * e.element_size());
  if (nbytes > 0) {
    EXPECT_EQ(0, std::memcmp(e.data_ptr(), actual.data_ptr(), nbytes));
  }
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string le64(std::uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

// A file built by hand: length prefix (actual header size unless overridden), header, data.
std::string crafted(const std::string& header, const std::string& data,
                    std::uint64_t length = std::numeric_limits<std::uint64_t>::max()) {
  if (length == std::numeric_limits<std::uint64_t>::max()) length = header.size();
  return le64(length) + header + data;
}

class SafetensorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ff_safetensors_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name = "t.safetensors") const {
    return (dir_ / name).string();
  }

  // Loading `bytes` must throw fastformer::Error whose message contains every `needle`.
  void expect_rejected(const std::string& bytes, const std::vector<std::string>& needles) {
    write_bytes(path(), bytes);
    expect_load_error(path(), needles);
  }

  void expect_load_error(const std::string& file, const std::vector<std::string>& needles) {
    try {
      load_safetensors(file);
      ADD_FAILURE() << "no error for a malformed file; expected: " << needles.front();
    } catch (const Error& e) {
      const std::string message = e.what();
      for (const auto& needle : needles)
        EXPECT_NE(message.find(needle), std::string::npos)
            << "message \"" << message << "\" lacks \"" << needle << "\"";
    }
  }

  fs::path dir_;
};

TEST_F(SafetensorsTest, Float32SpecialValuesRoundTripBitExact) {
  std::vector<std::uint32_t> bits = {
      0x7fc00000u,  // quiet NaN
      0x7fa00001u,  // NaN with a payload
      0x80000000u,  // -0.0
      0x7f800000u,  // +inf
      0xff800000u,  // -inf
      0x00000001u,  // smallest denormal
      0x807fffffu,  // largest negative denormal
      0x3f800000u,  // 1.0
  };
  at::Tensor t = at::empty({2, 4}, at::kFloat);
  std::memcpy(t.data_ptr(), bits.data(), bits.size() * 4);
  save_safetensors(path(), {{"special", t}});
  auto file = load_safetensors(path());
  ASSERT_EQ(file.tensors.size(), 1u);
  EXPECT_EQ(file.tensors[0].first, "special");
  expect_bit_equal(t, file.tensors[0].second);
}

TEST_F(SafetensorsTest, EveryDtypeRoundTripsInWriteOrder) {
  NamedTensors tensors = {
      {"f64", at::tensor({1.0 / 3.0, -1e300, 5e-324}, at::kDouble)},
      {"f16", at::tensor({0.5, -65504.0, 1e-7}, at::kFloat).to(at::kHalf)},
      {"bf16", at::tensor({3.14159, -1e30}, at::kFloat).to(at::kBFloat16)},
      {"i64", at::tensor({std::numeric_limits<std::int64_t>::min(), std::int64_t{-1},
                          std::numeric_limits<std::int64_t>::max()},
                         at::kLong)},
      {"i32", at::tensor({-7, 1 << 30}, at::kInt)},
      {"i16", at::tensor({-32768, 32767}, at::kInt).to(at::kShort)},
      {"i8", at::tensor({-128, 127, 0}, at::kInt).to(at::kChar)},
      {"u8", at::tensor({0, 255, 17}, at::kInt).to(at::kByte)},
      {"bool", at::tensor({1, 0, 1, 1}, at::kInt).to(at::kBool).reshape({2, 2})},
      {"a_name_sorting_first", at::arange(6, at::kFloat).reshape({1, 2, 3})},
  };
  save_safetensors(path(), tensors);
  auto file = load_safetensors(path());
  ASSERT_EQ(file.tensors.size(), tensors.size());
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    SCOPED_TRACE(tensors[i].first);
    EXPECT_EQ(file.tensors[i].first, tensors[i].first);
    expect_bit_equal(tensors[i].second, file.tensors[i].second);
  }
  EXPECT_TRUE(file.metadata.empty());
}

TEST_F(SafetensorsTest, ScalarAndZeroElementTensorsRoundTrip) {
  at::Tensor scalar = at::scalar_tensor(-2.5, at::kFloat);
  at::Tensor empty = at::empty({3, 0, 2}, at::kLong);
  at::Tensor after = at::tensor(std::vector<int>{42}, at::kInt);
  save_safetensors(path(), {{"scalar", scalar}, {"empty", empty}, {"after", after}});
  auto file = load_safetensors(path());
  const at::Tensor& s = fastformer::find_tensor(file, "scalar");
  EXPECT_EQ(s.dim(), 0);
  expect_bit_equal(scalar, s);
  const at::Tensor& e = fastformer::find_tensor(file, "empty");
  EXPECT_EQ(e.sizes(), at::IntArrayRef({3, 0, 2}));
  expect_bit_equal(empty, e);
  expect_bit_equal(after, fastformer::find_tensor(file, "after"));
}

TEST_F(SafetensorsTest, NonContiguousInputIsStoredInLogicalOrder) {
  at::Tensor base = at::arange(12, at::kFloat).reshape({3, 4});
  at::Tensor transposed = base.t();  // (4,3), strides (1,4)
  ASSERT_FALSE(transposed.is_contiguous());
  save_safetensors(path(), {{"t", transposed}});
  auto file = load_safetensors(path());
  const at::Tensor& t = fastformer::find_tensor(file, "t");
  expect_bit_equal(transposed, t);
  EXPECT_EQ(t[0][1].item<float>(), 4.0f);  // element (0,1) of the transpose is base(1,0)
}

TEST_F(SafetensorsTest, MetadataRoundTrips) {
  std::map<std::string, std::string> meta = {
      {"format", "pt"}, {"config", "{\"d\": 64}"}, {"note", "ünïcödé"}};
  save_safetensors(path(), {{"w", at::ones({2}, at::kFloat)}}, meta);
  EXPECT_EQ(load_safetensors(path()).metadata, meta);
}

TEST_F(SafetensorsTest, OverwritesAtomicallyAndLeavesNoTemporaryFile) {
  save_safetensors(path(), {{"old", at::zeros({100}, at::kFloat)}});
  save_safetensors(path(), {{"new", at::ones({1}, at::kFloat)}});
  auto file = load_safetensors(path());
  ASSERT_EQ(file.tensors.size(), 1u);
  EXPECT_EQ(file.tensors[0].first, "new");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(SafetensorsTest, ByteLayoutMatchesTheSpecification) {
  at::Tensor a = at::tensor({1.5f, -2.0f}, at::kFloat);
  at::Tensor b = at::tensor(std::vector<int>{7}, at::kInt).to(at::kShort);
  save_safetensors(path(), {{"a", a}, {"b", b}}, {{"k", "v"}});
  const std::string bytes = read_bytes(path());

  ASSERT_GE(bytes.size(), 8u);
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
  EXPECT_EQ(n % 8, 0u) << "header is padded so the data starts 8-byte aligned";
  ASSERT_EQ(bytes.size(), 8 + n + 8 + 2);

  const std::string header_text = bytes.substr(8, n);
  const auto close = header_text.find_last_of('}');
  EXPECT_EQ(header_text.find_first_not_of(' ', close + 1), std::string::npos)
      << "padding must be spaces";
  const auto header = nlohmann::json::parse(header_text);
  ASSERT_TRUE(header.is_object());
  EXPECT_EQ(header.size(), 3u);
  EXPECT_EQ(header.at("__metadata__"), (nlohmann::json{{"k", "v"}}));
  EXPECT_EQ(header.at("a").at("dtype"), "F32");
  EXPECT_EQ(header.at("a").at("shape"), nlohmann::json::array({2}));
  EXPECT_EQ(header.at("a").at("data_offsets"), nlohmann::json::array({0, 8}));
  EXPECT_EQ(header.at("b").at("dtype"), "I16");
  EXPECT_EQ(header.at("b").at("shape"), nlohmann::json::array({1}));
  EXPECT_EQ(header.at("b").at("data_offsets"), nlohmann::json::array({8, 10}));

  const std::string data = bytes.substr(8 + n);
  // 1.5f = 0x3FC00000, -2.0f = 0xC0000000, 7 as int16; all little-endian.
  const std::string expected("\x00\x00\xc0\x3f\x00\x00\x00\xc0\x07\x00", 10);
  EXPECT_EQ(data, expected);
}

TEST_F(SafetensorsTest, NoMetadataKeyWhenMetadataIsEmpty) {
  save_safetensors(path(), {{"x", at::zeros({1}, at::kFloat)}});
  const std::string bytes = read_bytes(path());
  EXPECT_EQ(bytes.find("__metadata__"), std::string::npos);
}

TEST_F(SafetensorsTest, ReadsAHandWrittenFile) {
  // As another tool would write it: unordered keys, an unpadded header, F64 then U8.
  const std::string header =
      R"({"z":{"dtype":"U8","shape":[2],"data_offsets":[8,10]},)"
      R"("__metadata__":{"format":"pt"},"y":{"dtype":"F64","shape":[],"data_offsets":[0,8]}})";
  const std::string data("\x00\x00\x00\x00\x00\x00\x04\x40\x05\xfa", 10);  // 2.5, 5, 250
  write_bytes(path(), crafted(header, data));
  auto file = load_safetensors(path());
  ASSERT_EQ(file.tensors.size(), 2u);
  EXPECT_EQ(file.tensors[0].first, "y") << "tensors come back in data-offset order";
  EXPECT_EQ(file.tensors[0].second.dim(), 0);
  EXPECT_EQ(file.tensors[0].second.item<double>(), 2.5);
  EXPECT_EQ(file.tensors[1].second.scalar_type(), at::kByte);
  EXPECT_EQ(file.tensors[1].second[1].item<int>(), 250);
  EXPECT_EQ(file.metadata.at("format"), "pt");
}

TEST_F(SafetensorsTest, WriterRejectsBadInput) {
  at::Tensor x = at::zeros({1}, at::kFloat);
  EXPECT_THROW(save_safetensors(path(), {{"x", x}, {"x", x}}), Error);
  EXPECT_THROW(save_safetensors(path(), {{"__metadata__", x}}), Error);
  EXPECT_THROW(save_safetensors(path(), {{"c", at::zeros({1}, at::kComplexFloat)}}), Error);
  EXPECT_THROW(save_safetensors(path(), {{"u", at::Tensor()}}), Error);
  EXPECT_THROW(save_safetensors((dir_ / "no_such_dir" / "f").string(), {{"x", x}}), Error);
  EXPECT_FALSE(fs::exists(path()));
  EXPECT_TRUE(fs::is_empty(dir_)) << "a failed write must leave no temporary file";
  try {
    save_safetensors(path(), {{"dup", x}, {"dup", x}});
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("duplicate"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("dup"), std::string::npos) << e.what();
  }
}

TEST_F(SafetensorsTest, RejectsMissingAndTinyFiles) {
  expect_load_error(path("absent.safetensors"), {"absent.safetensors", "cannot open"});
  expect_rejected("", {"0 bytes", "shorter than"});
  expect_rejected(std::string("\x10\x00\x00", 3), {"3 bytes", "shorter than"});
}

TEST_F(SafetensorsTest, RejectsTruncatedFiles) {
  save_safetensors(path("good"), {{"w", at::arange(16, at::kFloat)}});
  const std::string good = read_bytes(path("good"));
  expect_rejected(good.substr(0, good.size() - 4), {"tensor w", "past the end"});  // in data
  expect_rejected(good.substr(0, 8 + 10), {"header length", "past the end"});      // in header
}

TEST_F(SafetensorsTest, RejectsLyingHeaderLength) {
  const std::string header = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  const std::string data(4, '\0');
  expect_rejected(crafted(header, data, 1ull << 60), {"header length", "exceeds"});
  expect_rejected(crafted(header, data, header.size() + 100), {"header length", "past the end"});
}

TEST_F(SafetensorsTest, RejectsInvalidJson) {
  expect_rejected(crafted(R"({"a": {"dtype": "F32", )", ""), {"not valid JSON", "parse"});
  expect_rejected(crafted("[1, 2]", ""), {"not a JSON object"});
  expect_rejected(crafted(R"({"a": 5})", ""), {"tensor a", "not a JSON object"});
  expect_rejected(crafted(R"({"__metadata__": {"k": 1}})", ""), {"metadata", "not a string"});
}

TEST_F(SafetensorsTest, RejectsMissingOrMistypedFields) {
  const std::string d(4, '\0');
  expect_rejected(crafted(R"({"a":{"shape":[1],"data_offsets":[0,4]}})", d), {"tensor a", "dtype"});
  expect_rejected(crafted(R"({"a":{"dtype":"F32","data_offsets":[0,4]}})", d),
                  {"tensor a", "shape"});
  expect_rejected(crafted(R"({"a":{"dtype":"F32","shape":[1]}})", d), {"tensor a", "data_offsets"});
  expect_rejected(crafted(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", d),
                  {"tensor a", "data_offsets"});
  expect_rejected(crafted(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", d),
                  {"tensor a", "negative"});
  expect_rejected(crafted(R"({"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}})", d),
                  {"tensor a", "non-integer"});
}

TEST_F(SafetensorsTest, RejectsUnknownDtype) {
  expect_rejected(
      crafted(R"({"q":{"dtype":"Q4_K","shape":[1],"data_offsets":[0,4]}})", std::string(4, '\0')),
      {"tensor q", "unsupported dtype", "Q4_K"});
}

TEST_F(SafetensorsTest, RejectsOffsetsOutOfRange) {
  expect_rejected(
      crafted(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", std::string(8, '\0')),
      {"tensor a", "past the end", "8-byte data section"});
}

TEST_F(SafetensorsTest, RejectsSizeMismatchWithShape) {
  expect_rejected(
      crafted(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", std::string(8, '\0')),
      {"tensor a", "8 bytes", "needs 12"});
  // A product of dimensions that would overflow 64 bits must not wrap to a match.
  expect_rejected(
      crafted(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}})", ""),
      {"tensor a", "more than"});
}

TEST_F(SafetensorsTest, RejectsOverlapGapsAndTrailingBytes) {
  const std::string d(12, '\0');
  expect_rejected(crafted(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                          R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                          d),
                  {"tensor b", "overlaps", "a"});
  expect_rejected(crafted(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                          R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                          d),
                  {"tensor b", "gap"});
  expect_rejected(crafted(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", d),
                  {"4 trailing bytes"});
}

TEST_F(SafetensorsTest, FindTensorNamesTheMissingTensor) {
  save_safetensors(path(), {{"present", at::zeros({1}, at::kFloat)}});
  auto file = load_safetensors(path());
  EXPECT_NO_THROW(fastformer::find_tensor(file, "present"));
  try {
    fastformer::find_tensor(file, "absent");
    ADD_FAILURE() << "no error for an absent tensor";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("absent"), std::string::npos) << message;
    EXPECT_NE(message.find("present"), std::string::npos) << "hint lists what the file holds";
  }
}

}  // namespace
