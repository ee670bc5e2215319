// tensor/ops.cpp: shape checks, output allocation and dispatch for every tensor op.
#include "tensor/ops.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

#include "tensor/cuda.h"
#include "tensor/dispatch.h"
#include "tensor/kernels.h"

namespace sr {

static void require_cpu(const char* op, const Tensor& a) {
    if (!a.defined()) fail(op, "input tensor is undefined");
    if (a.device() != Device::CPU)
        fail(op, a.str() + " is on the CUDA device, but this op runs on the CPU only (CUDA has matmul and softmax). "
                 "HINT: copy it with .to(Device::CPU)");
}

static void require_same_dtype(const char* op, const Tensor& a, const Tensor& b) {
    if (a.dtype() != b.dtype()) fail(op, a.str() + " and " + b.str() + ": dtypes differ");
}

int norm_axis(const char* op, int axis, const Shape& shape) {
    const int n = static_cast<int>(shape.size());
    const int a = axis < 0 ? axis + n : axis;
    if (a < 0 || a >= n) fail(op, "axis " + std::to_string(axis) + " out of range for shape " + shape_str(shape));
    return a;
}

void Rng::set_state(const std::string& text) {
    std::istringstream in(text);
    uint64_t w[4];
    int spare_flag = 0;
    std::string spare;
    if (!(in >> w[0] >> w[1] >> w[2] >> w[3] >> spare_flag >> spare))
        fail("Rng::set_state", "malformed generator state '" + text + "'");
    for (int i = 0; i < 4; i++) s_[i] = w[i];
    has_spare_ = spare_flag != 0;
    spare_ = std::strtod(spare.c_str(), nullptr);
}

// ---------------------------------------------------------------------------------------------
// Elementwise binary ops with broadcasting.

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
    const size_t n = std::max(a.size(), b.size());
    Shape out(n);
    for (size_t i = 0; i < n; i++) {
        const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
        const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
        if (da != db && da != 1 && db != 1)
            fail(op, shape_str(a) + " and " + shape_str(b) + ": shapes cannot be broadcast together");
        out[i] = da == 1 ? db : da;
    }
    return out;
}

// Strides (in elements) of `in` seen as having the broadcast shape `out`: 0 on broadcast axes.
static std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
    std::vector<int64_t> st(out.size(), 0);
    int64_t s = 1;
    for (int i = static_cast<int>(in.size()) - 1; i >= 0; i--) {
        const size_t o = out.size() - in.size() + i;
        st[o] = in[i] == 1 ? 0 : s;
        s *= in[i];
    }
    return st;
}

template <typename T, typename Op>
static void binary_kernel(T* out, const T* a, const T* b, const Shape& sa, const Shape& sb, const Shape& so, Op op) {
    const int64_t n = shape_numel(so);
    if (sa == so && sb == so) {  // same shapes: one flat loop
        kernels::parallel_for(n, n, [&](int64_t i) { out[i] = op(a[i], b[i]); });
        return;
    }
    const int64_t nb = shape_numel(sb);
    if (sa == so && nb > 0 && n % nb == 0 && sb.size() <= so.size() &&
        std::equal(sb.begin(), sb.end(), so.end() - sb.size())) {  // b repeats along leading axes (a bias)
        kernels::parallel_for(n, n, [&](int64_t i) { out[i] = op(a[i], b[i % nb]); });
        return;
    }
    // General case: walk the output index and map it to both inputs through strides.
    const auto st_a = broadcast_strides(sa, so), st_b = broadcast_strides(sb, so);
    const int nd = static_cast<int>(so.size());
    std::vector<int64_t> idx(nd, 0);
    int64_t ia = 0, ib = 0;
    for (int64_t i = 0; i < n; i++) {
        out[i] = op(a[ia], b[ib]);
        for (int d = nd - 1; d >= 0; d--) {  // increment the multi-index like an odometer
            idx[d]++;
            ia += st_a[d];
            ib += st_b[d];
            if (idx[d] < so[d]) break;
            ia -= st_a[d] * so[d];
            ib -= st_b[d] * so[d];
            idx[d] = 0;
        }
    }
}

