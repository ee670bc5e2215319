// tensor/tensor.h: the n-dimensional array everything else is built on.
//
// A Tensor is a shape, a dtype, a device and a shared buffer. Storage is always contiguous
// and row-major (the last axis varies fastest). Views that keep contiguity (reshape, a slice
// of the first axis) share the buffer; everything else (transpose, permute, general slices,
// concat) makes a copy, which keeps every kernel simple: a kernel only ever sees a plain
// pointer and the sizes.
//
// Why a runtime dtype field instead of a template parameter? Training runs in float32, and
// gradient checks must run in float64 through exactly the same code. With a dtype field one
// Tensor type serves both, the autograd graph does not become a template, and each kernel is
// a template over T = float/double that the op dispatches to once (see tensor/ops.cpp).
#pragma once
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace sr {

enum class DType : uint8_t { F32, F64 };
enum class Device : uint8_t { CPU, CUDA };

using Shape = std::vector<int64_t>;

const char* dtype_name(DType t);  // "float32" / "float64"
size_t dtype_size(DType t);
std::string shape_str(const Shape& s);  // "(2,3)"
int64_t shape_numel(const Shape& s);

// A block of memory on one device; freed when the last Tensor using it goes away.
struct Storage {
    void* ptr = nullptr;
    size_t bytes = 0;
    Device device = Device::CPU;
    Storage(size_t bytes, Device device);
    ~Storage();
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;
};

class Tensor {
public:
    Tensor() = default;  // an empty ("undefined") tensor: defined() == false

    // ---- construction (new buffers) ----
    static Tensor empty(const Shape& shape, DType dtype = DType::F32, Device device = Device::CPU);
    static Tensor zeros(const Shape& shape, DType dtype = DType::F32, Device device = Device::CPU);
    static Tensor full(const Shape& shape, double value, DType dtype = DType::F32);
    static Tensor from(const std::vector<double>& values, const Shape& shape, DType dtype = DType::F32);
    static Tensor scalar(double value, DType dtype = DType::F32) { return full({}, value, dtype); }

    // ---- facts ----
    bool defined() const { return storage_ != nullptr; }
    const Shape& shape() const { return shape_; }
    int ndim() const { return static_cast<int>(shape_.size()); }
    int64_t size(int axis) const;  // negative axis counts from the end
    int64_t numel() const { return shape_numel(shape_); }
    DType dtype() const { return dtype_; }
    Device device() const { return device_; }
    size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype_); }
    std::string str() const;  // "float32(2,3)"

    // Raw data. data<T>() checks that T matches the dtype and that the tensor is on the CPU.
    template <typename T> T* data();
    template <typename T> const T* data() const;
    void* raw() { return static_cast<char*>(storage_->ptr) + offset_; }
    const void* raw() const { return static_cast<const char*>(storage_->ptr) + offset_; }

    // Element access by flat index, converting through double (slow; for tests and tools).
    double item() const;  // a tensor with exactly one element
    double at(int64_t flat_index) const;
    void set(int64_t flat_index, double value);
    std::vector<double> to_vector() const;
    std::vector<float> to_floats() const;

    // ---- views and copies ----
    Tensor reshape(const Shape& shape) const;  // shares the buffer; one -1 allowed
    Tensor slice0(int64_t begin, int64_t end) const;  // rows [begin, end) of axis 0, shared
    Tensor clone() const;                              // deep copy
    Tensor to(DType dtype) const;                      // copy with conversion (same dtype: clone)
    Tensor to(Device device) const;                    // explicit host <-> device copy
    void copy_from(const Tensor& src);                 // same shape and dtype, element copy
    void fill(double value);
    void zero_();

    bool same_buffer(const Tensor& other) const { return storage_ == other.storage_; }

private:
    std::shared_ptr<Storage> storage_;
    int64_t offset_ = 0;  // in bytes
    Shape shape_;
    DType dtype_ = DType::F32;
    Device device_ = Device::CPU;
};

// Throws std::runtime_error("op: message") with the op's name first (helper for every op).
[[noreturn]] void fail(const std::string& op, const std::string& message);

}  // namespace sr
