#!/usr/bin/python3
"""Add a `patch_embeds` output to the demo's vision graph: every last_hidden_state token projected
into the joint embedding space the way the pooled image is (the image is proj([mean; max]) of
the tokens; one token alone has mean = max = itself, so it is proj([t; t])). The explain step's
patch-token map is the cosine of each of them with the target text. image_embeds is untouched.

usage: patch_embeds.py MODEL_DIR   (rewrites MODEL_DIR/onnx/vision_model.onnx; idempotent)
"""
import os
import sys

import onnx
from onnx import helper


def add_patch_embeds(path):
    m = onnx.load(path)
    g = m.graph
    if any(o.name == 'patch_embeds' for o in g.output):
        return False
    gemm = next(n for n in g.node if n.op_type == 'Gemm' and n.output[0] == 'image_embeds')
    weight, bias = gemm.input[1], gemm.input[2]
    g.node.extend([
        helper.make_node('Concat', ['last_hidden_state', 'last_hidden_state'], ['/patch/tokens2'], axis=-1),
        helper.make_node('Transpose', [weight], ['/patch/weight_t'], perm=[1, 0]),
        helper.make_node('MatMul', ['/patch/tokens2', '/patch/weight_t'], ['/patch/projected']),
        helper.make_node('Add', ['/patch/projected', bias], ['patch_embeds']),
    ])
    dim = next(i.dims[0] for i in g.initializer if i.name == weight)
    g.output.append(helper.make_tensor_value_info('patch_embeds', onnx.TensorProto.FLOAT,
                                                  ['batch_size', 'patch_count', dim]))
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, path)
    return True


if __name__ == '__main__':
    add_patch_embeds(os.path.join(sys.argv[1], 'onnx', 'vision_model.onnx'))