template <typename Op> static Tensor binary(const char* name, const Tensor& a, const Tensor& b, Op op) {
    require_cpu(name, a);
    require_cpu(name, b);
    require_same_dtype(name, a, b);
    const Shape so = broadcast_shapes(a.shape(), b.shape(), name);
    Tensor out = Tensor::empty(so, a.dtype());
    dispatch(a.dtype(), [&](auto zero) {
        using T = decltype(zero);
        binary_kernel<T>(out.data<T>(), a.data<T>(), b.data<T>(), a.shape(), b.shape(), so, op);
    });
    return out;
}

Tensor add(const Tensor& a, const Tensor& b) { return binary("add", a, b, [](auto x, auto y) { return x + y; }); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary("sub", a, b, [](auto x, auto y) { return x - y; }); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary("mul", a, b, [](auto x, auto y) { return x * y; }); }
Tensor div(const Tensor& a, const Tensor& b) { return binary("div", a, b, [](auto x, auto y) { return x / y; }); }

Tensor sum_to(const Tensor& t, const Shape& shape) {
    if (t.shape() == shape) return t;
    const Shape so = broadcast_shapes(shape, t.shape(), "sum_to");
    if (so != t.shape()) fail("sum_to", "cannot reduce " + shape_str(t.shape()) + " to " + shape_str(shape));
    Tensor out = Tensor::zeros(shape, t.dtype());
    // Accumulate each element of t into the input position it was broadcast from.
    const auto st = broadcast_strides(shape, so);
    const int nd = static_cast<int>(so.size());
    dispatch(t.dtype(), [&](auto zero) {
        using T = decltype(zero);
        const T* src = t.data<T>();
        T* dst = out.data<T>();
        std::vector<int64_t> idx(nd, 0);
        int64_t io = 0;
        for (int64_t i = 0; i < t.numel(); i++) {
            dst[io] += src[i];
            for (int d = nd - 1; d >= 0; d--) {
                idx[d]++;
                io += st[d];
                if (idx[d] < so[d]) break;
                io -= st[d] * so[d];
                idx[d] = 0;
            }
        }
    });
    return out;
}

// ---------------------------------------------------------------------------------------------
// Elementwise unary ops.

template <typename Op> static Tensor unary(const char* name, const Tensor& a, Op op) {
    require_cpu(name, a);
    Tensor out = Tensor::empty(a.shape(), a.dtype());
    const int64_t n = a.numel();
    dispatch(a.dtype(), [&](auto zero) {
        using T = decltype(zero);
        const T* x = a.data<T>();
        T* y = out.data<T>();
        kernels::parallel_for(n, n, [&](int64_t i) { y[i] = static_cast<T>(op(x[i])); });
    });
    return out;
}

Tensor add_scalar(const Tensor& a, double s) { return unary("add_scalar", a, [s](auto x) { return x + s; }); }
Tensor mul_scalar(const Tensor& a, double s) { return unary("mul_scalar", a, [s](auto x) { return x * s; }); }
Tensor neg(const Tensor& a) { return unary("neg", a, [](auto x) { return -x; }); }
Tensor exp(const Tensor& a) { return unary("exp", a, [](auto x) { return std::exp(x); }); }
Tensor log(const Tensor& a) { return unary("log", a, [](auto x) { return std::log(x); }); }
Tensor sqrt(const Tensor& a) { return unary("sqrt", a, [](auto x) { return std::sqrt(x); }); }
Tensor pow(const Tensor& a, double p) { return unary("pow", a, [p](auto x) { return std::pow(x, p); }); }
Tensor tanh(const Tensor& a) { return unary("tanh", a, [](auto x) { return std::tanh(x); }); }
Tensor relu(const Tensor& a) { return unary("relu", a, [](auto x) { return x > 0 ? x : decltype(x)(0); }); }

Tensor gelu(const Tensor& a) {
    require_cpu("gelu", a);
    Tensor out = Tensor::empty(a.shape(), a.dtype());
    dispatch(a.dtype(), [&](auto zero) {
        using T = decltype(zero);
        kernels::gelu_forward<T>(out.data<T>(), a.data<T>(), a.numel());
    });
    return out;
}

void add_inplace(Tensor& dst, const Tensor& src) {
    require_cpu("add_inplace", dst);
    require_cpu("add_inplace", src);
    if (dst.shape() != src.shape() || dst.dtype() != src.dtype())
        fail("add_inplace", dst.str() + " += " + src.str() + ": shapes or dtypes differ");
    const int64_t n = dst.numel();
    dispatch(dst.dtype(), [&](auto zero) {
        using T = decltype(zero);
        T* d = dst.data<T>();
        const T* s = src.data<T>();
        kernels::parallel_for(n, n, [&](int64_t i) { d[i] += s[i]; });
    });
}

