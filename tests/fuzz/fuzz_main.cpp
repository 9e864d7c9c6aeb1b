// libFuzzer entry point for one target, chosen at compile time by FF_FUZZ_HEADER and
// FF_FUZZ_TARGET (tests/fuzz/CMakeLists.txt). A fastformer::Error is the parser rejecting
// the input, as it should; everything else (another exception, a failed check, a crash, a
// sanitizer report, an allocation over -malloc_limit_mb) reaches libFuzzer as a finding.
#include FF_FUZZ_HEADER

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    fastformer::fuzz::FF_FUZZ_TARGET(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const fastformer::Error&) {
  }
  return 0;
}
