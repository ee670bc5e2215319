// safetensors reader/writer: the format, the checks the reference reader makes, typed helpers.
// See model/safetensors.h for the layout.
#include "model/safetensors.h"

#include "model/atomic_io.h"
#include "model/io.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <stdexcept>
#include <tuple>

namespace sr {

namespace {

constexpr uint64_t kMaxHeaderBytes = 100000000;  // 100 MB, the reference reader's cap

// dtype name -> bytes per element (the sub-byte F4/F6 types of newer versions are left out)
const std::map<std::string, size_t>& dtype_sizes() {
    static const std::map<std::string, size_t> sizes = {
        {"BOOL", 1}, {"U8", 1},  {"I8", 1},   {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"F8_E8M0", 1},
        {"I16", 2},  {"U16", 2}, {"F16", 2},  {"BF16", 2},    {"I32", 4},     {"U32", 4},
        {"F32", 4},  {"F64", 8}, {"I64", 8},  {"U64", 8},     {"C64", 8},
    };
    return sizes;
}

std::string known_dtypes() {
    std::string s;
    for (const auto& kv : dtype_sizes()) s += (s.empty() ? "" : " ") + kv.first;
    return s;
}

std::string shape_str(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

// numel * elem_size, or false on overflow / negative dims
bool byte_size(const std::vector<int64_t>& shape, size_t elem_size, uint64_t* out) {
    uint64_t n = elem_size;
    for (int64_t d : shape) {
        if (d < 0 || __builtin_mul_overflow(n, (uint64_t)d, &n)) return false;
    }
    *out = n;
    return true;
}

// Little-endian encode/decode of plain numbers through same-width unsigned integers, so the
// file bytes are the same whatever the host's byte order.
template <typename T, typename U>
StTensor make_tensor(const std::vector<T>& values, const std::vector<int64_t>& shape,
                     const char* dtype) {
    static_assert(sizeof(T) == sizeof(U), "width mismatch");
    const int64_t n = st_numel(shape);
    if (n < 0 || (uint64_t)n != values.size()) {
        throw std::runtime_error(std::string("st_from_") + dtype + ": " +
                                 std::to_string(values.size()) + " values do not fill shape " +
                                 shape_str(shape) + ". HINT: the product of the shape must equal "
                                 "the number of values.");
    }
    StTensor t;
    t.dtype = dtype;
    t.shape = shape;
    t.bytes.resize(values.size() * sizeof(T));
    for (size_t i = 0; i < values.size(); ++i) {
        U u;
        std::memcpy(&u, &values[i], sizeof u);
        for (size_t k = 0; k < sizeof u; ++k) t.bytes[i * sizeof u + k] = (uint8_t)(u >> (8 * k));
    }
    return t;
}

template <typename T, typename U>
std::vector<T> read_tensor(const StTensor& t, const std::string& name, const char* dtype) {
    if (t.dtype != dtype) {
        throw std::runtime_error("st_to_" + std::string(dtype) + ": tensor '" + name + "' has dtype " +
                                 t.dtype + ", not " + dtype +
                                 ". HINT: read it with the helper for its dtype, or convert it.");
    }
    if (t.bytes.size() % sizeof(T) != 0 || (int64_t)(t.bytes.size() / sizeof(T)) != st_numel(t.shape)) {
        throw std::runtime_error("st_to_" + std::string(dtype) + ": tensor '" + name + "' holds " +
                                 std::to_string(t.bytes.size()) + " bytes, which does not match shape " +
                                 shape_str(t.shape) + ". HINT: the tensor was built inconsistently.");
    }
    std::vector<T> values(t.bytes.size() / sizeof(T));
    for (size_t i = 0; i < values.size(); ++i) {
        U u = 0;
        for (size_t k = 0; k < sizeof u; ++k) u |= (U)t.bytes[i * sizeof u + k] << (8 * k);
        std::memcpy(&values[i], &u, sizeof u);
    }
    return values;
}

}  // namespace

size_t st_dtype_size(const std::string& dtype) {
    auto it = dtype_sizes().find(dtype);
    if (it == dtype_sizes().end()) {
        throw std::runtime_error("safetensors: unknown dtype '" + dtype + "'. HINT: use one of " +
                                 known_dtypes() + ".");
    }
    return it->second;
}

bool st_dtype_known(const std::string& dtype) { return dtype_sizes().count(dtype) != 0; }

int64_t st_numel(const std::vector<int64_t>& shape) {
    int64_t n = 1;
    for (int64_t d : shape) {
        if (d < 0 || __builtin_mul_overflow(n, d, &n)) return -1;
    }
    return n;
}

// ----------------------------------------------------------------------------------------------
// writing

std::string serialize_safetensors(const StFile& tensors, const StMetadata& metadata) {
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) {
        nlohmann::ordered_json meta = nlohmann::ordered_json::object();
        for (const auto& kv : metadata) meta[kv.first] = kv.second;
        header["__metadata__"] = meta;
    }
    uint64_t offset = 0;
    for (const auto& kv : tensors) {
        const std::string& name = kv.first;
        const StTensor& t = kv.second;
        if (name.empty() || name == "__metadata__") {
            throw std::runtime_error("save_safetensors: bad tensor name '" + name +
                                     "'. HINT: names must be non-empty and not \"__metadata__\".");
        }
        uint64_t size = 0;
        if (!byte_size(t.shape, st_dtype_size(t.dtype), &size) || size != t.bytes.size()) {
            throw std::runtime_error("save_safetensors: tensor '" + name + "' (" + t.dtype + ", shape " +
                                     shape_str(t.shape) + ") holds " + std::to_string(t.bytes.size()) +
                                     " bytes, expected product(shape) * dtype size. HINT: build "
                                     "tensors with st_from_f32 and friends.");
        }
        header[name] = {{"dtype", t.dtype},
                        {"shape", t.shape},
                        {"data_offsets", {offset, offset + size}}};
        offset += size;
    }
    std::string json;
    try {
        json = header.dump();
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(std::string("save_safetensors: cannot write the header: ") + e.what() +
                                 ". HINT: tensor names and metadata must be valid UTF-8.");
    }
    json.append((8 - json.size() % 8) % 8, ' ');  // pad so the data section starts 8-aligned

