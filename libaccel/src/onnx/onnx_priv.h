/* SPDX-License-Identifier: MIT */
/* ONNX import internals: the protoc-c bindings (generated in build/gen/). */
#ifndef OX_ONNX_PRIV_H
#define OX_ONNX_PRIV_H

#include "onnx/onnx.pb-c.h"
#include "onnx/onnx.h"

int ox_tensor_from_proto(const Onnx__TensorProto *tp, const char *what,
			 struct gr_value **out, struct gr_err *err);

/*
 * The AttributeProto's kind (a GR_ATTR_* value, ONNX's numbering): its type
 * field, or (IR 0.0.1) the field set; 0 when none is.
 */
int ox_attr_type(const Onnx__AttributeProto *a);

#endif /* OX_ONNX_PRIV_H */
