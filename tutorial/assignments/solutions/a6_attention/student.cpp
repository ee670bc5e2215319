// tutorial/assignments/solutions/a6_attention/student.cpp: the reference solution of
// assignment 6 (not in the student release).
#include "tutorial/assignments/a6_attention/student.h"

#include <cmath>

#include "autograd/ops.h"

namespace course {

sr::Var split_heads(const sr::Var& x, int n_head) {
    const sr::Shape& s = x->data.shape();  // (B, T, C)
    const int64_t B = s[0], T = s[1], C = s[2];
    return sr::permute(sr::reshape(x, {B, T, n_head, C / n_head}), {0, 2, 1, 3});  // (B,NH,T,HS)
}

sr::Var merge_heads(const sr::Var& y) {
    const sr::Shape& s = y->data.shape();  // (B, NH, T, HS)
    const int64_t B = s[0], NH = s[1], T = s[2], HS = s[3];
    return sr::reshape(sr::permute(y, {0, 2, 1, 3}), {B, T, NH * HS});  // (B,T,C)
}

sr::Var attention_from_ops(const sr::Var& qkv, int n_head) {
    const int64_t C = qkv->data.size(2) / 3;
    const sr::Var q = split_heads(sr::slice(qkv, 2, 0, C), n_head);      // (B,NH,T,HS)
    const sr::Var k = split_heads(sr::slice(qkv, 2, C, 2 * C), n_head);  // (B,NH,T,HS)
    const sr::Var v = split_heads(sr::slice(qkv, 2, 2 * C, 3 * C), n_head);
    const double scale = 1.0 / std::sqrt(static_cast<double>(C / n_head));
    const sr::Var att = sr::causal_mask(sr::mul_scalar(sr::matmul(q, k, false, true), scale));  // (B,NH,T,T)
    return merge_heads(sr::matmul(sr::softmax(att), v));                                      // (B,T,C)
}

}  // namespace course
