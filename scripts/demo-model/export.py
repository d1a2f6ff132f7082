#!/usr/bin/python3
"""Export the trained demo model to the Hugging Face / transformers.js ONNX layout.

usage: export.py WORKDIR MODEL_DIR
  WORKDIR    holds weights.pt from train.py; receives reference.json (torch outputs that
             check.mjs compares with onnxruntime-node)
  MODEL_DIR  already holds the tokenizer files; receives config.json, preprocessor_config.json,
             onnx/vision_model.onnx (with patch_embeds, see patch_embeds.py), onnx/text_model.onnx
"""
import json
import os
import sys

import onnx
import torch

from model import MEAN, PROJECTION_DIM, STD, TEXT, VISION, DemoClip
from patch_embeds import add_patch_embeds
from captions import corpus
from tokenizer import Tokenizer

OPSET = 14


def write_json(path, obj):
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(obj, f, indent=2)
        f.write('\n')


def config(tok, logit_scale):
    s = VISION['image_size']
    return {
        "_name_or_path": "symptom-lens/demo-phantom-clip",
        "architectures": ["CLIPModel"],
        "model_type": "clip",
        "projection_dim": PROJECTION_DIM,
        # the trained temperature (log of the logit scale, as in HF configs)
        "logit_scale_init_value": round(float(logit_scale), 6),
        "text_config": {
            "model_type": "clip_text_model",
            "vocab_size": len(tok.vocab),
            "hidden_size": TEXT['width'],
            "intermediate_size": TEXT['mlp'],
            "num_hidden_layers": TEXT['layers'],
            "num_attention_heads": TEXT['heads'],
            "max_position_embeddings": tok.context,
            "projection_dim": PROJECTION_DIM,
            "bos_token_id": tok.bos,
            "eos_token_id": tok.eos,
            "pad_token_id": tok.eos,
        },
        "vision_config": {
            "model_type": "clip_vision_model",
            "image_size": s,
            "num_channels": 3,
            "hidden_size": VISION['channels'][-1],
            # one last_hidden_state token per 16x16 pixels (an 8x8 grid at 128 px)
            "patch_size": 16,
            "projection_dim": PROJECTION_DIM,
        },
        "torch_dtype": "float32",
    }


def preprocessor_config():
    s = VISION['image_size']
    return {
        "crop_size": {"height": s, "width": s},
        "do_center_crop": True,
        "do_convert_rgb": True,
        "do_normalize": True,
        "do_rescale": True,
        "do_resize": True,
        "feature_extractor_type": "CLIPFeatureExtractor",
        "image_mean": MEAN,
        "image_processor_type": "CLIPImageProcessor",
        "image_std": STD,
        "resample": 3,
        "rescale_factor": 1 / 255,
        "size": {"shortest_edge": s},
    }


def pad_batch(tok, texts):
    seqs = [tok.encode(t) for t in texts]
    n = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), n), tok.eos, dtype=torch.int64)
    mask = torch.zeros((len(seqs), n), dtype=torch.int64)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s)
        mask[i, :len(s)] = 1
    return ids, mask


# strings beyond the corpus: case, whitespace, punctuation, unseen words, non-ASCII
TOKEN_EXTRAS = ['Blunting of the costophrenic angle!!', 'A chest X-ray   showing\tcardiomegaly.',
                'unseen words: atelectasis, 1234 émigré naïve', "don't it's we'll", 'Pleural effusion (left) — 3 cm',
                'a', '', 'x-ray', 'A ' + 'very ' * 60 + 'long descriptor']
REF_TEXTS = ['effusion', 'a chest x-ray showing cardiomegaly', 'nodule, which has round opacity',
             'pneumothorax, which has visible pleural line', 'Clear lung fields!', 'atelectasis (unseen word)']


def main(workdir, model_dir):
    torch.manual_seed(0)
    ck = torch.load(os.path.join(workdir, 'weights.pt'))
    tok = Tokenizer.load(model_dir)
    model = DemoClip(ck['vocab_size'], ck['context'])
    model.load_state_dict(ck['state'])
    model.eval()
    os.makedirs(os.path.join(model_dir, 'onnx'), exist_ok=True)
    vpath = os.path.join(model_dir, 'onnx', 'vision_model.onnx')
    tpath = os.path.join(model_dir, 'onnx', 'text_model.onnx')
    s = VISION['image_size']
    with torch.no_grad():
        torch.onnx.export(model.vision, (torch.randn(2, 3, s, s),), vpath,
                          input_names=['pixel_values'], output_names=['image_embeds', 'last_hidden_state'],
                          dynamic_axes={'pixel_values': {0: 'batch_size'}, 'image_embeds': {0: 'batch_size'},
                                        'last_hidden_state': {0: 'batch_size'}},
                          opset_version=OPSET, do_constant_folding=True)
        ids, mask = pad_batch(tok, REF_TEXTS[:2])
        torch.onnx.export(model.text, (ids, mask), tpath,
                          input_names=['input_ids', 'attention_mask'], output_names=['text_embeds', 'last_hidden_state'],
                          dynamic_axes={'input_ids': {0: 'batch_size', 1: 'sequence_length'},
                                        'attention_mask': {0: 'batch_size', 1: 'sequence_length'},
                                        'text_embeds': {0: 'batch_size'},
                                        'last_hidden_state': {0: 'batch_size', 1: 'sequence_length'}},
                          opset_version=OPSET, do_constant_folding=True)
    for p in (vpath, tpath):
        onnx.checker.check_model(onnx.load(p), full_check=True)
    add_patch_embeds(vpath)
    write_json(os.path.join(model_dir, 'config.json'), config(tok, model.logit_scale.item()))
    write_json(os.path.join(model_dir, 'preprocessor_config.json'), preprocessor_config())

    # reference outputs for check.mjs: random pixels and a padded text batch
    g = torch.Generator().manual_seed(7)
    px = torch.randn(3, 3, s, s, generator=g)
    ids, mask = pad_batch(tok, REF_TEXTS)
    with torch.no_grad():
        ie, ih = model.vision(px)
        te, th = model.text(ids, mask)
    write_json(os.path.join(workdir, 'token-reference.json'), [[t, tok.encode(t, truncate=False)] for t in corpus() + TOKEN_EXTRAS])
    write_json(os.path.join(workdir, 'reference.json'), {
        'pixel_values': px.flatten().tolist(), 'pixel_shape': list(px.shape),
        'image_embeds': ie.tolist(), 'vision_hidden_shape': list(ih.shape),
        'texts': REF_TEXTS, 'input_ids': ids.tolist(), 'attention_mask': mask.tolist(),
        'text_embeds': te.tolist(), 'text_hidden_shape': list(th.shape),
    })
    for p in (vpath, tpath):
        print(f'{os.path.relpath(p, model_dir)}  {os.path.getsize(p) / 1e6:.2f} MB')


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
