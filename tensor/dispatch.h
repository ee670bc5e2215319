// tensor/dispatch.h: the one place where a tensor's runtime dtype becomes a compile-time type.
//
//   dispatch(t.dtype(), [&](auto zero) {
//       using T = decltype(zero);  // float or double
//       kernels::foo_forward<T>(out.data<T>(), t.data<T>(), n);
//   });
#pragma once
#include "tensor/tensor.h"

namespace sr {

// Calls f(T{}) with T = float for F32 and T = double otherwise.
template <typename F> inline void dispatch(DType dt, F&& f) {
    if (dt == DType::F32) f(float{});
    else f(double{});
}

}  // namespace sr
