// cuda_shim.h's float16 and bfloat16 conversions, which the emulated kernels store through,
// against values decoded here from the bit layouts: each representable value converts both
// ways exactly, the midpoint of two neighbours rounds to the even one and the floats beside
// it to the nearer one (CUDA's round to nearest even), and infinities, overflow, NaN, ±0.
#include "cuda_shim.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace {

// |value| of a finite bit pattern with `mant_bits` mantissa bits and exponent bias `bias`;
// the all-ones exponent is read as a normal one (the value just past the largest finite).
double magnitude(unsigned bits, int mant_bits, int bias) {
  const unsigned mant = bits & ((1u << mant_bits) - 1u), exponent = bits >> mant_bits;
  if (exponent == 0) return std::ldexp(static_cast<double>(mant), 1 - bias - mant_bits);  // subnormal
  return std::ldexp(static_cast<double>(mant + (1u << mant_bits)), static_cast<int>(exponent) - bias - mant_bits);
}

// For every non-negative finite pattern b of a format and each sign: decode, encode, and the
// rounding of its midpoint with the next pattern b + 1 (the last one's is infinity).
template <typename Encode, typename Decode>
void check_format(const char* name, unsigned largest, int mant_bits, int bias, unsigned sign_bit, Encode encode,
                  Decode decode) {
  const float inf = std::numeric_limits<float>::infinity();
  for (unsigned b = 0; b <= largest; ++b) {
    for (const unsigned sign : {0u, sign_bit}) {
      const double s = sign ? -1.0 : 1.0;
      const float away = sign ? -inf : inf;
      const float value = static_cast<float>(s * magnitude(b, mant_bits, bias));
      const float decoded = decode(b | sign);
      ASSERT_EQ(decoded, value) << name << " decode " << std::hex << (b | sign);
      ASSERT_EQ(std::signbit(decoded), sign != 0) << name << " decode " << std::hex << (b | sign);
      ASSERT_EQ(encode(value), b | sign) << name << " encode " << value;
      const double mid = s * (magnitude(b, mant_bits, bias) + magnitude(b + 1, mant_bits, bias)) / 2;
      const float midf = static_cast<float>(mid);
      ASSERT_EQ(static_cast<double>(midf), mid) << name << ": midpoint not exact in float";
      const unsigned even = (b & 1u) ? b + 1 : b;  // b + 1 past `largest` is infinity's pattern
      EXPECT_EQ(encode(midf), even | sign) << name << " tie " << mid;
      EXPECT_EQ(encode(std::nextafter(midf, 0.f)), b | sign) << name << " below " << mid;
      EXPECT_EQ(encode(std::nextafter(midf, away)), (b + 1) | sign) << name << " above " << mid;
    }
  }
}

unsigned to_half(float f) { return __float2half_rn(f).__x; }
float from_half(unsigned bits) { return __half2float(__half{static_cast<unsigned short>(bits)}); }
unsigned to_bf16(float f) { return __float2bfloat16_rn(f).__x; }
float from_bf16(unsigned bits) { return __bfloat162float(__nv_bfloat16{static_cast<unsigned short>(bits)}); }

TEST(CudaShim, HalfRoundsToNearestEven) {
  check_format("half", 0x7BFF, 10, 15, 0x8000, to_half, from_half);
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(to_half(inf), 0x7C00u);
  EXPECT_EQ(to_half(-1e30f), 0xFC00u);
  EXPECT_EQ(to_half(std::nanf("")), 0x7FFFu);
  EXPECT_EQ(from_half(0xFC00), -inf);
  EXPECT_TRUE(std::isnan(from_half(0x7E01)));
  EXPECT_EQ(to_half(1e-10f), 0u);
  EXPECT_EQ(to_half(-1e-10f), 0x8000u);
}

TEST(CudaShim, BFloat16RoundsToNearestEven) {
  check_format("bfloat16", 0x7F7F, 7, 127, 0x8000, to_bf16, from_bf16);
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(to_bf16(inf), 0x7F80u);
  EXPECT_EQ(to_bf16(-std::numeric_limits<float>::max()), 0xFF80u);  // rounds past the largest
  EXPECT_EQ(to_bf16(std::nanf("")), 0x7FFFu);
  EXPECT_EQ(from_bf16(0xFF80), -inf);
  EXPECT_TRUE(std::isnan(from_bf16(0x7FC1)));
}

}  // namespace
