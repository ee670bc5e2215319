// model/io.h: checked reading of the files we load, so that no input can crash us.
//
// Every reader of a file (safetensors, config.json, the tokenizer, the world's JSONL, a run's
// round files) goes through these helpers. Each failure is a std::runtime_error whose message
// starts with the file (and line, for JSONL): "runs/x/round1/judgements.jsonl:3: missing field
// \"judged\"". What they guard against:
//   - a directory (or a device, a FIFO) where a file should be: an error, never "empty file";
//   - a file larger than the reader's cap: an error before anything is allocated;
//   - JSON that does not parse, repeats a key in one object, or nests absurdly deep;
//   - a JSONL row without a field, or with a field of the wrong type, or a number out of range.
// The field helpers are used instead of nlohmann's operator[] / get<T>(), whose failures are an
// assertion (SIGABRT) or a message without the file.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sr {

// The whole file as bytes. Throws (naming path) when it is missing, not a regular file, or over
// max_bytes. `hint` is appended to the "cannot open" message.
constexpr uint64_t kMaxTextFileBytes = uint64_t(1) << 30;  // 1 GiB: no text/JSON input of ours is near it
std::string read_file_checked(const std::string& path, uint64_t max_bytes = kMaxTextFileBytes, const std::string& hint = "");

// Strict JSON: the whole text is one value, no key appears twice in an object, at most 100
// levels of nesting. `where` (a file, or "file:line") starts every error message.
nlohmann::json parse_json_strict(const std::string& text, const std::string& where);
// read_file_checked + parse_json_strict.
nlohmann::json read_json_file(const std::string& path, uint64_t max_bytes = kMaxTextFileBytes);

// One JSONL row with where it came from.
struct JsonlRow {
    nlohmann::json value;  // always an object
    std::string where;     // "path:line"
};
// Every non-empty line of a JSONL file, each a JSON object (strict, as above).
std::vector<JsonlRow> read_jsonl_rows(const std::string& path, uint64_t max_bytes = kMaxTextFileBytes);

// ---- fields of a JSON object, type-checked ------------------------------------------------
// Each throws "<where>: missing field \"name\"" or "<where>: field \"name\" must be <type>, got
// <its type>". `where` names the file (and line, and the path inside the row when nested).
enum class JsonType { String, Number, Integer, Bool, Array, Object, NumberOrNull, IntegerOrNull };
const char* json_type_name(JsonType t);
bool json_has_type(const nlohmann::json& v, JsonType t);
// The field's value, checked to be an object holding `name` of type t.
const nlohmann::json& require_field(const nlohmann::json& obj, const char* name, JsonType t, const std::string& where);
// The same for an array element (where + "[i]" names it).
const nlohmann::json& require_element(const nlohmann::json& arr, size_t i, JsonType t, const std::string& where);
// Typed shortcuts; numbers are also range-checked (an int field that holds 1e300 is an error).
std::string field_string(const nlohmann::json& obj, const char* name, const std::string& where);
double field_number(const nlohmann::json& obj, const char* name, const std::string& where, double lo = -1e300, double hi = 1e300);
int64_t field_int(const nlohmann::json& obj, const char* name, const std::string& where, int64_t lo, int64_t hi);
bool field_bool(const nlohmann::json& obj, const char* name, const std::string& where);
// A number (range-checked) as an int, from a value already known to be a number.
int64_t json_to_int(const nlohmann::json& v, const std::string& what, int64_t lo, int64_t hi);

}  // namespace sr
