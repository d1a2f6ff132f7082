#!/usr/bin/python3
"""Held-out evaluation of the trained demo model (torch weights, same numbers as the ONNX export,
which check.mjs verifies).

  zero-shot balanced accuracy with
    names        the class key alone                                     ("nodule")
    names-xray   the class key in a class template                       ("a chest x-ray showing nodule")
    descriptors  docs/methods.md's sentence, `mean` recipe                    ("nodule, which has round opacity")
    desc-only    the raw descriptors, `mean` recipe                      ("round opacity")
  per-descriptor one-vs-rest AUROC (which descriptors carry the signal)
  occlusion: a grey patch (PATCH px, stride STRIDE) slides over the image; the drop of the predicted
    class's score (mean cosine to its descriptor sentences) is spread over the pixels each patch
    covers (mean per pixel); the peak is the centroid of the pixels with the largest mean drop;
    a hit is a peak inside the recorded lesion box.

usage: evaluate.py WORKDIR MODEL_DIR FIXTURES_DIR [--extra N]
  MODEL_DIR     the exported folder (its tokenizer is used)
  FIXTURES_DIR  a phantom folder with labels.csv (the committed held-out set)
  --extra N     also N in-memory phantoms from another unseen seed, for steadier numbers
writes WORKDIR/eval.json
"""
import argparse
import csv
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from captions import CLASSES, descriptor_sentence
from model import MEAN, STD, VISION, DemoClip
from phantoms import generate_arrays
from tokenizer import Tokenizer

PATCH, STRIDE, GREY = 32, 8, 0.5
EXTRA_SEED = 4000

# The descriptor set suggested for the demo notebook (checked here, so the suggestion is measured).
SUGGESTED = {
    'normal': ['clear lung fields', 'sharp costophrenic angles', 'normal heart size'],
    'effusion': ['blunted costophrenic angle', 'fluid meniscus at the lung base', 'opacity at the lung base'],
    'cardiomegaly': ['enlarged heart shadow', 'increased cardiothoracic ratio', 'wide cardiac silhouette'],
    'nodule': ['round opacity', 'well circumscribed opacity', 'small round density in the lung'],
    'pneumothorax': ['visible pleural line', 'lucent rim without lung markings', 'absent lung markings at the periphery'],
}


def load_folder(folder, size):
    rows = list(csv.DictReader(open(os.path.join(folder, 'labels.csv'))))
    imgs, labels, boxes = [], [], []
    for r in rows:
        im = Image.open(os.path.join(folder, r['path'])).convert('L')
        if im.size != (size, size):  # the product resizes as preprocessor_config says; phantoms are saved at S
            raise SystemExit(f'{r["path"]}: expected {size}x{size} phantoms')
        imgs.append(np.asarray(im))
        labels.append(CLASSES.index(r['label']))
        boxes.append([int(r[k]) for k in ('x0', 'y0', 'x1', 'y1')] if r['x0'] else [-1] * 4)
    return np.stack(imgs), np.array(labels), np.array(boxes), [r['path'] for r in rows]


def to_pixels(grey_u8):
    x = torch.from_numpy(grey_u8).float() / 255.0
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (x[:, None].expand(-1, 3, -1, -1) - mean) / std


class Scorer:
    def __init__(self, model, tok):
        self.model, self.tok = model, tok

    @torch.no_grad()
    def texts(self, texts):
        seqs = [self.tok.encode(t) for t in texts]
        n = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), n), self.tok.eos, dtype=torch.int64)
        mask = torch.zeros_like(ids)
        for i, s in enumerate(seqs):
            ids[i, :len(s)] = torch.tensor(s)
            mask[i, :len(s)] = 1
        return F.normalize(self.model.text(ids, mask)[0], dim=-1)

    @torch.no_grad()
    def images(self, pixels, batch=128):
        return torch.cat([F.normalize(self.model.vision(pixels[i:i + batch])[0], dim=-1)
                          for i in range(0, len(pixels), batch)])

    def class_texts(self, variant, descriptors=SUGGESTED):
        """Per class, the list of prompt texts a variant scores with (mean recipe)."""
        if variant == 'names':
            return {c: [c] for c in CLASSES}
        if variant == 'names-xray':
            return {c: [f'a chest x-ray showing {c}'] for c in CLASSES}
        if variant == 'descriptors':
            return {c: [descriptor_sentence(c, d) for d in descriptors[c]] for c in CLASSES}
        if variant == 'desc-only':
            return {c: list(descriptors[c]) for c in CLASSES}
        raise ValueError(variant)

    def class_scores(self, img_emb, class_texts):
        return torch.stack([(img_emb @ self.texts(class_texts[c]).t()).mean(1) for c in CLASSES], dim=1)


