// Tests for the safetensors reader/writer (model/safetensors.h): round trips, the exact byte
// layout of a known file, and one clear error for each kind of bad file.
#include "tests/catch.hpp"

#include "model/safetensors.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

using namespace sr;

namespace {

std::string tmp_path(const std::string& name) { return "/tmp/sr_test_safetensors_" + name; }

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

void write_file(const std::string& path, const std::string& contents) {
    std::ofstream f(path, std::ios::binary);
    f << contents;
}

std::string le64(uint64_t n) {
    std::string s;
    for (int k = 0; k < 8; ++k) s += (char)(uint8_t)(n >> (8 * k));
    return s;
}

// A file made by hand: the length prefix, the header as given, then `data_len` zero bytes.
std::string hand_made(const std::string& header, size_t data_len) {
    return le64(header.size()) + header + std::string(data_len, '\0');
}

// The error message that loading `contents` from a file under /tmp gives ("" if none).
std::string load_error(const std::string& tag, const std::string& contents) {
    const std::string path = tmp_path("bad_" + tag + ".safetensors");
    write_file(path, contents);
    std::string msg;
    try {
        load_safetensors(path);
    } catch (const std::runtime_error& e) {
        msg = e.what();
    }
    std::remove(path.c_str());
    // every error names the file and gives a hint
    if (!msg.empty()) {
        CHECK(msg.find(path) != std::string::npos);
        CHECK(msg.find("HINT") != std::string::npos);
    }
    return msg;
}

}  // namespace

TEST_CASE("safetensors: round trip of values, shapes, dtypes and metadata", "[safetensors]") {
    StFile in;
    in["transformer.wte.weight"] = st_from_f32({1.5f, -2.0f, 3.25f, 0.0f, 1e-30f, -7.0f}, {3, 2});
    in["transformer.h.0.ln_1.bias"] = st_from_f32({0.1f, 0.2f}, {2});
    in["step"] = st_from_i64({123456789012345LL}, {});  // a scalar
    in["moments"] = st_from_f64({1.0 / 3.0, -2.5e100}, {1, 2});
    in["empty"] = st_from_f32({}, {0, 4});
    StTensor half;
    half.dtype = "BF16";
    half.shape = {2};
    half.bytes = {0x80, 0x3f, 0x00, 0xc0};  // 1.0, -2.0 in bfloat16
    in["half"] = half;
    StMetadata meta = {{"format", "pt"}, {"note", "h\u00e9llo \"quoted\""}};

    const std::string path = tmp_path("roundtrip.safetensors");
    save_safetensors(path, in, meta);
    REQUIRE(read_file(path) == serialize_safetensors(in, meta));
    StMetadata meta_out;
    StFile out = load_safetensors(path, &meta_out);
    REQUIRE(meta_out == meta);
    REQUIRE(out.size() == in.size());
    for (const auto& kv : in) {
        INFO(kv.first);
        REQUIRE(out.count(kv.first) == 1);
        REQUIRE(out[kv.first].dtype == kv.second.dtype);
        REQUIRE(out[kv.first].shape == kv.second.shape);
        REQUIRE(out[kv.first].bytes == kv.second.bytes);
    }
    REQUIRE(st_to_f32(out["transformer.wte.weight"]) ==
            std::vector<float>{1.5f, -2.0f, 3.25f, 0.0f, 1e-30f, -7.0f});
    REQUIRE(st_to_i64(out["step"]) == std::vector<int64_t>{123456789012345LL});
    REQUIRE(st_to_f64(out["moments"]) == std::vector<double>{1.0 / 3.0, -2.5e100});
    REQUIRE(st_to_f32(out["empty"]).empty());
    REQUIRE_THROWS_WITH(st_to_f32(out["step"], "step"), Catch::Contains("'step' has dtype I64"));

    // no metadata in -> none out; the temporary file is gone after the rename
    save_safetensors(path, in);
    load_safetensors(path, &meta_out);
    REQUIRE(meta_out.empty());
    REQUIRE(!std::ifstream(path + ".tmp").good());
    std::remove(path.c_str());
}

TEST_CASE("safetensors: known byte layout of one 2x2 F32 tensor", "[safetensors]") {
    StFile f;
    f["w"] = st_from_f32({1.0f, 2.0f, 3.0f, 4.0f}, {2, 2});
    const std::string bytes = serialize_safetensors(f);

    const std::string json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}";
    REQUIRE(json.size() == 57);
    const size_t padded = 64;  // 57 rounded up to a multiple of 8, with spaces
    REQUIRE(bytes.substr(0, 8) == std::string("\x40\0\0\0\0\0\0\0", 8));
    REQUIRE(bytes.substr(8, padded) == json + "       ");
    REQUIRE(bytes.size() == 8 + padded + 16);
    // 1.0f = 0x3F800000, stored little-endian
    REQUIRE(bytes.substr(8 + padded, 4) == std::string("\x00\x00\x80\x3f", 4));
    REQUIRE(bytes.substr(8 + padded + 12, 4) == std::string("\x00\x00\x80\x40", 4));  // 4.0f

    StFile back = parse_safetensors(bytes, "memory");
    REQUIRE(st_to_f32(back["w"]) == std::vector<float>{1.0f, 2.0f, 3.0f, 4.0f});
}

TEST_CASE("safetensors: tensors are laid out in name order with metadata first", "[safetensors]") {
    StFile f;
    f["b"] = st_from_f32({2.0f}, {1});
    f["a"] = st_from_f32({1.0f, 1.0f}, {2});
    const std::string bytes = serialize_safetensors(f, {{"k", "v"}});
    const std::string header = bytes.substr(8, bytes.size() - 8 - 12);
    REQUIRE(header.size() % 8 == 0);
    REQUIRE(header.find("{\"__metadata__\":{\"k\":\"v\"},\"a\":") == 0);
    REQUIRE(header.find("\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}") !=
            std::string::npos);
    REQUIRE(header.find("\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}") !=
            std::string::npos);
}