// ---------------------------------------------------------------------------------------------
// Reductions along one axis: view the tensor as (outer, len, inner).

struct AxisView {
    int64_t outer = 1, len = 1, inner = 1;
    Shape out_shape;
};

static AxisView axis_view(const char* op, const Tensor& a, int axis, bool keepdim) {
    require_cpu(op, a);
    const int ax = norm_axis(op, axis, a.shape());
    AxisView v;
    for (int i = 0; i < a.ndim(); i++) {
        if (i < ax) v.outer *= a.shape()[i];
        if (i > ax) v.inner *= a.shape()[i];
        if (i != ax) v.out_shape.push_back(a.shape()[i]);
        else if (keepdim) v.out_shape.push_back(1);
    }
    v.len = a.shape()[ax];
    return v;
}

Tensor sum(const Tensor& a, int axis, bool keepdim) {
    const AxisView v = axis_view("sum", a, axis, keepdim);
    Tensor out = Tensor::zeros(v.out_shape, a.dtype());
    dispatch(a.dtype(), [&](auto zero) {
        using T = decltype(zero);
        const T* x = a.data<T>();
        T* y = out.data<T>();
        for (int64_t o = 0; o < v.outer; o++)
            for (int64_t l = 0; l < v.len; l++)
                for (int64_t i = 0; i < v.inner; i++) y[o * v.inner + i] += x[(o * v.len + l) * v.inner + i];
    });
    return out;
}

Tensor mean(const Tensor& a, int axis, bool keepdim) {
    const int64_t len = a.size(axis);
    if (len == 0) fail("mean", "axis " + std::to_string(axis) + " of " + shape_str(a.shape()) + " is empty");
    return mul_scalar(sum(a, axis, keepdim), 1.0 / static_cast<double>(len));
}

Tensor max(const Tensor& a, int axis, bool keepdim, std::vector<int64_t>* argmax) {
    const AxisView v = axis_view("max", a, axis, keepdim);
    if (v.len == 0) fail("max", "axis " + std::to_string(axis) + " of " + shape_str(a.shape()) + " is empty");
    Tensor out = Tensor::empty(v.out_shape, a.dtype());
    if (argmax) argmax->assign(static_cast<size_t>(v.outer * v.inner), 0);
    dispatch(a.dtype(), [&](auto zero) {
        using T = decltype(zero);
        const T* x = a.data<T>();
        T* y = out.data<T>();
        for (int64_t o = 0; o < v.outer; o++)
            for (int64_t i = 0; i < v.inner; i++) {
                int64_t best = 0;
                for (int64_t l = 1; l < v.len; l++)
                    if (x[(o * v.len + l) * v.inner + i] > x[(o * v.len + best) * v.inner + i]) best = l;
                y[o * v.inner + i] = x[(o * v.len + best) * v.inner + i];
                if (argmax) (*argmax)[o * v.inner + i] = best;
            }
    });
    return out;
}

Tensor sum_all(const Tensor& a) {
    require_cpu("sum_all", a);
    double s = 0;
    dispatch(a.dtype(), [&](auto zero) {
        using T = decltype(zero);
        const T* x = a.data<T>();
        for (int64_t i = 0; i < a.numel(); i++) s += x[i];
    });
    return Tensor::scalar(s, a.dtype());
}

double dot_all(const Tensor& a, const Tensor& b) {
    require_cpu("dot_all", a);
    if (a.shape() != b.shape()) fail("dot_all", shape_str(a.shape()) + " . " + shape_str(b.shape()) + ": shapes differ");
    double s = 0;
    for (int64_t i = 0; i < a.numel(); i++) s += a.at(i) * b.at(i);
    return s;
}

// ---------------------------------------------------------------------------------------------
// matmul: BLAS on the CPU, our kernels on CUDA; the naive loops as reference.

struct MatmulDims {
    int64_t batch = 1;
    int M = 0, N = 0, K = 0;
    bool b_shared = false;  // b is 2-D and used for every batch entry
    Shape out_shape;
};

