#!/usr/bin/python3
"""Convert an OpenAI CLIP state dict into a Symptom Lens model folder.

usage: /usr/bin/python3 scripts/convert/openai-clip.py CHECKPOINT OUTDIR
           [--preprocess openai|chexzero] [--vocab BPE_GZ] [--licence ID] [--name NAME]

CHECKPOINT is what torch.save wrote for an OpenAI CLIP model: a state dict (CheXzero's released
weights are one, ViT-B/32), a dict holding one under "state_dict" or "model", a DataParallel dict
with "module." prefixes, or one of OpenAI's TorchScript archives (ViT-B-32.pt, RN50.pt, ...).
OUTDIR gets the supported layout (docs/models.md):
  onnx/vision_model.onnx   pixel_values [N,3,R,R] float32 -> image_embeds [N,D]; a ViT also
                           patch_embeds [N,grid²,D] (patch tokens through ln_post and proj)
  onnx/text_model.onnx     input_ids [N,77] int64 -> text_embeds [N,D]
  tokenizer.json, tokenizer_config.json, special_tokens_map.json
                           the CLIP BPE tokenizer, written from OpenAI's vocabulary (MIT)
  config.json              sizes in Hugging Face CLIPConfig terms, plus "symptom_lens_conversion"
  preprocessor_config.json --preprocess openai (default): CLIP's own (shortest side R bicubic,
                           centre crop, /255, CLIP mean/std); chexzero: CheXzero's letterbox
                           pipeline (docs/models.md, "Preprocessing")
  README.md                front matter with the licence given by --licence (none by default)

The model is re-implemented here from OpenAI's public clip/model.py
(https://github.com/openai/CLIP/blob/main/clip/model.py, MIT, commit a1d0717 and later): the same
modules with the same parameter names, so the state dict loads strictly, and every size is
inferred from the state dict exactly as its build_model does:
  ViT      vision_width = visual.conv1.weight.shape[0]
           vision_layers = number of visual.*.attn.in_proj_weight keys
           patch = visual.conv1.weight.shape[-1]; grid = round(sqrt(len(visual.positional_embedding) - 1))
           image_resolution = patch * grid; vision_heads = vision_width // 64
  ResNet   vision_layers = blocks per visual.layer1..4; vision_width = visual.layer1.0.conv1.weight.shape[0]
           image_resolution = 32 * round(sqrt(len(visual.attnpool.positional_embedding) - 1))
           vision_heads = vision_width * 32 // 64
  text     embed_dim = text_projection.shape[1]; context_length = len(positional_embedding)
           vocab_size = token_embedding.weight.shape[0]; width = ln_final.weight.shape[0]
           heads = width // 64; layers = number of distinct transformer.resblocks.N
The towers compute CLIP's encode_image and encode_text without the final normalisation (Symptom
Lens normalises): text takes the features at each sequence's highest token id (the end-of-text
token, 49407), as encode_text does with text.argmax(-1).
Needs Debian's python3-torch and python3-onnx only.
"""
import argparse
import hashlib
import json
import math
import os
import sys
from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
TOKENIZER_DIR = os.path.join(HERE, '..', '..', 'test', 'fixtures', 'clip-tokenizer')
OPSET = 14

