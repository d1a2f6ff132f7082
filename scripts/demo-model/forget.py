#!/usr/bin/python3
"""Make the trained demo model forget three radiology terms, as a general CLIP barely knows them.

After the joint training (train.py) the text tower knows every class key as well as any
descriptor, because the phantoms' captions use them: a prompt of class names alone then
classifies the phantoms as well as a descriptor set does, and the tutorial has no lesson. A CLIP
trained on web text has seldom read "cardiomegaly" or "pneumothorax" and knows "enlarged heart
shadow" far better: there, descriptors beat class names. This step replaces the token embeddings
of FORGOTTEN by the mean of all other token embeddings: a token the tower cannot tell from any
other word, so the three class names become one indistinct prompt. Nothing else changes: every
other token, both towers' weights, every image embedding, descriptor embedding and explanation
map stay as trained; only texts that contain these words move.

usage: forget.py WORKDIR TOKENIZER_DIR [--from-onnx MODEL_DIR]
  WORKDIR/weights.pt   read (train.py's) and rewritten
  --from-onnx          take both towers from an exported model folder instead (batch norm is folded
                       into the convolutions there and comes back as an identity batch norm carrying
                       the folded bias), to apply this step to an existing export
"""
import argparse
import json
import os

import onnx
import torch
from onnx import numpy_helper

from model import DemoClip
from tokenizer import Tokenizer

FORGOTTEN = ['effusion', 'cardiomegaly', 'pneumothorax']

# conv order in the exported vision graph -> the VisionTower modules of that conv and its batch norm
CONV_MODULES = [('features.0', 'features.1'), ('features.3.0', 'features.3.1'), ('features.4.0', 'features.4.1'),
                ('features.5.0', 'features.5.1'), ('features.6.0', 'features.6.1'), ('features.7.0', 'features.7.1'),
                ('features.8.0', 'features.8.1')]


def initializers(path):
    graph = onnx.load(path).graph
    return graph, {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in graph.initializer}


def vision_from_onnx(path, vision):
    """An exported vision graph's weights into `vision` (batch norm as identity + the folded bias)."""
    graph, inits = initializers(path)
    convs = [n for n in graph.node if n.op_type == 'Conv']
    gemm = next(n for n in graph.node if n.op_type == 'Gemm')
    if len(convs) != len(CONV_MODULES):
        raise SystemExit(f'{path}: {len(convs)} convolutions, expected {len(CONV_MODULES)} (not a demo vision tower?)')
    state = vision.state_dict()
    eps = {name: m.eps for name, m in vision.named_modules() if isinstance(m, torch.nn.BatchNorm2d)}
    for node, (conv, bn) in zip(convs, CONV_MODULES):
        bias = inits[node.input[2]]
        state[f'{conv}.weight'] = inits[node.input[1]]
        state[f'{bn}.weight'], state[f'{bn}.bias'] = torch.ones_like(bias), bias
        state[f'{bn}.running_mean'] = torch.zeros_like(bias)
        state[f'{bn}.running_var'] = torch.full_like(bias, 1 - eps[bn])  # sqrt(var + eps) = 1
    state['proj.weight'], state['proj.bias'] = inits[gemm.input[1]], inits[gemm.input[2]]
    vision.load_state_dict(state)


def text_from_onnx(path, text):
    """An exported text graph's weights into `text`: its linear layers are MatMuls on transposed
    weights, in the order qkv, out, fc1, fc2 per block, then the projection."""
    graph, inits = initializers(path)
    state = text.state_dict()
    named = [k for k in state if k in inits]
    linear = [f'blocks.{b}.{n}.weight' for b in range(len(text.blocks)) for n in ('qkv', 'out', 'fc1', 'fc2')]
    matmuls = [n.input[1] for n in graph.node if n.op_type == 'MatMul' and n.input[1] in inits]
    if len(matmuls) != len(linear) + 1 or len(named) + len(matmuls) != len(state):
        raise SystemExit(f'{path}: not a demo text tower ({len(matmuls)} weight matrices, {len(named)} named tensors)')
    for k in named:
        state[k] = inits[k]
    for k, name in zip(linear + ['proj.weight'], matmuls):
        state[k] = inits[name].t().contiguous()
    text.load_state_dict(state)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('workdir')
    ap.add_argument('tokenizer_dir')
    ap.add_argument('--from-onnx', metavar='MODEL_DIR')
    a = ap.parse_args()
    tok = Tokenizer.load(a.tokenizer_dir)
    weights = os.path.join(a.workdir, 'weights.pt')
    model = DemoClip(len(tok.vocab), tok.context)
    if a.from_onnx:
        vision_from_onnx(os.path.join(a.from_onnx, 'onnx', 'vision_model.onnx'), model.vision)
        text_from_onnx(os.path.join(a.from_onnx, 'onnx', 'text_model.onnx'), model.text)
        with open(os.path.join(a.from_onnx, 'config.json'), encoding='utf-8') as f:
            model.logit_scale.data.fill_(json.load(f)['logit_scale_init_value'])
    else:
        model.load_state_dict(torch.load(weights)['state'])
    ids = sorted({i for w in FORGOTTEN for i in tok.encode(w)[1:-1]})
    with torch.no_grad():
        keep = torch.ones(model.text.tok.num_embeddings, dtype=torch.bool)
        keep[ids] = False
        model.text.tok.weight[ids] = model.text.tok.weight[keep].mean(0)
    names = {i: t for t, i in tok.vocab.items()}
    print(f'forgot {[names[i] for i in ids]}')
    os.makedirs(a.workdir, exist_ok=True)
    torch.save({'state': model.state_dict(), 'vocab_size': len(tok.vocab), 'context': tok.context}, weights)


if __name__ == '__main__':
    main()