static MatmulDims matmul_dims(const char* op, const Tensor& a, const Tensor& b, bool ta, bool tb) {
    const std::string shapes = shape_str(a.shape()) + (ta ? "^T" : "") + " x " + shape_str(b.shape()) + (tb ? "^T" : "");
    if (!a.defined() || !b.defined()) fail(op, "an input tensor is undefined");
    if (a.ndim() < 2 || b.ndim() < 2) fail(op, shapes + ": both operands need at least 2 dimensions");
    require_same_dtype(op, a, b);
    if (a.device() != b.device()) fail(op, shapes + ": operands are on different devices");
    MatmulDims d;
    const int64_t am = a.size(-2), ak = a.size(-1), bk = b.size(-2), bn = b.size(-1);
    d.M = static_cast<int>(ta ? ak : am);
    d.K = static_cast<int>(ta ? am : ak);
    const int64_t kb = tb ? bn : bk;
    d.N = static_cast<int>(tb ? bk : bn);
    if (d.K != kb) fail(op, shapes + ": inner dimensions differ");
    const Shape abatch(a.shape().begin(), a.shape().end() - 2), bbatch(b.shape().begin(), b.shape().end() - 2);
    d.b_shared = b.ndim() == 2;
    if (!d.b_shared && abatch != bbatch) fail(op, shapes + ": batch dimensions differ");
    d.batch = shape_numel(abatch);
    d.out_shape = abatch;
    d.out_shape.push_back(d.M);
    d.out_shape.push_back(d.N);
    return d;
}

Tensor matmul(const Tensor& a, const Tensor& b, bool ta, bool tb) {
    const MatmulDims d = matmul_dims("matmul", a, b, ta, tb);
    Tensor out = Tensor::empty(d.out_shape, a.dtype(), a.device());
    if (a.device() == Device::CUDA) {  // the one CUDA dispatch point for matmul
        if (a.dtype() != DType::F32) fail("matmul", "CUDA matmul is float32 only, got " + a.str());
        if (d.b_shared && d.batch > 1 && !ta) {  // (batch*M, K) x (K, N) as one matrix
            cuda::matmul(static_cast<float*>(out.raw()), static_cast<const float*>(a.raw()),
                         static_cast<const float*>(b.raw()), 1, static_cast<int>(d.batch * d.M), d.N, d.K, false, tb);
        } else if (d.b_shared && d.batch > 1) {
            for (int64_t i = 0; i < d.batch; i++)
                cuda::matmul(static_cast<float*>(out.raw()) + i * d.M * d.N,
                             static_cast<const float*>(a.raw()) + i * d.M * d.K, static_cast<const float*>(b.raw()), 1,
                             d.M, d.N, d.K, ta, tb);
        } else {
            cuda::matmul(static_cast<float*>(out.raw()), static_cast<const float*>(a.raw()),
                         static_cast<const float*>(b.raw()), static_cast<int>(d.batch), d.M, d.N, d.K, ta, tb);
        }
        return out;
    }
    dispatch(a.dtype(), [&](auto zero) {
        using T = decltype(zero);
        const T* A = a.data<T>();
        const T* B = b.data<T>();
        T* C = out.data<T>();
        if (d.b_shared && !ta) {  // fold the batch into M: one big GEMM is faster than many small
            kernels::gemm(false, tb, static_cast<int>(d.batch * d.M), d.N, d.K, T(1), A, ta ? d.M : d.K, B,
                          tb ? d.K : d.N, T(0), C, d.N);
            return;
        }
        for (int64_t i = 0; i < d.batch; i++)
            kernels::gemm(ta, tb, d.M, d.N, d.K, T(1), A + i * d.M * d.K, ta ? d.M : d.K,
                          B + (d.b_shared ? 0 : i * d.K * d.N), tb ? d.K : d.N, T(0), C + i * d.M * d.N, d.N);
    });
    return out;
}

Tensor matmul_reference(const Tensor& a, const Tensor& b, bool ta, bool tb) {
    const MatmulDims d = matmul_dims("matmul_reference", a, b, ta, tb);
    require_cpu("matmul_reference", a);
    Tensor out = Tensor::empty(d.out_shape, a.dtype());
    dispatch(a.dtype(), [&](auto zero) {
        using T = decltype(zero);
        for (int64_t i = 0; i < d.batch; i++)
            kernels::matmul_naive<T>(out.data<T>() + i * d.M * d.N, a.data<T>() + i * d.M * d.K,
                                     b.data<T>() + (d.b_shared ? 0 : i * d.K * d.N), d.M, d.N, d.K, ta, tb, false);
    });
    return out;
}

// ---------------------------------------------------------------------------------------------
// softmax family

