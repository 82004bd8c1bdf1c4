/* SPDX-License-Identifier: MIT */
/* ONNX import internals: the protoc-c bindings (generated in build/gen/). */
#ifndef OX_ONNX_PRIV_H
#define OX_ONNX_PRIV_H

#include "onnx/onnx.pb-c.h"
#include "onnx/onnx.h"

int ox_tensor_from_proto(const Onnx__TensorProto *tp, const char *what,
			 struct gr_value **out, struct gr_err *err);

#endif /* OX_ONNX_PRIV_H */
