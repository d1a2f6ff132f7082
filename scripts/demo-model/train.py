#!/usr/bin/python3
"""Train the demo CLIP-style model on phantoms and captions sampled from the grammar.

Contrastive (InfoNCE) in both directions, with every caption of an image's class counted as a
positive: captions here describe a class, not one image, so in-batch captions of the same class
are not negatives. Augmentation: small shifts, intensity curves, and grey patches placed away from
the finding, so that the grey patch of an occlusion map is something the model has seen and
stays neutral unless it hides the finding.

usage: train.py TOKENIZER_DIR WORKDIR [--steps N] [--train-images N] [--seed S]
writes WORKDIR/weights.pt (state dict + settings)
"""
import argparse
import multiprocessing
import os
import random
import time

import numpy as np
import torch
import torch.nn.functional as F

from captions import CLASSES, sample_caption, size_bucket
from model import MEAN, STD, DemoClip
from phantoms import generate_arrays
from tokenizer import Tokenizer

TRAIN_SEED = 1000  # phantoms for training; examples and fixtures use other seeds


def generate_parallel(count, seed, workers=2):
    chunk = (count + workers - 1) // workers
    jobs = [(min(chunk, count - i * chunk), seed, 128, i * chunk) for i in range(workers)]
    with multiprocessing.Pool(workers) as pool:
        parts = pool.starmap(_generate, jobs)
    return tuple(np.concatenate(p) for p in zip(*parts))


def _generate(count, seed, size, start):
    return generate_arrays(count, seed, size, start)


def normalise(x):
    """[B, H, W] grey in [0, 1] -> CLIP-normalised [B, 3, H, W]."""
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (x[:, None].expand(-1, 3, -1, -1) - mean) / std


def augment(x, labels, boxes, g):
    """x [B, H, W] in [0, 1]; boxes [B, 4] (-1 = none). Shift, intensity curve, grey patches.
    Returns (images, labels): a nodule hidden entirely under a grey patch is no longer visible, so
    that image becomes a normal one; this teaches exactly what an occlusion map asks."""
    b, h, w = x.shape
    pad = 6
    xp = F.pad(x[:, None], (pad, pad, pad, pad), mode='replicate')[:, 0]
    out = torch.empty_like(x)
    shifted = boxes.clone()
    labels = labels.clone()
    for i in range(b):
        dx, dy = (int(v) for v in torch.randint(-pad, pad + 1, (2,), generator=g))
        out[i] = xp[i, pad + dy:pad + dy + h, pad + dx:pad + dx + w]
        if boxes[i, 0] >= 0:
            shifted[i] = boxes[i] - torch.tensor([dx, dy, dx, dy])
    gamma = torch.exp(torch.empty(b, 1, 1).uniform_(-0.25, 0.25, generator=g))
    gain = torch.empty(b, 1, 1).uniform_(0.85, 1.15, generator=g)
    bias = torch.empty(b, 1, 1).uniform_(-0.06, 0.06, generator=g)
    out = (out.clamp(0, 1) ** gamma * gain + bias).clamp(0, 1)
    nodule = CLASSES.index('nodule')
    for i in range(b):
        u = float(torch.rand(1, generator=g))
        bx = [int(v) for v in shifted[i]]
        if labels[i] == nodule and u < 0.2:
            s = max(bx[2] - bx[0], bx[3] - bx[1]) + int(torch.randint(4, 24, (1,), generator=g))
            px = min(max(0, bx[0] - int(torch.randint(0, s - (bx[2] - bx[0]) + 1, (1,), generator=g))), w - s)
            py = min(max(0, bx[1] - int(torch.randint(0, s - (bx[3] - bx[1]) + 1, (1,), generator=g))), h - s)
            out[i, py:py + s, px:px + s] = 0.5
            labels[i] = CLASSES.index('normal')
            continue
        if u < 0.3:
            continue
        for _ in range(6):  # a patch that does not touch the finding
            s = int(torch.randint(16, 40, (1,), generator=g))
            px, py = (int(v) for v in torch.randint(0, w - s, (2,), generator=g))
            if bx[0] < 0 or px + s <= bx[0] or px >= bx[2] or py + s <= bx[1] or py >= bx[3]:
                out[i, py:py + s, px:px + s] = 0.5
                break
    return out, labels