static void rows_cols(const char* op, const Tensor& a, int64_t* rows, int* cols) {
    if (!a.defined()) fail(op, "input tensor is undefined");
    if (a.ndim() < 1) fail(op, "needs at least 1 dimension, got a scalar");
    *cols = static_cast<int>(a.size(-1));
    *rows = *cols ? a.numel() / *cols : 0;
}

Tensor softmax(const Tensor& a) {
    int64_t N;
    int C;
    rows_cols("softmax", a, &N, &C);
    Tensor out = Tensor::empty(a.shape(), a.dtype(), a.device());
    if (a.device() == Device::CUDA) {  // the one CUDA dispatch point for softmax
        if (a.dtype() != DType::F32) fail("softmax", "CUDA softmax is float32 only, got " + a.str());
        cuda::softmax_forward(static_cast<float*>(out.raw()), static_cast<const float*>(a.raw()), N, C, 0);
        return out;
    }
    dispatch(a.dtype(), [&](auto zero) {
        using T = decltype(zero);
        kernels::softmax_forward<T>(out.data<T>(), a.data<T>(), N, C);
    });
    return out;
}

Tensor log_softmax(const Tensor& a) {
    require_cpu("log_softmax", a);
    int64_t N;
    int C;
    rows_cols("log_softmax", a, &N, &C);
    Tensor out = Tensor::empty(a.shape(), a.dtype());
    dispatch(a.dtype(), [&](auto zero) {
        using T = decltype(zero);
        kernels::log_softmax_forward<T>(out.data<T>(), a.data<T>(), N, C);
    });
    return out;
}

Tensor causal_mask(const Tensor& a) {
    require_cpu("causal_mask", a);
    if (a.ndim() < 2 || a.size(-1) != a.size(-2))
        fail("causal_mask", shape_str(a.shape()) + ": needs (..., T, T)");
    Tensor out = a.clone();
    const int64_t Tn = a.size(-1), mats = a.numel() / (Tn * Tn);
    dispatch(a.dtype(), [&](auto zero) {
        using T = decltype(zero);
        T* y = out.data<T>();
        for (int64_t m = 0; m < mats; m++)
            for (int64_t i = 0; i < Tn; i++)
                for (int64_t j = i + 1; j < Tn; j++) y[(m * Tn + i) * Tn + j] = -std::numeric_limits<T>::infinity();
    });
    return out;
}

// ---------------------------------------------------------------------------------------------
// Shape manipulation (copies).

Tensor permute(const Tensor& a, const std::vector<int>& order) {
    require_cpu("permute", a);
    const int nd = a.ndim();
    std::vector<bool> seen(nd, false);
    if (static_cast<int>(order.size()) != nd) fail("permute", shape_str(a.shape()) + ": order has the wrong length");
    for (int o : order) {
        if (o < 0 || o >= nd || seen[o]) fail("permute", shape_str(a.shape()) + ": order is not a permutation");
        seen[o] = true;
    }
    Shape out_shape(nd);
    std::vector<int64_t> in_strides(nd), st(nd);
    int64_t s = 1;
    for (int i = nd - 1; i >= 0; i--) {
        in_strides[i] = s;
        s *= a.shape()[i];
    }
    for (int i = 0; i < nd; i++) {
        out_shape[i] = a.shape()[order[i]];
        st[i] = in_strides[order[i]];  // stride in the input of output axis i
    }
    Tensor out = Tensor::empty(out_shape, a.dtype());
    const size_t es = dtype_size(a.dtype());
    const char* src = static_cast<const char*>(a.raw());
    char* dst = static_cast<char*>(out.raw());
    std::vector<int64_t> idx(nd, 0);
    int64_t in = 0;
    for (int64_t i = 0; i < out.numel(); i++) {
        std::memcpy(dst + i * es, src + in * es, es);
        for (int d = nd - 1; d >= 0; d--) {
            idx[d]++;
            in += st[d];
            if (idx[d] < out_shape[d]) break;
            in -= st[d] * out_shape[d];
            idx[d] = 0;
        }
    }
    return out;
}

Tensor transpose(const Tensor& a, int axis0, int axis1) {
    std::vector<int> order(a.ndim());
    for (int i = 0; i < a.ndim(); i++) order[i] = i;
    const int x = norm_axis("transpose", axis0, a.shape()), y = norm_axis("transpose", axis1, a.shape());
    std::swap(order[x], order[y]);
    return permute(a, order);
}