def balanced_accuracy(y, pred):
    return float(np.mean([np.mean(pred[y == k] == k) for k in range(len(CLASSES)) if np.any(y == k)]))


def auroc(pos, neg):
    """Rank-based AUROC with ties averaged."""
    s = np.concatenate([pos, neg])
    order = s.argsort(kind='mergesort')
    ranks = np.empty(len(s))
    ranks[order] = np.arange(1, len(s) + 1)
    for v in np.unique(s):  # average ties
        m = s == v
        ranks[m] = ranks[m].mean()
    return float((ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


@torch.no_grad()
def occlusion_peak(scorer, pixels, text_emb):
    """Mean drop per pixel of mean cos(image, texts) under a sliding grey patch; returns (x, y, map)."""
    s = pixels.shape[-1]
    grey = ((GREY - torch.tensor(MEAN)) / torch.tensor(STD)).view(3, 1, 1)
    base = (scorer.images(pixels[None]) @ text_emb.t()).mean()
    positions = [(x, y) for y in range(0, s - PATCH + 1, STRIDE) for x in range(0, s - PATCH + 1, STRIDE)]
    batch = pixels[None].repeat(len(positions), 1, 1, 1)
    for i, (x, y) in enumerate(positions):
        batch[i, :, y:y + PATCH, x:x + PATCH] = grey
    drops = base - (scorer.images(batch) @ text_emb.t()).mean(1)
    total, count = torch.zeros(s, s), torch.zeros(s, s)
    for (x, y), d in zip(positions, drops):
        total[y:y + PATCH, x:x + PATCH] += d
        count[y:y + PATCH, x:x + PATCH] += 1
    heat = total / count
    ys, xs = torch.nonzero(heat >= heat.max() - 1e-6, as_tuple=True)
    return float(xs.float().mean()) + 0.5, float(ys.float().mean()) + 0.5, heat


def evaluate_set(name, scorer, imgs, labels, boxes, occlusion):
    """occlusion: how many lesion images get an occlusion map (0: none)."""
    px = to_pixels(imgs)
    emb = scorer.images(px)
    out = {'images': int(len(labels))}
    for variant in ('names', 'names-xray', 'descriptors', 'desc-only'):
        scores = scorer.class_scores(emb, scorer.class_texts(variant)).numpy()
        pred = scores.argmax(1)
        out[variant] = {'balanced_accuracy': round(balanced_accuracy(labels, pred), 4),
                        'auroc': {c: round(auroc(scores[labels == k, k], scores[labels != k, k]), 4)
                                  for k, c in enumerate(CLASSES)}}
    desc_texts = scorer.class_texts('descriptors')
    scores = scorer.class_scores(emb, desc_texts).numpy()
    pred = scores.argmax(1)
    out['confusion'] = [[int(np.sum((labels == t) & (pred == p))) for p in range(len(CLASSES))] for t in range(len(CLASSES))]
    if occlusion:
        text_emb = {c: scorer.texts(desc_texts[c]) for c in CLASSES}
        hits = {c: [0, 0] for c in CLASSES[1:]}
        hits_true = {c: [0, 0] for c in CLASSES[1:]}
        for i in np.nonzero(labels > 0)[0][:occlusion]:
            c = CLASSES[labels[i]]
            x0, y0, x1, y1 = boxes[i]
            peak = {}
            for cls in {CLASSES[pred[i]], c}:
                x, y, _ = occlusion_peak(scorer, px[i], text_emb[cls])
                peak[cls] = int(x0 <= x < x1 and y0 <= y < y1)
            for table, cls in ((hits, CLASSES[pred[i]]), (hits_true, c)):
                table[c][0] += peak[cls]
                table[c][1] += 1
        out['occlusion_peak_in_box'] = {c: f'{h}/{n}' for c, (h, n) in hits.items()}
        out['occlusion_peak_in_box_rate'] = round(sum(h for h, _ in hits.values()) / sum(n for _, n in hits.values()), 4)
        out['occlusion_true_class_peak_in_box'] = {c: f'{h}/{n}' for c, (h, n) in hits_true.items()}
    print(f'--- {name}: {out["images"]} images')
    for variant in ('names', 'names-xray', 'descriptors', 'desc-only'):
        print(f'  balanced accuracy {variant:12s} {out[variant]["balanced_accuracy"]:.3f}   AUROC ' +
              ' '.join(f'{c[:5]} {v:.3f}' for c, v in out[variant]['auroc'].items()))
    print('  confusion (descriptors; rows true, cols predicted, order ' + ', '.join(CLASSES) + ')')
    for row in out['confusion']:
        print('   ', row)
    if occlusion:
        print(f'  occlusion peak in box (predicted class): {out["occlusion_peak_in_box"]}  '
              f'overall {out["occlusion_peak_in_box_rate"]:.3f}')
        print(f'  occlusion peak in box (true class):      {out["occlusion_true_class_peak_in_box"]}')
    return out


def per_descriptor(scorer, imgs, labels):
    """One-vs-rest AUROC of each grammar descriptor (in the class sentence) for its own class."""
    from captions import DESCRIPTORS
    emb = scorer.images(to_pixels(imgs))
    out = {}
    for k, c in enumerate(CLASSES):
        t = scorer.texts([descriptor_sentence(c, d) for d in DESCRIPTORS[c]])
        s = (emb @ t.t()).numpy()
        out[c] = {d: round(auroc(s[labels == k, j], s[labels != k, j]), 3) for j, d in enumerate(DESCRIPTORS[c])}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('workdir')
    ap.add_argument('model_dir')
    ap.add_argument('fixtures')
    ap.add_argument('--extra', type=int, default=500)
    a = ap.parse_args()
    torch.set_num_threads(2)
    ck = torch.load(os.path.join(a.workdir, 'weights.pt'))
    model = DemoClip(ck['vocab_size'], ck['context'])
    model.load_state_dict(ck['state'])
    model.eval()
    tok = Tokenizer.load(a.model_dir)
    scorer = Scorer(model, tok)
    t0 = time.time()
    result = {'suggested_descriptors': SUGGESTED, 'occlusion': {'patch': PATCH, 'stride': STRIDE, 'grey': GREY}}
    imgs, labels, boxes, _ = load_folder(a.fixtures, VISION['image_size'])
    result['fixtures'] = evaluate_set(os.path.relpath(a.fixtures), scorer, imgs, labels, boxes, len(labels))
    if a.extra:
        imgs, labels, boxes, _ = generate_arrays(a.extra, EXTRA_SEED, VISION['image_size'])
        result[f'unseen_seed_{EXTRA_SEED}'] = evaluate_set(f'{a.extra} phantoms, seed {EXTRA_SEED}', scorer,
                                                            imgs, labels, boxes, 200)
        result['per_descriptor_auroc'] = per_descriptor(scorer, imgs, labels)
        print('--- per-descriptor one-vs-rest AUROC (seed %d)' % EXTRA_SEED)
        for c, d in result['per_descriptor_auroc'].items():
            print(f'  {c}: ' + '; '.join(f'{k} {v:.2f}' for k, v in sorted(d.items(), key=lambda kv: -kv[1])))
    print(f'evaluated in {time.time() - t0:.0f}s')
    with open(os.path.join(a.workdir, 'eval.json'), 'w') as f:
        json.dump(result, f, indent=2)


if __name__ == '__main__':
    main()