def encode_batch(tok, texts):
    seqs = [tok.encode(t) for t in texts]
    n = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), n), tok.eos, dtype=torch.int64)
    mask = torch.zeros((len(seqs), n), dtype=torch.int64)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s)
        mask[i, :len(s)] = 1
    return ids, mask


LATERAL = {CLASSES.index(c) for c in ('effusion', 'nodule', 'pneumothorax')}


def finding_attributes(label, box, severity):
    """(side, size) of an image's finding as captions name them; None where they do not apply."""
    if label == 0:
        return None, None
    # image left is the patient's right
    side = ('right' if (box[0] + box[2]) / 2 < 64 else 'left') if label in LATERAL else None
    return side, size_bucket(severity)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('tokenizer_dir')
    ap.add_argument('workdir')
    ap.add_argument('--steps', type=int, default=1800)
    ap.add_argument('--batch', type=int, default=96)
    ap.add_argument('--train-images', type=int, default=7500)
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    g = torch.Generator().manual_seed(a.seed)
    os.makedirs(a.workdir, exist_ok=True)

    t0 = time.time()
    imgs, labels, boxes, severity = generate_parallel(a.train_images, TRAIN_SEED)
    print(f'generated {len(imgs)} training phantoms in {time.time() - t0:.0f}s', flush=True)
    imgs = torch.from_numpy(imgs)
    labels_t, boxes_t = torch.from_numpy(labels), torch.from_numpy(boxes)

    tok = Tokenizer.load(a.tokenizer_dir)
    model = DemoClip(len(tok.vocab), tok.context)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.02)
    warm = 60
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1, (s + 1) / warm) * 0.5 * (1 + np.cos(np.pi * min(1.0, s / a.steps))))

    t0 = time.time()
    model.train()
    for step in range(a.steps):
        idx = torch.randint(0, len(imgs), (a.batch,), generator=g)
        x, lab = augment(imgs[idx].float() / 255.0, labels_t[idx], boxes_t[idx], g)
        attrs = [finding_attributes(int(l), boxes[i], severity[i]) for l, i in zip(lab, idx.tolist())]
        captions = [sample_caption(rng, CLASSES[int(l)], *at) for l, at in zip(lab, attrs)]
        ids, mask = encode_batch(tok, [c[0] for c in captions])
        ie = F.normalize(model.vision(normalise(x))[0], dim=-1)
        te = F.normalize(model.text(ids, mask)[0], dim=-1)
        logits = model.logit_scale.exp().clamp(max=100) * ie @ te.t()
        # caption j is a positive for image i when it is true of it: same class, and any side or
        # size it commits to is image i's
        pos = torch.tensor([[float(lab[i] == lab[j] and captions[j][1] in (None, attrs[i][0])
                                   and captions[j][2] in (None, attrs[i][1]))
                             for j in range(len(lab))] for i in range(len(lab))])
        to_text, to_image = pos / pos.sum(1, keepdim=True), pos.t() / pos.t().sum(1, keepdim=True)
        loss = (-(to_text * logits.log_softmax(1)).sum(1).mean() - (to_image * logits.t().log_softmax(1)).sum(1).mean()) / 2
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 50 == 0 or step == a.steps - 1:
            acc = pos[torch.arange(len(lab)), logits.argmax(1)].mean()  # image -> a caption of its class
            print(f'step {step:5d}  loss {loss.item():.3f}  batch i->t acc {acc:.2f}  scale {model.logit_scale.exp().item():.1f}'
                  f'  {time.time() - t0:.0f}s', flush=True)
    print(f'trained {a.steps} steps in {time.time() - t0:.0f}s')
    torch.save({'state': model.state_dict(), 'vocab_size': len(tok.vocab), 'context': tok.context},
               os.path.join(a.workdir, 'weights.pt'))


if __name__ == '__main__':
    main()