Tensor slice(const Tensor& a, int axis, int64_t begin, int64_t end) {
    require_cpu("slice", a);
    const int ax = norm_axis("slice", axis, a.shape());
    const int64_t len = a.shape()[ax];
    if (begin < 0 || end > len || begin > end)
        fail("slice", "[" + std::to_string(begin) + "," + std::to_string(end) + ") out of range for axis " +
                          std::to_string(axis) + " of " + shape_str(a.shape()));
    Shape out_shape = a.shape();
    out_shape[ax] = end - begin;
    Tensor out = Tensor::empty(out_shape, a.dtype());
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < ax; i++) outer *= a.shape()[i];
    for (int i = ax + 1; i < a.ndim(); i++) inner *= a.shape()[i];
    const size_t es = dtype_size(a.dtype());
    const char* src = static_cast<const char*>(a.raw());
    char* dst = static_cast<char*>(out.raw());
    for (int64_t o = 0; o < outer; o++)
        std::memcpy(dst + o * (end - begin) * inner * es, src + (o * len + begin) * inner * es, (end - begin) * inner * es);
    return out;
}

Tensor concat(const std::vector<Tensor>& parts, int axis) {
    if (parts.empty()) fail("concat", "no tensors given");
    const Tensor& first = parts[0];
    const int ax = norm_axis("concat", axis, first.shape());
    Shape out_shape = first.shape();
    out_shape[ax] = 0;
    for (const Tensor& p : parts) {
        require_cpu("concat", p);
        require_same_dtype("concat", first, p);
        bool ok = p.ndim() == first.ndim();
        for (int i = 0; ok && i < p.ndim(); i++) ok = i == ax || p.shape()[i] == first.shape()[i];
        if (!ok) fail("concat", shape_str(first.shape()) + " and " + shape_str(p.shape()) + ": shapes differ off axis " + std::to_string(axis));
        out_shape[ax] += p.shape()[ax];
    }
    Tensor out = Tensor::empty(out_shape, first.dtype());
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < ax; i++) outer *= out_shape[i];
    for (int i = ax + 1; i < first.ndim(); i++) inner *= out_shape[i];
    const size_t es = dtype_size(first.dtype());
    char* dst = static_cast<char*>(out.raw());
    int64_t at = 0;
    for (const Tensor& p : parts) {
        const int64_t len = p.shape()[ax];
        const char* src = static_cast<const char*>(p.raw());
        for (int64_t o = 0; o < outer; o++)
            std::memcpy(dst + (o * out_shape[ax] + at) * inner * es, src + o * len * inner * es, len * inner * es);
        at += len;
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Random tensors.

Tensor randn(const Shape& shape, Rng& rng, double std, DType dtype) {
    Tensor t = Tensor::empty(shape, dtype);
    for (int64_t i = 0; i < t.numel(); i++) t.set(i, rng.normal() * std);
    return t;
}

Tensor rand_uniform(const Shape& shape, Rng& rng, double lo, double hi, DType dtype) {
    Tensor t = Tensor::empty(shape, dtype);
    for (int64_t i = 0; i < t.numel(); i++) t.set(i, lo + (hi - lo) * rng.uniform());
    return t;
}

Tensor dropout_mask(const Shape& shape, double p, uint64_t seed, DType dtype) {
    if (p < 0 || p >= 1) fail("dropout", "probability must be in [0, 1), got " + std::to_string(p));
    Tensor t = Tensor::empty(shape, dtype);
    const double keep = 1.0 / (1.0 - p);
    const int64_t n = t.numel();
    dispatch(dtype, [&](auto zero) {
        using T = decltype(zero);
        T* m = t.data<T>();
        kernels::parallel_for(n, n, [&](int64_t i) { m[i] = hash_uniform(seed, static_cast<uint64_t>(i)) < p ? T(0) : T(keep); });
    });
    return t;
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
    if (a.shape() != b.shape()) fail("max_abs_diff", shape_str(a.shape()) + " vs " + shape_str(b.shape()) + ": shapes differ");
    double m = 0;
    for (int64_t i = 0; i < a.numel(); i++) m = std::max(m, std::fabs(a.at(i) - b.at(i)));
    return m;
}

bool all_finite(const Tensor& a) {
    for (int64_t i = 0; i < a.numel(); i++)
        if (!std::isfinite(a.at(i))) return false;
    return true;
}

}  // namespace sr