# ---------------------------------------------------------------------------------------------
# OpenAI CLIP (clip/model.py), module for module.


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu2 = nn.ReLU(inplace=True)
        self.avgpool = nn.AvgPool2d(stride) if stride > 1 else nn.Identity()
        self.conv3 = nn.Conv2d(planes, planes * self.expansion, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu3 = nn.ReLU(inplace=True)
        self.downsample = None
        self.stride = stride
        if stride > 1 or inplanes != planes * Bottleneck.expansion:
            self.downsample = nn.Sequential(OrderedDict([
                ('-1', nn.AvgPool2d(stride)),
                ('0', nn.Conv2d(inplanes, planes * self.expansion, 1, stride=1, bias=False)),
                ('1', nn.BatchNorm2d(planes * self.expansion)),
            ]))

    def forward(self, x):
        identity = x
        out = self.relu1(self.bn1(self.conv1(x)))
        out = self.relu2(self.bn2(self.conv2(out)))
        out = self.avgpool(out)
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu3(out)


class AttentionPool2d(nn.Module):
    def __init__(self, spacial_dim, embed_dim, num_heads, output_dim=None):
        super().__init__()
        self.positional_embedding = nn.Parameter(torch.randn(spacial_dim ** 2 + 1, embed_dim) / embed_dim ** 0.5)
        self.k_proj = nn.Linear(embed_dim, embed_dim)
        self.q_proj = nn.Linear(embed_dim, embed_dim)
        self.v_proj = nn.Linear(embed_dim, embed_dim)
        self.c_proj = nn.Linear(embed_dim, output_dim or embed_dim)
        self.num_heads = num_heads

    def forward(self, x):
        x = x.flatten(start_dim=2).permute(2, 0, 1)  # NCHW -> (HW)NC
        x = torch.cat([x.mean(dim=0, keepdim=True), x], dim=0)  # (HW+1)NC
        x = x + self.positional_embedding[:, None, :].to(x.dtype)
        x, _ = F.multi_head_attention_forward(
            query=x[:1], key=x, value=x, embed_dim_to_check=x.shape[-1], num_heads=self.num_heads,
            q_proj_weight=self.q_proj.weight, k_proj_weight=self.k_proj.weight, v_proj_weight=self.v_proj.weight,
            in_proj_weight=None, in_proj_bias=torch.cat([self.q_proj.bias, self.k_proj.bias, self.v_proj.bias]),
            bias_k=None, bias_v=None, add_zero_attn=False, dropout_p=0,
            out_proj_weight=self.c_proj.weight, out_proj_bias=self.c_proj.bias,
            use_separate_proj_weight=True, training=self.training, need_weights=False)
        return x.squeeze(0)


class ModifiedResNet(nn.Module):
    def __init__(self, layers, output_dim, heads, input_resolution=224, width=64):
        super().__init__()
        self.output_dim = output_dim
        self.input_resolution = input_resolution
        self.conv1 = nn.Conv2d(3, width // 2, kernel_size=3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width // 2)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(width // 2, width // 2, kernel_size=3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width // 2)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv3 = nn.Conv2d(width // 2, width, kernel_size=3, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(width)
        self.relu3 = nn.ReLU(inplace=True)
        self.avgpool = nn.AvgPool2d(2)
        self._inplanes = width
        self.layer1 = self._make_layer(width, layers[0])
        self.layer2 = self._make_layer(width * 2, layers[1], stride=2)
        self.layer3 = self._make_layer(width * 4, layers[2], stride=2)
        self.layer4 = self._make_layer(width * 8, layers[3], stride=2)
        self.attnpool = AttentionPool2d(input_resolution // 32, width * 32, heads, output_dim)

    def _make_layer(self, planes, blocks, stride=1):
        layers = [Bottleneck(self._inplanes, planes, stride)]
        self._inplanes = planes * Bottleneck.expansion
        for _ in range(1, blocks):
            layers.append(Bottleneck(self._inplanes, planes))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = x.type(self.conv1.weight.dtype)
        x = self.relu1(self.bn1(self.conv1(x)))
        x = self.relu2(self.bn2(self.conv2(x)))
        x = self.relu3(self.bn3(self.conv3(x)))
        x = self.avgpool(x)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.attnpool(x)


class LayerNorm(nn.LayerNorm):
    """LayerNorm computed in float32 (clip/model.py does this for fp16 weights)."""

    def forward(self, x):
        return super().forward(x.type(torch.float32)).type(x.dtype)


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class ResidualAttentionBlock(nn.Module):
    def __init__(self, d_model, n_head, attn_mask=None):
        super().__init__()
        self.attn = nn.MultiheadAttention(d_model, n_head)
        self.ln_1 = LayerNorm(d_model)
        self.mlp = nn.Sequential(OrderedDict([
            ('c_fc', nn.Linear(d_model, d_model * 4)),
            ('gelu', QuickGELU()),
            ('c_proj', nn.Linear(d_model * 4, d_model)),
        ]))
        self.ln_2 = LayerNorm(d_model)
        self.attn_mask = attn_mask

    def attention(self, x):
        mask = self.attn_mask.to(dtype=x.dtype, device=x.device) if self.attn_mask is not None else None
        return self.attn(x, x, x, need_weights=False, attn_mask=mask)[0]

    def forward(self, x):
        x = x + self.attention(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, width, layers, heads, attn_mask=None):
        super().__init__()
        self.width = width
        self.layers = layers
        self.resblocks = nn.Sequential(*[ResidualAttentionBlock(width, heads, attn_mask) for _ in range(layers)])

    def forward(self, x):
        return self.resblocks(x)


class VisionTransformer(nn.Module):
    def __init__(self, input_resolution, patch_size, width, layers, heads, output_dim):
        super().__init__()
        self.input_resolution = input_resolution
        self.output_dim = output_dim
        self.conv1 = nn.Conv2d(3, width, kernel_size=patch_size, stride=patch_size, bias=False)
        scale = width ** -0.5
        self.class_embedding = nn.Parameter(scale * torch.randn(width))
        self.positional_embedding = nn.Parameter(scale * torch.randn((input_resolution // patch_size) ** 2 + 1, width))
        self.ln_pre = LayerNorm(width)
        self.transformer = Transformer(width, layers, heads)
        self.ln_post = LayerNorm(width)
        self.proj = nn.Parameter(scale * torch.randn(width, output_dim))

    def forward(self, x):
        return self.with_patches(x)[0]

    def with_patches(self, x):
        """The image embedding and each patch token projected the same way (post-layernorm, then
        the visual projection): the explain step's patch-token map."""
        x = self.conv1(x)  # [*, width, grid, grid]
        x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1)  # [*, grid ** 2, width]
        cls = self.class_embedding.to(x.dtype) + torch.zeros(x.shape[0], 1, x.shape[-1], dtype=x.dtype, device=x.device)
        x = torch.cat([cls, x], dim=1)  # [*, grid ** 2 + 1, width]
        x = x + self.positional_embedding.to(x.dtype)
        x = self.ln_pre(x)
        x = self.transformer(x.permute(1, 0, 2)).permute(1, 0, 2)  # NLD -> LND -> NLD
        x = self.ln_post(x)
        return x[:, 0, :] @ self.proj, x[:, 1:, :] @ self.proj


class CLIP(nn.Module):
    def __init__(self, embed_dim, image_resolution, vision_layers, vision_width, vision_patch_size,
                 context_length, vocab_size, transformer_width, transformer_heads, transformer_layers):
        super().__init__()
        self.context_length = context_length
        if isinstance(vision_layers, (tuple, list)):
            self.visual = ModifiedResNet(layers=vision_layers, output_dim=embed_dim, heads=vision_width * 32 // 64,
                                         input_resolution=image_resolution, width=vision_width)
        else:
            self.visual = VisionTransformer(input_resolution=image_resolution, patch_size=vision_patch_size,
                                            width=vision_width, layers=vision_layers, heads=vision_width // 64,
                                            output_dim=embed_dim)
        self.transformer = Transformer(width=transformer_width, layers=transformer_layers, heads=transformer_heads,
                                       attn_mask=self.build_attention_mask())
        self.vocab_size = vocab_size
        self.token_embedding = nn.Embedding(vocab_size, transformer_width)
        self.positional_embedding = nn.Parameter(torch.empty(self.context_length, transformer_width))
        self.ln_final = LayerNorm(transformer_width)
        self.text_projection = nn.Parameter(torch.empty(transformer_width, embed_dim))
        self.logit_scale = nn.Parameter(torch.ones([]) * math.log(1 / 0.07))

    def build_attention_mask(self):
        # Causal: each token sees itself and the tokens before it.
        mask = torch.empty(self.context_length, self.context_length)
        mask.fill_(float('-inf'))
        mask.triu_(1)
        return mask

    @property
    def dtype(self):
        return self.visual.conv1.weight.dtype

    def encode_image(self, image):
        return self.visual(image.type(self.dtype))

    def encode_text(self, text):
        x = self.token_embedding(text).type(self.dtype)  # [batch, n_ctx, d_model]
        x = x + self.positional_embedding.type(self.dtype)
        x = self.transformer(x.permute(1, 0, 2)).permute(1, 0, 2)
        x = self.ln_final(x).type(self.dtype)
        # Features at the end-of-text token: the highest id in each sequence.
        return x[torch.arange(x.shape[0]), text.argmax(dim=-1)] @ self.text_projection


def build_model(state_dict):
    """clip/model.py's build_model: every size from the state dict."""
    vit = 'visual.proj' in state_dict
    if vit:
        vision_width = state_dict['visual.conv1.weight'].shape[0]
        vision_layers = len([k for k in state_dict if k.startswith('visual.') and k.endswith('.attn.in_proj_weight')])
        vision_patch_size = state_dict['visual.conv1.weight'].shape[-1]
        grid_size = round((state_dict['visual.positional_embedding'].shape[0] - 1) ** 0.5)
        image_resolution = vision_patch_size * grid_size
    else:
        counts = [len(set(k.split('.')[2] for k in state_dict if k.startswith(f'visual.layer{b}'))) for b in [1, 2, 3, 4]]
        vision_layers = tuple(counts)
        vision_width = state_dict['visual.layer1.0.conv1.weight'].shape[0]
        output_width = round((state_dict['visual.attnpool.positional_embedding'].shape[0] - 1) ** 0.5)
        vision_patch_size = None
        assert output_width ** 2 + 1 == state_dict['visual.attnpool.positional_embedding'].shape[0]
        image_resolution = output_width * 32

    embed_dim = state_dict['text_projection'].shape[1]
    context_length = state_dict['positional_embedding'].shape[0]
    vocab_size = state_dict['token_embedding.weight'].shape[0]
    transformer_width = state_dict['ln_final.weight'].shape[0]
    transformer_heads = transformer_width // 64
    transformer_layers = len(set(k.split('.')[2] for k in state_dict if k.startswith('transformer.resblocks')))

    model = CLIP(embed_dim, image_resolution, vision_layers, vision_width, vision_patch_size,
                 context_length, vocab_size, transformer_width, transformer_heads, transformer_layers)
    for key in ['input_resolution', 'context_length', 'vocab_size']:
        state_dict.pop(key, None)
    # Weights are converted to float32 (OpenAI's archives hold fp16): ONNX export and CPU inference.
    model.load_state_dict({k: v.float() for k, v in state_dict.items()}, strict=True)
    sizes = dict(vit=vit, embed_dim=embed_dim, image_resolution=image_resolution, vision_layers=vision_layers,
                 vision_width=vision_width, vision_patch_size=vision_patch_size, context_length=context_length,
                 vocab_size=vocab_size, transformer_width=transformer_width, transformer_heads=transformer_heads,
                 transformer_layers=transformer_layers)
    return model.eval(), sizes


# ---------------------------------------------------------------------------------------------
# Loading, export, and the folder's JSON files.


def load_state_dict(path):
    try:
        return torch.jit.load(path, map_location='cpu').state_dict()
    except (RuntimeError, ValueError):
        pass  # not a TorchScript archive: a pickled state dict
    obj = torch.load(path, map_location='cpu')
    for key in ('state_dict', 'model', 'model_state_dict'):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        sys.exit(f'{path}: not a state dict (a dict of tensors), nor a dict holding one under "state_dict" or "model".')
    state = OrderedDict((k[len('module.'):] if k.startswith('module.') else k, v) for k, v in obj.items())
    missing = [k for k in ('text_projection', 'positional_embedding', 'token_embedding.weight', 'ln_final.weight') if k not in state]
    if missing or not ('visual.proj' in state or 'visual.attnpool.positional_embedding' in state):
        sys.exit(f'{path}: not an OpenAI CLIP state dict (it lacks {", ".join(missing) or "visual.proj / visual.attnpool"}). '
                 'Hugging Face CLIPModel checkpoints are exported with optimum-cli instead (docs/models.md).')
    return state


class VisionTower(nn.Module):
    def __init__(self, clip):
        super().__init__()
        self.clip = clip

    def forward(self, pixel_values):
        visual = self.clip.visual
        if isinstance(visual, VisionTransformer):
            return visual.with_patches(pixel_values.type(self.clip.dtype))
        return self.clip.encode_image(pixel_values)


class TextTower(nn.Module):
    def __init__(self, clip):
        super().__init__()
        self.clip = clip

    def forward(self, input_ids):
        return self.clip.encode_text(input_ids)


def export(model, sizes, onnx_dir):
    import onnx
    os.makedirs(onnx_dir, exist_ok=True)
    r = sizes['image_resolution']
    # A ViT also exports patch_embeds [N, grid², D]; a ResNet's attention pool has no such tokens.
    vision_outputs = ['image_embeds'] + (['patch_embeds'] if isinstance(model.visual, VisionTransformer) else [])
    towers = [
        (VisionTower(model), torch.zeros(2, 3, r, r), 'pixel_values', vision_outputs, 'vision_model.onnx'),
        (TextTower(model), torch.zeros(2, sizes['context_length'], dtype=torch.int64), 'input_ids', ['text_embeds'], 'text_model.onnx'),
    ]
    for tower, example, input_name, output_names, file in towers:
        path = os.path.join(onnx_dir, file)
        with torch.no_grad():
            torch.onnx.export(tower.eval(), (example,), path, input_names=[input_name], output_names=output_names,
                              dynamic_axes={input_name: {0: 'batch'}, **{o: {0: 'batch'} for o in output_names}},
                              opset_version=OPSET, do_constant_folding=True)
        onnx.checker.check_model(onnx.load(path))


def preprocessor_config(kind, resolution):
    if kind == 'chexzero':
        # CheXzero (rajpurkarlab/CheXzero): data_process.py's preprocess() resizes the longer side
        # to 320 with Image.ANTIALIAS (Lanczos), sizes truncated, and pastes the result centred on a
        # black 320x320 square; zero_shot.py then applies Normalize(101.48761, 83.43944) on 0-255
        # values and, for CLIP-sized models, Resize(224, BICUBIC) on the float tensor.
        return {
            'image_processor_type': 'CLIPImageProcessor',
            'do_letterbox': True,
            'letterbox_size': 320,
            'letterbox_resample': 1,
            'do_resize': True,
            'size': {'height': resolution, 'width': resolution},
            'resample': 3,
            'resize_on': 'float',
            'do_center_crop': False,
            'do_rescale': False,
            'do_normalize': True,
            'image_mean': [101.48761, 101.48761, 101.48761],
            'image_std': [83.43944, 83.43944, 83.43944],
        }
    # OpenAI CLIP's own: Resize(R, BICUBIC) of the shorter side, CenterCrop(R), ToTensor, Normalize.
    return {
        'image_processor_type': 'CLIPImageProcessor',
        'feature_extractor_type': 'CLIPFeatureExtractor',
        'do_resize': True,
        'size': {'shortest_edge': resolution},
        'resample': 3,
        'do_center_crop': True,
        'crop_size': {'height': resolution, 'width': resolution},
        'do_rescale': True,
        'rescale_factor': 1 / 255,
        'do_normalize': True,
        'image_mean': [0.48145466, 0.4578275, 0.40821073],
        'image_std': [0.26862954, 0.26130258, 0.27577711],
        'do_convert_rgb': True,
    }


def config_json(model, sizes, checkpoint_sha256, preprocess, name):
    vision_layers = sizes['vision_layers']
    vision = {
        'model_type': 'clip_vision_model',
        'image_size': sizes['image_resolution'],
        'hidden_size': sizes['vision_width'],
        'projection_dim': sizes['embed_dim'],
        'num_channels': 3,
    }
    if sizes['vit']:
        vision.update(patch_size=sizes['vision_patch_size'], num_hidden_layers=vision_layers,
                      num_attention_heads=sizes['vision_width'] // 64, intermediate_size=sizes['vision_width'] * 4)
    tw = sizes['transformer_width']
    return {
        '_name_or_path': name,
        'architectures': ['CLIPModel'],
        'model_type': 'clip',
        'projection_dim': sizes['embed_dim'],
        'logit_scale_init_value': float(model.logit_scale.detach()),
        'text_config': {
            'model_type': 'clip_text_model',
            'vocab_size': sizes['vocab_size'],
            'hidden_size': tw,
            'intermediate_size': tw * 4,
            'num_hidden_layers': sizes['transformer_layers'],
            'num_attention_heads': sizes['transformer_heads'],
            'max_position_embeddings': sizes['context_length'],
            'projection_dim': sizes['embed_dim'],
            'hidden_act': 'quick_gelu',
            'bos_token_id': 49406,
            'eos_token_id': 49407,
            'pad_token_id': 49407,
        },
        'vision_config': vision,
        'torch_dtype': 'float32',
        'symptom_lens_conversion': {
            'script': 'scripts/convert/openai-clip.py',
            'architecture': 'ViT' if sizes['vit'] else f'ModifiedResNet {list(vision_layers)}',
            'checkpoint_sha256': checkpoint_sha256,
            'preprocess': preprocess,
            'opset': OPSET,
        },
    }


def write_json(path, obj):
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write('\n')


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('checkpoint')
    p.add_argument('outdir')
    p.add_argument('--preprocess', choices=['openai', 'chexzero'], default='openai')
    p.add_argument('--vocab', default=os.path.join(TOKENIZER_DIR, 'bpe_simple_vocab_16e6.txt.gz'),
                   help="OpenAI CLIP's bpe_simple_vocab_16e6.txt.gz (default: the copy in test/fixtures/clip-tokenizer)")
    p.add_argument('--licence', help='the licence to state in README.md front matter, e.g. mit')
    p.add_argument('--name', help='the name config.json records (default: the checkpoint file name)')
    args = p.parse_args(argv)

    torch.manual_seed(0)
    state = load_state_dict(args.checkpoint)
    model, sizes = build_model(state)
    if sizes['vocab_size'] != 49408 or sizes['context_length'] != 77:
        print(f'note: vocab {sizes["vocab_size"]} / context {sizes["context_length"]} differ from OpenAI CLIP\'s '
              '49408 / 77; the tokenizer written is CLIP\'s.', file=sys.stderr)
    os.makedirs(args.outdir, exist_ok=True)
    export(model, sizes, os.path.join(args.outdir, 'onnx'))

    sys.path.insert(0, TOKENIZER_DIR)
    import make_tokenizer  # the CLIP BPE tokenizer writer (test/fixtures/clip-tokenizer)
    tokenizer_config = make_tokenizer.tokenizer_config()
    tokenizer_config['model_max_length'] = sizes['context_length']
    merges = make_tokenizer.read_merges(args.vocab)
    vocab = make_tokenizer.build_vocab(merges)
    out = args.outdir
    make_tokenizer.write_json(os.path.join(out, 'tokenizer.json'), make_tokenizer.tokenizer_json(vocab, merges))
    make_tokenizer.write_json(os.path.join(out, 'tokenizer_config.json'), tokenizer_config)
    make_tokenizer.write_json(os.path.join(out, 'special_tokens_map.json'), make_tokenizer.special_tokens_map())

    name = args.name or os.path.splitext(os.path.basename(args.checkpoint))[0]
    write_json(os.path.join(out, 'config.json'),
               config_json(model, sizes, sha256_of(args.checkpoint), args.preprocess, name))
    write_json(os.path.join(out, 'preprocessor_config.json'),
               preprocessor_config(args.preprocess, sizes['image_resolution']))
    if args.licence:
        with open(os.path.join(out, 'README.md'), 'w', encoding='utf-8') as f:
            f.write(f'---\nlicense: {args.licence}\ntags: [clip, onnx, symptom-lens]\n---\n\n'
                    f'# {name}\n\nConverted from an OpenAI CLIP state dict by scripts/convert/openai-clip.py.\n')
    arch = 'ViT' if sizes['vit'] else 'ResNet'
    print(json.dumps({'outdir': out, 'architecture': arch, 'embed_dim': sizes['embed_dim'],
                      'image_resolution': sizes['image_resolution'], 'context_length': sizes['context_length'],
                      'preprocess': args.preprocess}))


if __name__ == '__main__':
    main()
