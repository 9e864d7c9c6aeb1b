// Typed reading of config fields from JSON, with errors that name the config and key.
// Shared by ModelConfig and TrainConfig.
#pragma once

#include "fastformer/error.h"

#include <nlohmann/json.hpp>

#include <array>
#include <string>
#include <type_traits>
#include <utility>

namespace fastformer::json_fields {

template <typename Enum, std::size_t N>
using EnumNames = std::array<std::pair<const char*, Enum>, N>;

inline std::string where(const char* config, const std::string& key) {
  return std::string(config) + " key '" + key + "'";
}

inline void require(bool ok, const char* config, const std::string& key, const std::string& rule) {
  if (!ok) throw Error(rule, where(config, key));
}

template <typename Enum, std::size_t N>
Enum parse_enum(const nlohmann::json& value, const char* config, const std::string& key,
                const EnumNames<Enum, N>& names) {
  if (value.is_string()) {
    for (const auto& [name, e] : names) {
      if (value.get<std::string>() == name) return e;
    }
  }
  std::string allowed;
  for (const auto& [name, e] : names) allowed += (allowed.empty() ? "" : "|") + std::string(name);
  throw Error("'" + value.dump() + "' is not one of " + allowed, where(config, key));
}

template <typename Enum, std::size_t N>
std::string enum_name(Enum e, const EnumNames<Enum, N>& names) {
  for (const auto& [name, value] : names) {
    if (value == e) return name;
  }
  return "?";
}

template <typename T>
T get(const nlohmann::json& value, const char* config, const std::string& key) {
  if constexpr (std::is_same_v<T, bool>) {
    require(value.is_boolean(), config, key, "expects true or false, got " + value.dump());
  } else if constexpr (std::is_same_v<T, std::string>) {
    require(value.is_string(), config, key, "expects a string, got " + value.dump());
  } else if constexpr (std::is_integral_v<T>) {
    require(value.is_number_integer(), config, key, "expects an integer, got " + value.dump());
    if constexpr (std::is_unsigned_v<T>) {
      require(value.get<std::int64_t>() >= 0 || value.is_number_unsigned(), config, key,
              "expects a non-negative integer, got " + value.dump());
    }
  } else {
    require(value.is_number(), config, key, "expects a number, got " + value.dump());
  }
  return value.get<T>();
}

// Splits "key=value" and parses the value as JSON, or takes it as a bare string.
inline std::pair<std::string, nlohmann::json> parse_assignment(const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) throw Error("expected key=value, got '" + assignment + "'", "--set");
  const std::string text = assignment.substr(eq + 1);
  nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) value = text;  // bare words such as softmax or cosine
  return {assignment.substr(0, eq), value};
}

// "a, b, c" of a JSON object's keys, for "valid keys" hints.
inline std::string key_list(const nlohmann::json& object) {
  std::string keys;
  for (const auto& [name, value] : object.items()) keys += (keys.empty() ? "" : ", ") + name;
  return keys;
}

}  // namespace fastformer::json_fields