    std::string out;
    out.reserve(8 + json.size() + offset);
    for (int k = 0; k < 8; ++k) out += (char)(uint8_t)((uint64_t)json.size() >> (8 * k));
    out += json;
    for (const auto& kv : tensors) out.append((const char*)kv.second.bytes.data(), kv.second.bytes.size());
    return out;
}

void save_safetensors(const std::string& path, const StFile& tensors, const StMetadata& metadata) {
    write_file_atomic(path, serialize_safetensors(tensors, metadata));  // model/atomic_io.h: .tmp, fsync, rename
}

// ----------------------------------------------------------------------------------------------
// reading

StFile parse_safetensors(const std::string& file, const std::string& name, StMetadata* metadata) {
    const char* kCorrupt = "the file is not safetensors or is corrupt; write it again from its source";
    auto fail = [&](const std::string& what, const std::string& hint) {
        return std::runtime_error("safetensors '" + name + "': " + what + ". HINT: " + hint + ".");
    };

    // 1. the header length
    if (file.size() < 8) {
        throw fail("file is " + std::to_string(file.size()) +
                       " bytes, too short for the 8-byte header length (truncated)",
                   "the file was cut short (interrupted write or copy?); write it again");
    }
    uint64_t n = 0;
    for (int k = 0; k < 8; ++k) n |= (uint64_t)(uint8_t)file[k] << (8 * k);
    if (n > kMaxHeaderBytes) {
        throw fail("header length " + std::to_string(n) + " is over the 100 MB cap (header too large)",
                   kCorrupt);
    }
    if (8 + n > file.size()) {
        throw fail("header length " + std::to_string(n) + " runs past the end of the " +
                       std::to_string(file.size()) + "-byte file (truncated)",
                   "the file was cut short (interrupted write or copy?); write it again");
    }

    // 2. the JSON header: an object, no key twice (at any depth, as everywhere we read JSON)
    nlohmann::json header;
    try {
        header = parse_json_strict(file.substr(8, n), "header");
    } catch (const std::runtime_error& e) {
        throw fail(e.what(), kCorrupt);
    }
    if (!header.is_object()) {
        throw fail(std::string("header is a JSON ") + header.type_name() + ", not an object", kCorrupt);
    }

    // 3. each entry
    auto as_offset = [](const nlohmann::json& j, uint64_t* out) {
        if (!j.is_number_unsigned()) return false;  // nlohmann parses non-negative ints as unsigned
        *out = j.get<uint64_t>();
        return true;
    };
    struct Entry {
        uint64_t begin, end;
        std::string name;
    };
    std::vector<Entry> entries;
    StFile tensors;
    if (metadata) metadata->clear();
    for (auto it = header.begin(); it != header.end(); ++it) {
        const std::string& key = it.key();
        const nlohmann::json& v = it.value();
        if (key == "__metadata__") {
            if (!v.is_object()) throw fail("__metadata__ is not an object", kCorrupt);
            for (auto m = v.begin(); m != v.end(); ++m) {
                if (!m.value().is_string()) {
                    throw fail("__metadata__ value of '" + m.key() + "' is a " + m.value().type_name() +
                                   ", not a string",
                               "metadata maps strings to strings; store numbers as text");
                }
                if (metadata) (*metadata)[m.key()] = m.value().get<std::string>();
            }
            continue;
        }
        const std::string where = "tensor '" + key + "': ";
        if (!v.is_object() || v.size() != 3 || !v.contains("dtype") || !v.contains("shape") ||
            !v.contains("data_offsets")) {
            throw fail(where + "entry must be an object with exactly dtype, shape and data_offsets, got " +
                           v.dump().substr(0, 200),
                       kCorrupt);
        }
        StTensor t;
        if (!v["dtype"].is_string()) throw fail(where + "dtype is not a string", kCorrupt);
        t.dtype = v["dtype"].get<std::string>();
        if (!st_dtype_known(t.dtype)) {
            throw fail(where + "unknown dtype '" + t.dtype + "'",
                       "this reader knows " + known_dtypes() + "; convert the tensor to one of them");
        }
        if (!v["shape"].is_array()) throw fail(where + "shape is not an array", kCorrupt);
        for (const auto& d : v["shape"]) {
            uint64_t dim = 0;
            if (!as_offset(d, &dim) || dim > (uint64_t)INT64_MAX) {
                throw fail(where + "shape " + v["shape"].dump() + " has an entry that is not a "
                               "non-negative integer",
                           kCorrupt);
            }
            t.shape.push_back((int64_t)dim);
        }
        const nlohmann::json& off = v["data_offsets"];
        uint64_t begin = 0, end = 0;
        if (!off.is_array() || off.size() != 2 || !as_offset(off[0], &begin) || !as_offset(off[1], &end) ||
            end < begin) {
            throw fail(where + "data_offsets " + off.dump() + " is not [begin, end] with 0 <= begin <= end",
                       kCorrupt);
        }
        uint64_t size = 0;
        if (!byte_size(t.shape, st_dtype_size(t.dtype), &size) || size != end - begin) {
            throw fail(where + "shape " + shape_str(t.shape) + " of " + t.dtype + " needs " +
                           (byte_size(t.shape, st_dtype_size(t.dtype), &size) ? std::to_string(size)
                                                                               : std::string("too many")) +
                           " bytes but data_offsets [" + std::to_string(begin) + ", " +
                           std::to_string(end) + "] hold " + std::to_string(end - begin) +
                           " (shape/size mismatch)",
                       kCorrupt);
        }
        entries.push_back({begin, end, key});
        tensors.emplace(key, std::move(t));
    }

    // 4. offsets: sorted, contiguous from 0, no hole, no overlap; data section exactly that long
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
    });
    uint64_t expected = 0;
    for (const Entry& e : entries) {
        if (e.begin != expected) {
            throw fail("tensor '" + e.name + "' starts at data offset " + std::to_string(e.begin) +
                           " but the previous tensor ends at " + std::to_string(expected) + " (" +
                           (e.begin < expected ? "overlapping offsets" : "a hole between offsets") + ")",
                       kCorrupt);
        }
        expected = e.end;
    }
    const uint64_t data_len = file.size() - 8 - n;
    if (data_len < expected) {
        throw fail("data section is " + std::to_string(data_len) + " bytes but the header needs " +
                       std::to_string(expected) + " (truncated)",
                   "the file was cut short (interrupted write or copy?); write it again");
    }
    if (data_len > expected) {
        throw fail("data section is " + std::to_string(data_len) + " bytes but the header covers only " +
                       std::to_string(expected) + " (" + std::to_string(data_len - expected) +
                       " trailing bytes)",
                   kCorrupt);
    }

    // 5. copy each tensor's bytes
    const char* data = file.data() + 8 + n;
    for (const Entry& e : entries) {
        StTensor& t = tensors[e.name];
        t.bytes.assign(data + e.begin, data + e.end);
    }
    return tensors;
}

