// A small reader/writer for the safetensors format (Hugging Face), the checkpoint format that
// GPT-2 tooling reads. The layout of a file:
//
//   8 bytes      N, the header length, unsigned little-endian
//   N bytes      a JSON object: tensor name -> {"dtype": "F32", "shape": [2, 2],
//                "data_offsets": [begin, end]}, plus an optional "__metadata__" object of
//                string -> string. Offsets count from the start of the data section.
//   the rest     the data section: each tensor's bytes, row-major, little-endian, back to back
//
// We write tensors in name order (StFile is a std::map), contiguous from offset 0, the JSON
// compact with "__metadata__" first, and pad the header with spaces to a multiple of 8 bytes.
// (The reference writer orders by dtype alignment first, then name; readers accept either.)
// The reader validates like the reference reader (the safetensors crate): header length cap
// (100 MB), valid JSON object, exactly dtype/shape/data_offsets per tensor, known dtype,
// byte size = product(shape) * dtype size = end - begin, offsets contiguous from 0 with no hole
// or overlap, and a data section exactly as long as the last end. Every failure is a
// std::runtime_error naming the file and the problem, with a HINT.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sr {

struct StTensor {
    std::string dtype;           // safetensors name: "F32", "F64", "I64", "I32", "F16", "BF16", ...
    std::vector<int64_t> shape;  // empty = a scalar (one element)
    std::vector<uint8_t> bytes;  // (numel * dtype size) raw little-endian values, row-major
};
using StFile = std::map<std::string, StTensor>;  // name -> tensor; written in name order
using StMetadata = std::map<std::string, std::string>;

// Bytes per element of a dtype; throws for names we do not know.
size_t st_dtype_size(const std::string& dtype);
bool st_dtype_known(const std::string& dtype);
int64_t st_numel(const std::vector<int64_t>& shape);  // product of the shape (1 for a scalar)

// Writes atomically: path + ".tmp", then rename.
void save_safetensors(const std::string& path, const StFile& tensors,
                      const StMetadata& metadata = {});
// Reads and validates; fills *metadata when given (empty if the file has none).
StFile load_safetensors(const std::string& path, StMetadata* metadata = nullptr);

// The same in memory: the whole file as bytes. `name` is what error messages call the source.
std::string serialize_safetensors(const StFile& tensors, const StMetadata& metadata = {});
StFile parse_safetensors(const std::string& file_bytes, const std::string& name,
                         StMetadata* metadata = nullptr);

// Typed helpers: make a tensor from values (values.size() must equal product(shape)), and read
// one back (throws if the dtype differs; `name` is used in that error).
StTensor st_from_f32(const std::vector<float>& values, const std::vector<int64_t>& shape);
StTensor st_from_f64(const std::vector<double>& values, const std::vector<int64_t>& shape);
StTensor st_from_i64(const std::vector<int64_t>& values, const std::vector<int64_t>& shape);
std::vector<float> st_to_f32(const StTensor& t, const std::string& name = "tensor");
std::vector<double> st_to_f64(const StTensor& t, const std::string& name = "tensor");
std::vector<int64_t> st_to_i64(const StTensor& t, const std::string& name = "tensor");

}  // namespace sr
