"""The demo CLIP-style model: a small CNN image tower and a small causal transformer text tower,
both projecting into one shared embedding space.

The towers return what the Hugging Face ONNX exports of CLIP return, so the product loads the
demo through the same path as a real model:
  vision: pixel_values [B, 3, S, S] -> image_embeds [B, D], last_hidden_state [B, (S/16)^2, C]
  text:   input_ids, attention_mask [B, L] -> text_embeds [B, D], last_hidden_state [B, L, W]
Embeddings are not normalised (like HF); the product normalises them.

The text tower is causal and pools at the end token (the highest id, as in CLIP: argmax of
input_ids), so padding after it never changes the embedding, whatever the padding id or mask.
"""
import math

import torch
from torch import nn
import torch.nn.functional as F

VISION = dict(image_size=128, stem=16, channels=(32, 64, 128))
TEXT = dict(width=128, layers=3, heads=4, mlp=384)
PROJECTION_DIM = 64
MEAN = [0.48145466, 0.4578275, 0.40821073]  # CLIP's, as a CLIP-style preprocessor_config says
STD = [0.26862954, 0.26130258, 0.27577711]


def conv_bn(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class VisionTower(nn.Module):
    """A learned 2x downsampling stem, then three stride-2 stages, each followed by one more conv:
    128 px -> an 8x8 grid of features (each cell sees a 16-pixel square and its surroundings).
    Mean- and max-pooled features are projected: the max path lets one small lesion dominate,
    which is also what makes an occlusion map peak on it."""

    def __init__(self, stem=VISION['stem'], channels=VISION['channels'], dim=PROJECTION_DIM):
        super().__init__()
        layers = [nn.Conv2d(3, stem, 4, 2, 1, bias=False), nn.BatchNorm2d(stem), nn.ReLU(inplace=True)]
        cin = stem
        for c in channels:
            layers += [conv_bn(cin, c, 2), conv_bn(c, c, 1)]
            cin = c
        self.features = nn.Sequential(*layers)
        self.proj = nn.Linear(2 * cin, dim)

    def forward(self, pixel_values):
        f = self.features(pixel_values)
        tokens = f.flatten(2).transpose(1, 2)
        pooled = torch.cat([tokens.mean(1), tokens.amax(1)], dim=-1)
        return self.proj(pooled), tokens


class Block(nn.Module):
    def __init__(self, width, heads, mlp):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        self.fc1, self.fc2 = nn.Linear(width, mlp), nn.Linear(mlp, width)

    def forward(self, x, bias):
        b, n, w = x.shape
        h = self.heads
        q, k, v = self.qkv(self.ln1(x)).reshape(b, n, 3, h, w // h).permute(2, 0, 3, 1, 4)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(w // h) + bias
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, n, w)
        x = x + self.out(y)
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class TextTower(nn.Module):
    def __init__(self, vocab_size, context, width=TEXT['width'], layers=TEXT['layers'], heads=TEXT['heads'],
                 mlp=TEXT['mlp'], dim=PROJECTION_DIM):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, width)
        self.pos = nn.Parameter(torch.randn(context, width) * 0.01)
        self.blocks = nn.ModuleList(Block(width, heads, mlp) for _ in range(layers))
        self.ln = nn.LayerNorm(width)
        self.proj = nn.Linear(width, dim, bias=False)

    def forward(self, input_ids, attention_mask):
        n = input_ids.shape[1]
        x = self.tok(input_ids) + self.pos[:n]
        pos = torch.arange(n, device=input_ids.device)
        allowed = (pos[None, :] <= pos[:, None])[None, None] & (attention_mask[:, None, None, :] > 0)
        bias = (~allowed).float() * -1e4
        for blk in self.blocks:
            x = blk(x, bias)
        x = self.ln(x)
        pooled = x[torch.arange(x.shape[0], device=x.device), input_ids.argmax(-1)]
        return self.proj(pooled), x


class DemoClip(nn.Module):
    def __init__(self, vocab_size, context):
        super().__init__()
        self.vision = VisionTower()
        self.text = TextTower(vocab_size, context)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
