// autograd/ops.cpp: each op's forward, and right below it the closure that is its backward.
// In a closure, `self` is the output node; self.grad is dL/d(output); self.inputs[i] are the
// inputs, each of which receives its share with accumulate() (+=).
#include "autograd/ops.h"

#include <cmath>
#include <limits>

#include "tensor/dispatch.h"
#include "tensor/kernels.h"
#include "tensor/ops.h"

namespace sr {

static bool wants(const Node& self, size_t i) { return self.inputs[i]->requires_grad; }

// A gradient that does not exist yet can be written directly instead of zeroed and then added
// to (one pass over memory less): this gives n an uninitialised gradient when it has none and
// says so (true: the caller must overwrite every element, not add).
static bool fresh_grad(Node& n) {
    if (n.grad.defined()) return false;
    n.grad = Tensor::empty(n.data.shape(), n.data.dtype());
    return true;
}

// ---------------------------------------------------------------------------------------------
// elementwise binary: the gradient of a broadcast input is summed back to its shape

Var add(const Var& a, const Var& b) {
    return make_node(sr::add(a->data, b->data), "add", {a, b}, [](Node& self) {
        if (wants(self, 0)) self.inputs[0]->accumulate(sum_to(self.grad, self.inputs[0]->data.shape()));
        if (wants(self, 1)) self.inputs[1]->accumulate(sum_to(self.grad, self.inputs[1]->data.shape()));
    });
}

Var sub(const Var& a, const Var& b) {
    return make_node(sr::sub(a->data, b->data), "sub", {a, b}, [](Node& self) {
        if (wants(self, 0)) self.inputs[0]->accumulate(sum_to(self.grad, self.inputs[0]->data.shape()));
        if (wants(self, 1)) self.inputs[1]->accumulate(sum_to(sr::neg(self.grad), self.inputs[1]->data.shape()));
    });
}

Var mul(const Var& a, const Var& b) {
    return make_node(sr::mul(a->data, b->data), "mul", {a, b}, [](Node& self) {
        const Tensor &x = self.inputs[0]->data, &y = self.inputs[1]->data;
        if (wants(self, 0)) self.inputs[0]->accumulate(sum_to(sr::mul(self.grad, y), x.shape()));
        if (wants(self, 1)) self.inputs[1]->accumulate(sum_to(sr::mul(self.grad, x), y.shape()));
    });
}

Var div(const Var& a, const Var& b) {
    return make_node(sr::div(a->data, b->data), "div", {a, b}, [](Node& self) {
        const Tensor &x = self.inputs[0]->data, &y = self.inputs[1]->data;
        // d(x/y)/dx = 1/y ; d(x/y)/dy = -x/y^2 = -out/y
        if (wants(self, 0)) self.inputs[0]->accumulate(sum_to(sr::div(self.grad, y), x.shape()));
        if (wants(self, 1))
            self.inputs[1]->accumulate(sum_to(sr::neg(sr::div(sr::mul(self.grad, self.data), y)), y.shape()));
    });
}

// ---------------------------------------------------------------------------------------------
// elementwise unary

Var add_scalar(const Var& a, double s) {
    return make_node(sr::add_scalar(a->data, s), "add_scalar", {a}, [](Node& self) { self.inputs[0]->accumulate(self.grad); });
}

Var mul_scalar(const Var& a, double s) {
    return make_node(sr::mul_scalar(a->data, s), "mul_scalar", {a},
                     [s](Node& self) { self.inputs[0]->accumulate(sr::mul_scalar(self.grad, s)); });
}

Var neg(const Var& a) {
    return make_node(sr::neg(a->data), "neg", {a}, [](Node& self) { self.inputs[0]->accumulate(sr::neg(self.grad)); });
}

Var exp(const Var& a) {
    return make_node(sr::exp(a->data), "exp", {a},
                     [](Node& self) { self.inputs[0]->accumulate(sr::mul(self.grad, self.data)); });  // d e^x = e^x
}

Var log(const Var& a) {
    return make_node(sr::log(a->data), "log", {a},
                     [](Node& self) { self.inputs[0]->accumulate(sr::div(self.grad, self.inputs[0]->data)); });
}

Var sqrt(const Var& a) {
    return make_node(sr::sqrt(a->data), "sqrt", {a}, [](Node& self) {  // d sqrt(x) = 1 / (2 sqrt(x))
        self.inputs[0]->accumulate(sr::div(self.grad, sr::mul_scalar(self.data, 2.0)));
    });
}

Var pow(const Var& a, double p) {
    return make_node(sr::pow(a->data, p), "pow", {a}, [p](Node& self) {  // d x^p = p x^(p-1)
        self.inputs[0]->accumulate(sr::mul(self.grad, sr::mul_scalar(sr::pow(self.inputs[0]->data, p - 1), p)));
    });
}

Var tanh(const Var& a) {
    return make_node(sr::tanh(a->data), "tanh", {a}, [](Node& self) {  // d tanh = 1 - tanh^2
        self.inputs[0]->accumulate(sr::mul(self.grad, sr::add_scalar(sr::neg(sr::mul(self.data, self.data)), 1.0)));
    });
}

Var relu(const Var& a) {
    return make_node(sr::relu(a->data), "relu", {a}, [](Node& self) {
        Tensor g = self.grad.clone();
        for (int64_t i = 0; i < g.numel(); i++)
            if (self.inputs[0]->data.at(i) <= 0) g.set(i, 0.0);
        self.inputs[0]->accumulate(g);
    });
}

Var gelu(const Var& a) {
    return make_node(sr::gelu(a->data), "gelu", {a}, [](Node& self) {
        Node& in = *self.inputs[0];
        const bool fresh = fresh_grad(in);
        dispatch(in.data.dtype(), [&](auto zero) {
            using T = decltype(zero);
            kernels::gelu_backward<T>(in.grad.data<T>(), in.data.data<T>(), self.grad.data<T>(), in.data.numel(), !fresh);
        });
    });
}

Var log_sigmoid(const Var& a) {
    // log sigmoid(x) = min(x, 0) - log(1 + e^-|x|): never exponentiates a large positive number
    Tensor out = Tensor::empty(a->data.shape(), a->data.dtype());
    for (int64_t i = 0; i < out.numel(); i++) {
        const double x = a->data.at(i);
        out.set(i, std::min(x, 0.0) - std::log1p(std::exp(-std::fabs(x))));
    }
    return make_node(out, "log_sigmoid", {a}, [](Node& self) {  // d/dx = 1 - sigmoid(x) = sigmoid(-x)
        Tensor g = self.grad.clone();
        for (int64_t i = 0; i < g.numel(); i++) g.set(i, g.at(i) / (1.0 + std::exp(self.inputs[0]->data.at(i))));
        self.inputs[0]->accumulate(g);
    });
}

// ---------------------------------------------------------------------------------------------
// reductions

// Repeats g (the reduced shape, keepdim or not) back along `axis` to `shape`.
static Tensor expand_along(const Tensor& g, const Shape& shape, int axis) {
    Shape kept = shape;
    kept[norm_axis("sum", axis, shape)] = 1;
    return sr::add(Tensor::zeros(shape, g.dtype()), g.reshape(kept));
}

Var sum(const Var& a, int axis, bool keepdim) {
    return make_node(sr::sum(a->data, axis, keepdim), "sum", {a}, [axis](Node& self) {
        self.inputs[0]->accumulate(expand_along(self.grad, self.inputs[0]->data.shape(), axis));
    });
}

Var mean(const Var& a, int axis, bool keepdim) {
    const double n = static_cast<double>(a->data.size(axis));
    return make_node(sr::mean(a->data, axis, keepdim), "mean", {a}, [axis, n](Node& self) {
        self.inputs[0]->accumulate(sr::mul_scalar(expand_along(self.grad, self.inputs[0]->data.shape(), axis), 1.0 / n));
    });
}

Var max(const Var& a, int axis, bool keepdim) {
    std::vector<int64_t> argmax;
    Tensor out = sr::max(a->data, axis, keepdim, &argmax);
    return make_node(out, "max", {a}, [axis, argmax](Node& self) {
        const Shape& shape = self.inputs[0]->data.shape();
        const int ax = norm_axis("max", axis, shape);
        int64_t len = shape[ax], inner = 1;
        for (size_t i = ax + 1; i < shape.size(); i++) inner *= shape[i];
        Tensor g = Tensor::zeros(shape, self.grad.dtype());
        for (size_t r = 0; r < argmax.size(); r++) {  // r = outer * inner + i
            const int64_t o = static_cast<int64_t>(r) / inner, i = static_cast<int64_t>(r) % inner;
            g.set((o * len + argmax[r]) * inner + i, self.grad.at(static_cast<int64_t>(r)));
        }
        self.inputs[0]->accumulate(g);
    });
}

Var sum_all(const Var& a) {
    return make_node(sr::sum_all(a->data), "sum_all", {a}, [](Node& self) {
        self.inputs[0]->accumulate(Tensor::full(self.inputs[0]->data.shape(), self.grad.item(), self.grad.dtype()));
    });
}

Var mean_all(const Var& a) {
    const double n = static_cast<double>(a->data.numel());
    return make_node(sr::mul_scalar(sr::sum_all(a->data), 1.0 / n), "mean_all", {a}, [n](Node& self) {
        self.inputs[0]->accumulate(Tensor::full(self.inputs[0]->data.shape(), self.grad.item() / n, self.grad.dtype()));
    });
}

// ---------------------------------------------------------------------------------------------
// linear algebra

Var matmul(const Var& a, const Var& b, bool ta, bool tb) {
    return make_node(sr::matmul(a->data, b->data, ta, tb), "matmul", {a, b}, [ta, tb](Node& self) {
        const Tensor &A = self.inputs[0]->data, &B = self.inputs[1]->data, &G = self.grad;
        // C = op(A) op(B):  d op(A) = G op(B)^T,  d op(B) = op(A)^T G; then undo the op.
        if (wants(self, 0)) {
            Tensor dA = ta ? sr::matmul(B, G, tb, true) : sr::matmul(G, B, false, !tb);
            self.inputs[0]->accumulate(dA);
        }
        if (wants(self, 1)) {
            Tensor dB;
            if (B.ndim() == 2 && A.ndim() > 2) {  // shared b: fold the batch of A and G into rows
                const Tensor A2 = A.reshape({-1, A.size(-1)}), G2 = G.reshape({-1, G.size(-1)});
                if (ta) {  // batch of op(A) = A^T can't fold; sum per-batch products
                    dB = Tensor::zeros(B.shape(), B.dtype());
                    const int64_t nb = A.numel() / (A.size(-1) * A.size(-2));
                    for (int64_t i = 0; i < nb; i++) {
                        const Tensor Ai = A.reshape({nb, A.size(-2), A.size(-1)}).slice0(i, i + 1).reshape({A.size(-2), A.size(-1)});
                        const Tensor Gi = G.reshape({nb, G.size(-2), G.size(-1)}).slice0(i, i + 1).reshape({G.size(-2), G.size(-1)});
                        add_inplace(dB, tb ? sr::matmul(Gi, Ai, true, true) : sr::matmul(Ai, Gi, false, false));
                    }
                } else {
                    dB = tb ? sr::matmul(G2, A2, true, false) : sr::matmul(A2, G2, true, false);
                }
            } else {
                dB = tb ? sr::matmul(G, A, true, ta) : sr::matmul(A, G, !ta, false);
            }
            self.inputs[1]->accumulate(dB);
        }
    });
}

Var linear(const Var& x, const Var& w, const Var& b) {
    // x (N.., in), w (in, out), b (out) -> (N.., out). One GEMM plus the bias, no copies.
    const Tensor& X = x->data;
    const Tensor& W = w->data;
    if (W.ndim() != 2 || X.ndim() < 1 || X.size(-1) != W.size(0))
        fail("linear", shape_str(X.shape()) + " x " + shape_str(W.shape()) + ": inner dimensions differ");
    if (b && (b->data.ndim() != 1 || b->data.size(0) != W.size(1)))
        fail("linear", "bias " + shape_str(b->data.shape()) + " does not match weight " + shape_str(W.shape()));
    const int64_t N = X.numel() / W.size(0);
    const int in = static_cast<int>(W.size(0)), outc = static_cast<int>(W.size(1));
    Shape out_shape = X.shape();
    out_shape.back() = outc;
    Tensor out = Tensor::empty(out_shape, X.dtype());
    dispatch(X.dtype(), [&](auto zero) {
        using T = decltype(zero);
        T* o = out.data<T>();
        if (b) {  // start from the bias in every row, then C += X W
            const T* bias = b->data.data<T>();
            kernels::parallel_for(N, N * outc, [&](int64_t i) { std::copy(bias, bias + outc, o + i * outc); });
        }
        kernels::gemm(false, false, static_cast<int>(N), outc, in, T(1), X.data<T>(), in, W.data<T>(), outc,
                      b ? T(1) : T(0), o, outc);
    });
    std::vector<Var> inputs{x, w};
    if (b) inputs.push_back(b);
    return make_node(out, "linear", inputs, [N, in, outc](Node& self) {
        const Tensor &X = self.inputs[0]->data, &W = self.inputs[1]->data, &G = self.grad;
        // A fresh gradient buffer is written with beta = 0 (see fresh_grad).
        auto grad_target = [](Node& n, auto zero, decltype(zero)* beta) {
            using T = decltype(zero);
            *beta = fresh_grad(n) ? T(0) : T(1);
            return n.grad.data<T>();
        };
        dispatch(X.dtype(), [&](auto zero) {
            using T = decltype(zero);
            const int n = static_cast<int>(N);
            T beta;
            if (wants(self, 0)) {  // dx (N,in) += G (N,out) W^T
                T* dx = grad_target(*self.inputs[0], zero, &beta);
                kernels::gemm(false, true, n, in, outc, T(1), G.data<T>(), outc, W.data<T>(), outc, beta, dx, in);
            }
            if (wants(self, 1)) {  // dw (in,out) += X^T (in,N) G (N,out)
                T* dw = grad_target(*self.inputs[1], zero, &beta);
                kernels::gemm(true, false, in, outc, n, T(1), X.data<T>(), in, G.data<T>(), outc, beta, dw, outc);
            }
            if (self.inputs.size() > 2 && wants(self, 2)) {  // db (out) += column sums of G
                T* db = self.inputs[2]->grad_buffer().data<T>();
                const T* g = G.data<T>();
                // In parallel over blocks of 64 columns; each column adds its rows in order, so
                // the sums do not depend on the thread count.
                const int64_t blocks = (outc + 63) / 64;
                kernels::parallel_for(blocks, N * outc, [&](int64_t blk) {
                    const int j0 = static_cast<int>(blk * 64), j1 = std::min(outc, j0 + 64);
                    for (int64_t i = 0; i < N; i++) {
#pragma omp simd
                        for (int j = j0; j < j1; j++) db[j] += g[i * outc + j];
                    }
                });
            }
        });
    });
}

// ---------------------------------------------------------------------------------------------
// softmax family and layernorm

static void rows_of(const Tensor& t, int64_t* N, int* C) {
    *C = static_cast<int>(t.size(-1));
    *N = *C ? t.numel() / *C : 0;
}

Var softmax(const Var& a) {
    return make_node(sr::softmax(a->data), "softmax", {a}, [](Node& self) {
        int64_t N;
        int C;
        rows_of(self.data, &N, &C);
        Tensor& dx = self.inputs[0]->grad_buffer();
        dispatch(self.data.dtype(), [&](auto zero) {
            using T = decltype(zero);
            kernels::softmax_backward<T>(dx.data<T>(), self.grad.data<T>(), self.data.data<T>(), N, C);
        });
    });
}

Var log_softmax(const Var& a) {
    return make_node(sr::log_softmax(a->data), "log_softmax", {a}, [](Node& self) {
        int64_t N;
        int C;
        rows_of(self.data, &N, &C);
        Tensor& dx = self.inputs[0]->grad_buffer();
        dispatch(self.data.dtype(), [&](auto zero) {
            using T = decltype(zero);
            kernels::log_softmax_backward<T>(dx.data<T>(), self.grad.data<T>(), self.data.data<T>(), N, C);
        });
    });
}

Var causal_mask(const Var& a) {
    return make_node(sr::causal_mask(a->data), "causal_mask", {a}, [](Node& self) {
        Tensor g = self.grad.clone();  // masked entries are constants: no gradient
        const int64_t Tn = g.size(-1), mats = g.numel() / (Tn * Tn);
        for (int64_t m = 0; m < mats; m++)
            for (int64_t i = 0; i < Tn; i++)
                for (int64_t j = i + 1; j < Tn; j++) g.set((m * Tn + i) * Tn + j, 0.0);
        self.inputs[0]->accumulate(g);
    });
}

Var layernorm(const Var& x, const Var& weight, const Var& bias, double eps) {
    const Tensor& X = x->data;
    int64_t N;
    int C;
    rows_of(X, &N, &C);
    if (weight->data.shape() != Shape{C} || bias->data.shape() != Shape{C})
        fail("layernorm", "input " + shape_str(X.shape()) + " needs weight and bias of shape (" + std::to_string(C) +
                              "), got " + shape_str(weight->data.shape()) + " and " + shape_str(bias->data.shape()));
    Tensor out = Tensor::empty(X.shape(), X.dtype());
    Tensor mean = Tensor::empty({N}, X.dtype()), rstd = Tensor::empty({N}, X.dtype());
    dispatch(X.dtype(), [&](auto zero) {
        using T = decltype(zero);
        kernels::layernorm_forward<T>(out.data<T>(), mean.data<T>(), rstd.data<T>(), X.data<T>(), weight->data.data<T>(),
                                      bias->data.data<T>(), N, C, static_cast<T>(eps));
    });
    return make_node(out, "layernorm", {x, weight, bias}, [mean, rstd, N, C](Node& self) {
        const Tensor& X = self.inputs[0]->data;
        dispatch(X.dtype(), [&](auto zero) {
            using T = decltype(zero);
            T* dx = wants(self, 0) ? self.inputs[0]->grad_buffer().data<T>() : nullptr;
            T* dw = wants(self, 1) ? self.inputs[1]->grad_buffer().data<T>() : nullptr;
            T* db = wants(self, 2) ? self.inputs[2]->grad_buffer().data<T>() : nullptr;
            kernels::layernorm_backward<T>(dx, dw, db, self.grad.data<T>(), X.data<T>(), self.inputs[1]->data.data<T>(),
                                           mean.data<T>(), rstd.data<T>(), N, C);
        });
    });
}

// ---------------------------------------------------------------------------------------------
// language-model pieces

Var embedding(const Var& table, const std::vector<int>& ids, const Shape& shape) {
    const Tensor& W = table->data;
    if (W.ndim() != 2) fail("embedding", "table must be (V, C), got " + shape_str(W.shape()));
    const int64_t V = W.size(0), N = static_cast<int64_t>(ids.size());
    const int C = static_cast<int>(W.size(1));
    for (int id : ids)
        if (id < 0 || id >= V) fail("embedding", "id " + std::to_string(id) + " out of range for a table of " + shape_str(W.shape()));
    Shape out_shape = shape.empty() ? Shape{N} : shape;
    if (shape_numel(out_shape) != N) fail("embedding", std::to_string(N) + " ids do not fit shape " + shape_str(shape));
    out_shape.push_back(C);
    Tensor out = Tensor::empty(out_shape, W.dtype());
    dispatch(W.dtype(), [&](auto zero) {
        using T = decltype(zero);
        kernels::embedding_forward<T>(out.data<T>(), W.data<T>(), ids.data(), N, C);
    });
    return make_node(out, "embedding", {table}, [ids, N, C](Node& self) {
        dispatch(self.grad.dtype(), [&](auto zero) {
            using T = decltype(zero);
            kernels::embedding_backward<T>(self.inputs[0]->grad_buffer().data<T>(), self.grad.data<T>(), ids.data(), N, C);
        });
    });
}

static void check_targets(const char* op, int64_t N, int V, const std::vector<int>& targets, const std::vector<float>* mask) {
    if (static_cast<int64_t>(targets.size()) != N)
        fail(op, std::to_string(targets.size()) + " targets for " + std::to_string(N) + " rows of logits");
    if (mask && !mask->empty() && static_cast<int64_t>(mask->size()) != N)
        fail(op, "mask has " + std::to_string(mask->size()) + " entries for " + std::to_string(N) + " rows");
    for (int64_t i = 0; i < N; i++) {
        const bool used = !mask || mask->empty() || (*mask)[i] != 0;
        if (used && (targets[i] < 0 || targets[i] >= V))
            fail(op, "target " + std::to_string(targets[i]) + " at row " + std::to_string(i) + " out of range [0," + std::to_string(V) + ")");
    }
}

Var cross_entropy(const Var& logits, const std::vector<int>& targets, const std::vector<float>& mask) {
    const Tensor& L = logits->data;
    int64_t N;
    int V;
    rows_of(L, &N, &V);
    check_targets("cross_entropy", N, V, targets, &mask);
    Tensor probs = Tensor::empty({N, V}, L.dtype());
    Tensor m;  // the mask in the logits' dtype (undefined when there is none)
    if (!mask.empty()) {
        m = Tensor::empty({N}, L.dtype());
        for (int64_t i = 0; i < N; i++) m.set(i, mask[i]);
    }
    double denom = 0, loss = 0;
    dispatch(L.dtype(), [&](auto zero) {
        using T = decltype(zero);
        std::vector<T> losses(N);
        loss = kernels::crossentropy_forward<T>(probs.data<T>(), losses.data(), L.data<T>(), targets.data(),
                                               m.defined() ? m.data<T>() : nullptr, N, V, &denom);
    });
    return make_node(Tensor::scalar(loss, L.dtype()), "cross_entropy", {logits}, [probs, m, targets, denom, N, V](Node& self) {
        if (denom <= 0) return;  // everything masked: the loss is a constant 0
        dispatch(probs.dtype(), [&](auto zero) {
            using T = decltype(zero);
            kernels::crossentropy_backward<T>(self.inputs[0]->grad_buffer().data<T>(), probs.data<T>(), targets.data(),
                                              m.defined() ? m.data<T>() : nullptr, N, V, self.grad.item() / denom);
        });
    });
}

Var token_logprobs(const Var& logits, const std::vector<int>& targets) {
    const Tensor& L = logits->data;
    int64_t N;
    int V;
    rows_of(L, &N, &V);
    check_targets("token_logprobs", N, V, targets, nullptr);
    Tensor logp = sr::log_softmax(L);  // (N, V), kept: backward needs softmax = exp(logp)
    Shape out_shape(L.shape().begin(), L.shape().end() - 1);
    Tensor out = Tensor::empty(out_shape, L.dtype());
    for (int64_t i = 0; i < N; i++) out.set(i, logp.at(i * V + targets[i]));
    return make_node(out, "token_logprobs", {logits}, [logp, targets, N, V](Node& self) {
        // d logp_i[t] / d logits_i = onehot(t) - softmax_i
        dispatch(logp.dtype(), [&](auto zero) {
            using T = decltype(zero);
            T* d = self.inputs[0]->grad_buffer().data<T>();
            const T* lp = logp.data<T>();
            const T* g = self.grad.data<T>();
            for (int64_t i = 0; i < N; i++) {
                for (int v = 0; v < V; v++) d[i * V + v] -= g[i] * std::exp(lp[i * V + v]);
                d[i * V + targets[i]] += g[i];
            }
        });
    });
}

Var attention(const Var& qkv, int n_head) {
    const Tensor& X = qkv->data;
    if (X.ndim() != 3 || X.size(2) % 3 != 0) fail("attention", "qkv must be (B, T, 3C), got " + shape_str(X.shape()));
    const int B = static_cast<int>(X.size(0)), Tn = static_cast<int>(X.size(1)), C = static_cast<int>(X.size(2) / 3);
    if (n_head <= 0 || C % n_head != 0)
        fail("attention", "channels " + std::to_string(C) + " not divisible by " + std::to_string(n_head) + " heads");
    Tensor out = Tensor::empty({B, Tn, C}, X.dtype());
    Tensor att = Tensor::empty({B, n_head, Tn, Tn}, X.dtype());  // softmax probabilities, for backward
    dispatch(X.dtype(), [&](auto zero) {
        using T = decltype(zero);
        kernels::attention_forward<T>(out.data<T>(), att.data<T>(), X.data<T>(), B, Tn, C, n_head);
    });
    return make_node(out, "attention", {qkv}, [att, B, Tn, C, n_head](Node& self) {
        dispatch(att.dtype(), [&](auto zero) {
            using T = decltype(zero);
            kernels::attention_backward<T>(self.inputs[0]->grad_buffer().data<T>(), self.grad.data<T>(),
                                           self.inputs[0]->data.data<T>(), att.data<T>(), B, Tn, C, n_head);
        });
    });
}

Var dropout(const Var& a, double p, uint64_t seed) {
    if (p == 0.0) return a;
    Tensor mask = dropout_mask(a->data.shape(), p, seed, a->data.dtype());
    return make_node(sr::mul(a->data, mask), "dropout", {a},
                     [mask](Node& self) { self.inputs[0]->accumulate(sr::mul(self.grad, mask)); });
}

// ---------------------------------------------------------------------------------------------
// shape

Var reshape(const Var& a, const Shape& shape) {
    return make_node(a->data.reshape(shape), "reshape", {a}, [](Node& self) {
        self.inputs[0]->accumulate(self.grad.reshape(self.inputs[0]->data.shape()));
    });
}

Var transpose(const Var& a, int axis0, int axis1) {
    return make_node(sr::transpose(a->data, axis0, axis1), "transpose", {a}, [axis0, axis1](Node& self) {
        self.inputs[0]->accumulate(sr::transpose(self.grad, axis0, axis1));
    });
}

Var permute(const Var& a, const std::vector<int>& order) {
    return make_node(sr::permute(a->data, order), "permute", {a}, [order](Node& self) {
        std::vector<int> inverse(order.size());
        for (size_t i = 0; i < order.size(); i++) inverse[order[i]] = static_cast<int>(i);
        self.inputs[0]->accumulate(sr::permute(self.grad, inverse));
    });
}

Var slice(const Var& a, int axis, int64_t begin, int64_t end) {
    return make_node(sr::slice(a->data, axis, begin, end), "slice", {a}, [axis, begin, end](Node& self) {
        const Shape& shape = self.inputs[0]->data.shape();
        const int ax = norm_axis("slice", axis, shape);
        std::vector<Tensor> parts;  // zeros | grad | zeros along the axis
        Shape before = shape, after = shape;
        before[ax] = begin;
        after[ax] = shape[ax] - end;
        if (begin > 0) parts.push_back(Tensor::zeros(before, self.grad.dtype()));
        parts.push_back(self.grad);
        if (after[ax] > 0) parts.push_back(Tensor::zeros(after, self.grad.dtype()));
        self.inputs[0]->accumulate(sr::concat(parts, ax));
    });
}

Var concat(const std::vector<Var>& parts, int axis) {
    std::vector<Tensor> data;
    for (const Var& p : parts) data.push_back(p->data);
    return make_node(sr::concat(data, axis), "concat", parts, [axis](Node& self) {
        int64_t at = 0;
        for (auto& in : self.inputs) {
            const int64_t len = in->data.size(axis);
            if (in->requires_grad) in->accumulate(sr::slice(self.grad, axis, at, at + len));
            at += len;
        }
    });
}

}  // namespace sr