TEST_CASE("safetensors: reads a file written by the reference layout by hand", "[safetensors]") {
    // offsets listed out of order in the JSON (as the reference writer may do), unpadded header
    const std::string header =
        "{\"b\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[8,12]},"
        "\"a\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]}}";
    std::string file = le64(header.size()) + header + std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8) +
                       std::string("\x2a\0\0\0", 4);
    StFile t = parse_safetensors(file, "mem");
    REQUIRE(t.at("a").shape == std::vector<int64_t>{4});
    REQUIRE(t.at("a").bytes[7] == 8);
    REQUIRE(t.at("b").bytes == std::vector<uint8_t>{42, 0, 0, 0});
}

TEST_CASE("safetensors: bad files are clear errors", "[safetensors]") {
    const std::string ok_entry = "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
    const std::string ok_header = "{\"w\":" + ok_entry + "}";
    REQUIRE(load_error("ok", hand_made(ok_header, 8)).empty());

    SECTION("truncated") {
        REQUIRE_THAT(load_error("short", "\x10\0\0"), Catch::Contains("truncated"));
        REQUIRE_THAT(load_error("header_cut", hand_made(ok_header, 8).substr(0, 20)),
                     Catch::Contains("truncated"));
        REQUIRE_THAT(load_error("data_cut", hand_made(ok_header, 5)), Catch::Contains("truncated"));
    }
    SECTION("header too large") {
        REQUIRE_THAT(load_error("huge", le64(200000000) + "{}"), Catch::Contains("header too large"));
    }
    SECTION("header not JSON") {
        REQUIRE_THAT(load_error("notjson", hand_made("{\"w\": nope}", 0)), Catch::Contains("not valid JSON"));
        REQUIRE_THAT(load_error("utf8", hand_made("{\"\xff\":1}", 0)), Catch::Contains("not valid JSON"));
    }
    SECTION("header a JSON array") {
        REQUIRE_THAT(load_error("array", hand_made("[1, 2]", 0)), Catch::Contains("not an object"));
    }
    SECTION("overlapping offsets") {
        const std::string h = "{\"a\":" + ok_entry +
                              ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        REQUIRE_THAT(load_error("overlap", hand_made(h, 12)), Catch::Contains("overlapping offsets"));
    }
    SECTION("a hole between offsets") {
        const std::string h = "{\"a\":" + ok_entry +
                              ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}";
        REQUIRE_THAT(load_error("hole", hand_made(h, 20)), Catch::Contains("a hole between offsets"));
        const std::string h0 = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        REQUIRE_THAT(load_error("hole0", hand_made(h0, 12)), Catch::Contains("a hole between offsets"));
    }
    SECTION("trailing bytes") {
        REQUIRE_THAT(load_error("trailing", hand_made(ok_header, 9)), Catch::Contains("1 trailing bytes"));
    }
    SECTION("unknown dtype") {
        const std::string h = "{\"w\":{\"dtype\":\"F31\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        REQUIRE_THAT(load_error("dtype", hand_made(h, 8)), Catch::Contains("unknown dtype 'F31'"));
    }
    SECTION("shape/size mismatch") {
        const std::string h = "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}";
        REQUIRE_THAT(load_error("mismatch", hand_made(h, 8)), Catch::Contains("shape/size mismatch"));
        const std::string big = "{\"w\":{\"dtype\":\"F64\",\"shape\":[4294967296,4294967296],"
                                "\"data_offsets\":[0,8]}}";
        REQUIRE_THAT(load_error("overflow", hand_made(big, 8)), Catch::Contains("shape/size mismatch"));
    }
    SECTION("malformed entries") {
        const std::string extra = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}";
        REQUIRE_THAT(load_error("extra", hand_made(extra, 8)), Catch::Contains("exactly dtype, shape"));
        const std::string neg = "{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}";
        REQUIRE_THAT(load_error("neg", hand_made(neg, 8)), Catch::Contains("non-negative integer"));
        const std::string back = "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}";
        REQUIRE_THAT(load_error("backwards", hand_made(back, 0)), Catch::Contains("begin <= end"));
        const std::string meta = "{\"__metadata__\":{\"n\":3}," + ok_header.substr(1);
        REQUIRE_THAT(load_error("meta", hand_made(meta, 8)), Catch::Contains("not a string"));
        const std::string dup = "{\"w\":" + ok_entry + ",\"w\":" + ok_entry + "}";
        REQUIRE_THAT(load_error("dup", hand_made(dup, 8)), Catch::Contains("\"w\" appears twice"));
    }
    SECTION("missing file") {
        REQUIRE_THROWS_WITH(load_safetensors("/tmp/sr_no_such_file.safetensors"),
                            Catch::Contains("cannot open"));
    }
}

TEST_CASE("safetensors: writer refuses inconsistent tensors", "[safetensors]") {
    StFile f;
    StTensor t;
    t.dtype = "F32";
    t.shape = {3};
    t.bytes.resize(8);
    f["w"] = t;
    REQUIRE_THROWS_WITH(serialize_safetensors(f), Catch::Contains("'w'"));
    f["w"].dtype = "Q7";
    REQUIRE_THROWS_WITH(serialize_safetensors(f), Catch::Contains("unknown dtype"));
    REQUIRE_THROWS(st_from_f32({1.0f, 2.0f}, {3}));
    StFile g;
    g["__metadata__"] = st_from_f32({1.0f}, {1});
    REQUIRE_THROWS(serialize_safetensors(g));
}
