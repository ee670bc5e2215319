// model/io.cpp: checked file reading, strict JSON, type-checked fields (see io.h).
#include "model/io.h"

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <set>
#include <stdexcept>

namespace sr {

using json = nlohmann::json;

namespace {
[[noreturn]] void io_error(const std::string& where, const std::string& what) { throw std::runtime_error(where + ": " + what); }

// nlohmann's messages start with "[json.exception.parse_error.101] "; ours start with the file.
std::string without_json_prefix(const std::string& m) {
    if (m.rfind("[json.exception.", 0) == 0) {
        const size_t end = m.find("] ");
        if (end != std::string::npos) return m.substr(end + 2);
    }
    return m;
}

std::string num(double x) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", x);
    return b;
}

struct DuplicateKey {
    std::string key;
};
struct TooDeep {};
constexpr int kMaxJsonDepth = 100;
}  // namespace

std::string read_file_checked(const std::string& path, uint64_t max_bytes, const std::string& hint) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        io_error(path, std::string("cannot open (") + std::strerror(errno) + ")" + (hint.empty() ? "" : ". HINT: " + hint));
    if (S_ISDIR(st.st_mode)) io_error(path, "is a directory, not a file. HINT: pass the file's path, or remove the folder in its place");
    if (!S_ISREG(st.st_mode)) io_error(path, "is not a regular file (a device, pipe or socket). HINT: pass a plain file");
    if (static_cast<uint64_t>(st.st_size) > max_bytes)
        io_error(path, "is " + std::to_string(st.st_size) + " bytes, over this reader's cap of " + std::to_string(max_bytes) +
                           " bytes. HINT: is it the right file?");
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) io_error(path, std::string("cannot open (") + std::strerror(errno) + ")" + (hint.empty() ? "" : ". HINT: " + hint));
    std::string bytes(static_cast<size_t>(st.st_size), '\0');
    const size_t got = bytes.empty() ? 0 : std::fread(&bytes[0], 1, bytes.size(), f);
    const bool error = std::ferror(f) != 0;
    std::fclose(f);
    if (error) io_error(path, "read error. HINT: check the disk");
    bytes.resize(got);  // the file shrank while we read it: what was there
    return bytes;
}

json parse_json_strict(const std::string& text, const std::string& where) {
    // One set of keys per open object; a key seen twice in the same object is an error
    // (nlohmann would keep the last one silently).
    std::vector<std::set<std::string>> open_objects;
    const json::parser_callback_t check = [&](int depth, json::parse_event_t event, json& parsed) {
        if (depth > kMaxJsonDepth) throw TooDeep{};
        switch (event) {
            case json::parse_event_t::object_start: open_objects.emplace_back(); break;
            case json::parse_event_t::object_end:
                if (!open_objects.empty()) open_objects.pop_back();
                break;
            case json::parse_event_t::key:
                if (!open_objects.empty() && !open_objects.back().insert(parsed.get<std::string>()).second)
                    throw DuplicateKey{parsed.get<std::string>()};
                break;
            default: break;
        }
        return true;
    };
    try {
        return json::parse(text, check);
    } catch (const DuplicateKey& d) {
        io_error(where, "not valid JSON: the key \"" + d.key + "\" appears twice in one object. HINT: each key once");
    } catch (const TooDeep&) {
        io_error(where, "not valid JSON for us: nested more than " + std::to_string(kMaxJsonDepth) + " levels deep");
    } catch (const json::exception& e) {
        io_error(where, "not valid JSON (" + without_json_prefix(e.what()) + ")");
    }
}

json read_json_file(const std::string& path, uint64_t max_bytes) { return parse_json_strict(read_file_checked(path, max_bytes), path); }

std::vector<JsonlRow> read_jsonl_rows(const std::string& path, uint64_t max_bytes) {
    const std::string text = read_file_checked(path, max_bytes);
    std::vector<JsonlRow> rows;
    size_t start = 0;
    for (long line = 1; start < text.size(); line++) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        const std::string row = text.substr(start, end - start);
        start = end + 1;
        if (row.find_first_not_of(" \t\r") == std::string::npos) continue;  // a blank line
        const std::string where = path + ":" + std::to_string(line);
        json j = parse_json_strict(row, where);
        if (!j.is_object()) io_error(where, std::string("not a JSON object (a ") + j.type_name() + "). HINT: one JSON object per line");
        rows.push_back({std::move(j), where});
    }
    return rows;
}

// ---------------------------------------------------------------------------------------------

const char* json_type_name(JsonType t) {
    switch (t) {
        case JsonType::String: return "a string";
        case JsonType::Number: return "a number";
        case JsonType::Integer: return "an integer";
        case JsonType::Bool: return "true or false";
        case JsonType::Array: return "an array";
        case JsonType::Object: return "an object";
        case JsonType::NumberOrNull: return "a number or null";
        case JsonType::IntegerOrNull: return "an integer or null";
    }
    return "?";
}

bool json_has_type(const json& v, JsonType t) {
    switch (t) {
        case JsonType::String: return v.is_string();
        case JsonType::Number: return v.is_number();
        case JsonType::Integer: return v.is_number_integer();
        case JsonType::Bool: return v.is_boolean();
        case JsonType::Array: return v.is_array();
        case JsonType::Object: return v.is_object();
        case JsonType::NumberOrNull: return v.is_number() || v.is_null();
        case JsonType::IntegerOrNull: return v.is_number_integer() || v.is_null();
    }
    return false;
}

const json& require_field(const json& obj, const char* name, JsonType t, const std::string& where) {
    if (!obj.is_object()) io_error(where, std::string("expected an object, got ") + obj.type_name());
    const auto it = obj.find(name);
    if (it == obj.end()) io_error(where, std::string("missing field \"") + name + "\"");
    if (!json_has_type(*it, t))
        io_error(where, std::string("field \"") + name + "\" must be " + json_type_name(t) + ", got " + it->type_name());
    return *it;
}

const json& require_element(const json& arr, size_t i, JsonType t, const std::string& where) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    if (!arr.is_array() || i >= arr.size()) io_error(where, "has no element " + std::to_string(i));
    if (!json_has_type(arr[i], t)) io_error(at, std::string("must be ") + json_type_name(t) + ", got " + arr[i].type_name());
    return arr[i];
}

std::string field_string(const json& obj, const char* name, const std::string& where) {
    return require_field(obj, name, JsonType::String, where).get<std::string>();
}

double field_number(const json& obj, const char* name, const std::string& where, double lo, double hi) {
    const double v = require_field(obj, name, JsonType::Number, where).get<double>();
    if (!std::isfinite(v) || v < lo || v > hi)
        io_error(where, std::string("field \"") + name + "\" is " + num(v) + ", outside " + num(lo) + ".." + num(hi));
    return v;
}

int64_t json_to_int(const json& v, const std::string& what, int64_t lo, int64_t hi) {
    if (!v.is_number_integer()) io_error(what, std::string("must be an integer, got ") + v.type_name());
    const bool too_big = v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX);
    const int64_t x = too_big ? INT64_MAX : v.get<int64_t>();
    if (too_big || x < lo || x > hi) io_error(what, "is " + v.dump() + ", outside " + std::to_string(lo) + ".." + std::to_string(hi));
    return x;
}

int64_t field_int(const json& obj, const char* name, const std::string& where, int64_t lo, int64_t hi) {
    return json_to_int(require_field(obj, name, JsonType::Integer, where), where + ": field \"" + name + "\"", lo, hi);
}

bool field_bool(const json& obj, const char* name, const std::string& where) { return require_field(obj, name, JsonType::Bool, where).get<bool>(); }

}  // namespace sr