StFile load_safetensors(const std::string& path, StMetadata* metadata) {
    // a directory in place of the file, or a file over 16 GiB, is an error naming it
    const std::string bytes = read_file_checked(path, uint64_t(16) << 30, "check the path; checkpoints are model.safetensors in a run folder");
    return parse_safetensors(bytes, path, metadata);
}

// ----------------------------------------------------------------------------------------------
// typed helpers

StTensor st_from_f32(const std::vector<float>& v, const std::vector<int64_t>& shape) {
    return make_tensor<float, uint32_t>(v, shape, "F32");
}
StTensor st_from_f64(const std::vector<double>& v, const std::vector<int64_t>& shape) {
    return make_tensor<double, uint64_t>(v, shape, "F64");
}
StTensor st_from_i64(const std::vector<int64_t>& v, const std::vector<int64_t>& shape) {
    return make_tensor<int64_t, uint64_t>(v, shape, "I64");
}
std::vector<float> st_to_f32(const StTensor& t, const std::string& name) {
    return read_tensor<float, uint32_t>(t, name, "F32");
}
std::vector<double> st_to_f64(const StTensor& t, const std::string& name) {
    return read_tensor<double, uint64_t>(t, name, "F64");
}
std::vector<int64_t> st_to_i64(const StTensor& t, const std::string& name) {
    return read_tensor<int64_t, uint64_t>(t, name, "I64");
}

}  // namespace sr
