#!/usr/bin/python3
"""Synthetic chest "phantom" radiographs with a known finding and its location.

Each image is grey, SIZE x SIZE, drawn from simple shapes: body outline, two lung fields with
vessel-like markings, mediastinum, spine, heart shadow, rib arcs, then blur, noise and a random
global intensity curve. One finding per image (or none):

  normal        no finding (empty box)
  effusion      fluid with a meniscus filling one lung base (box: the fluid)
  cardiomegaly  an enlarged heart shadow (box: the heart)
  nodule        a round opacity inside a lung (box: the nodule)
  pneumothorax  a lucent rim without lung markings, bounded by a thin pleural line (box: the rim)

Severity is random, so some findings are subtle, and normal and mildly enlarged hearts overlap in
size: the demo needs real failure cases to show.
Every image is a pure function of (seed, index), so a set is reproducible and can be extended.

usage: phantoms.py OUTDIR --count N --seed S [--size 128]
writes OUTDIR/CLASS/CLASS-NNN.png and OUTDIR/labels.csv with columns path,label,x0,y0,x1,y1
(path relative to OUTDIR; box in pixels of the saved image, x0 <= x < x1, y0 <= y < y1;
empty for normal).
"""
import argparse
import csv
import os

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

CLASSES = ['normal', 'effusion', 'cardiomegaly', 'nodule', 'pneumothorax']
SIZE = 128


class Canvas:
    """Pixel grids in a resolution-independent frame: shapes are specified in units of a
    128-pixel image and scaled to the canvas size."""

    def __init__(self, size):
        self.size = size
        self.scale = size / 128.0
        yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
        self.x = (xx + 0.5) / self.scale
        self.y = (yy + 0.5) / self.scale

    def ellipse(self, cx, cy, ax, ay):
        return ((self.x - cx) / ax) ** 2 + ((self.y - cy) / ay) ** 2

    def box(self, mask):
        """Bounding box of a boolean mask in canvas pixels (x0, y0, x1, y1), end exclusive."""
        ys, xs = np.nonzero(mask)
        if len(xs) == 0:
            return None
        return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def smooth_noise(rng, size, sigma):
    """Low-pass noise in [-1, 1] (blurred white noise, rescaled)."""
    n = rng.standard_normal((size, size)).astype(np.float32)
    im = Image.fromarray(((n - n.min()) / (np.ptp(n) + 1e-6) * 255).astype(np.uint8))
    im = im.filter(ImageFilter.GaussianBlur(sigma))
    a = np.asarray(im, np.float32)
    a = (a - a.mean()) / (a.std() + 1e-6)
    return np.clip(a / 3.0, -1, 1)


def blur(a, sigma):
    """Separable Gaussian blur with edge padding."""
    r = max(1, int(3 * sigma + 0.5))
    k = np.exp(-np.arange(-r, r + 1) ** 2 / (2 * sigma * sigma)).astype(np.float32)
    k /= k.sum()
    p = np.pad(a, r, mode='edge')
    rows = sum(k[i] * p[:, i:i + a.shape[1]] for i in range(2 * r + 1))
    return sum(k[i] * rows[i:i + a.shape[0], :] for i in range(2 * r + 1)).astype(np.float32)


def vessel_markings(rng, c, lung, hilum_x, hilum_y, lateral):
    """Branching vessel-like lines from the hilum outward, thinner and fainter towards the periphery."""
    up = 4  # drawn at 4x and box-filtered down: cheap anti-aliasing
    im = Image.new('L', (c.size * up, c.size * up), 0)
    draw = ImageDraw.Draw(im)
    s = c.scale * up
    for _ in range(rng.integers(9, 15)):
        ang = rng.uniform(-1.3, 1.5) if lateral < 0 else rng.uniform(np.pi - 1.5, np.pi + 1.3)
        x, y = hilum_x, hilum_y
        steps = int(rng.uniform(25, 45) / 3)
        for k in range(steps):
            ang += rng.normal(0, 0.2)
            nx, ny = x + 3 * np.cos(ang), y + 3 * np.sin(ang) * 1.2
            fade = 1 - k / steps
            draw.line([(x * s, y * s), (nx * s, ny * s)], fill=int(255 * (0.3 + 0.7 * fade)),
                      width=max(1, int(round((0.6 + 1.6 * fade) * s))))
            if k == steps // 2 and rng.random() < 0.6:  # a side branch
                ba, bx, by = ang + rng.choice([-0.7, 0.7]), nx, ny
                for t in range(steps // 2):
                    ex, ey = bx + 3 * np.cos(ba), by + 3 * np.sin(ba) * 1.2
                    draw.line([(bx * s, by * s), (ex * s, ey * s)], fill=int(140 * fade), width=max(1, int(0.6 * s)))
                    bx, by = ex, ey
            x, y = nx, ny
    m = np.asarray(im.resize((c.size, c.size), Image.BOX), np.float32) / 255.0
    return m * lung


def phantom(seed, index, label, size=SIZE):
    """Draw one phantom. Returns (uint8 image [size, size], box or None, severity in [0, 1])."""
    rng = np.random.default_rng([seed, index, CLASSES.index(label)])
    c = Canvas(size)
    sev = rng.uniform(0, 1)  # 0 = subtle, 1 = obvious

    # --- anatomy
    cx = 64 + rng.uniform(-4, 4)
    body_cy, body_ax, body_ay = 72 + rng.uniform(-3, 3), rng.uniform(52, 58), rng.uniform(60, 68)
    body = c.ellipse(cx, body_cy, body_ax, body_ay) < 1
    img = np.where(body, 0.50, 0.06).astype(np.float32)
    img += body * 0.08 * (1 - np.clip(c.ellipse(cx, body_cy, body_ax, body_ay), 0, 1))  # thicker centre

    lung_top = 24 + rng.uniform(-3, 4)
    dia = 100 + rng.uniform(-4, 4)  # diaphragm dome base level
    lungs, lung_info = [], []
    for side in (-1, 1):  # -1: image left (patient right), 1: image right
        lx = cx + side * rng.uniform(22, 26)
        ax = rng.uniform(17, 20)
        ly = (lung_top + dia) / 2 + 6
        ay = (dia - lung_top) / 2 + 10
        dome_h = rng.uniform(10, 15) + (3 if side < 0 else 0)  # right dome higher
        # a tall ellipse cut by the diaphragm dome: the cut makes sharp costophrenic angles
        dome = dia - dome_h * np.clip(1 - ((c.x - lx) / (ax * 1.05)) ** 2, 0, 1) + (0 if side > 0 else -2)
        lung = (c.ellipse(lx, ly, ax, ay) < 1) & (c.y < dome) & (c.y > lung_top - 2)
        lungs.append(lung)
        lung_info.append(dict(side=side, lx=lx, ax=ax, ly=ly, ay=ay, dome=dome))
    lung_any = lungs[0] | lungs[1]

    # lung density with smooth texture, vessels from the hila
    tex = smooth_noise(rng, size, 3.0 * c.scale)
    lung_val = 0.20 + 0.03 * tex
    markings = np.zeros_like(img)
    for lung, info in zip(lungs, lung_info):
        hx = cx + info['side'] * rng.uniform(9, 12)
        markings = np.maximum(markings, vessel_markings(rng, c, lung, hx, rng.uniform(58, 66), -info['side']))
    img = np.where(lung_any, lung_val, img)

    # heart shadow (shifted to image right), mediastinum and spine
    heart_cx = cx + rng.uniform(5, 9)
    heart_cy = dia - rng.uniform(15, 19)
    if label == 'cardiomegaly':
        hax = rng.uniform(21, 24) + sev * rng.uniform(0, 9)
    else:
        hax = rng.uniform(16, 22.5)  # overlaps mild cardiomegaly: borderline hearts are ambiguous
    hay = hax * rng.uniform(0.72, 0.85)
    heart = (c.ellipse(heart_cx, heart_cy, hax, hay) < 1) & body & (c.y < dia + 4)
    medi = (np.abs(c.x - cx) < rng.uniform(6, 9)) & (c.y > 10) & (c.y < heart_cy) & body
    soft = heart | medi
    img = np.where(soft, 0.52 + 0.04 * tex, img)
    vessel_gain = rng.uniform(0.09, 0.15)
    img += vessel_gain * markings * ~soft

    # --- findings (drawn before ribs/noise so they sit "inside" the chest)
    box = None
    side_idx = int(rng.integers(0, 2))
    L, info = lungs[side_idx], lung_info[side_idx]
    if label == 'effusion':
        lung_vis = L & ~soft
        ys = np.nonzero(lung_vis)[0]
        lung_bottom, lung_h = ys.max() / c.scale, (ys.max() - ys.min()) / c.scale
        depth = lung_h * (0.03 + 0.3 * sev + rng.uniform(0, 0.05))
        level = lung_bottom - depth
        lateral = np.clip(-info['side'] * (c.x - info['lx']) / info['ax'], -1, 1)  # 1 at the chest wall
        meniscus = level - rng.uniform(4, 9) * np.clip(lateral, 0, 1) ** 2  # climbs the lateral wall
        fluid = lung_vis & (c.y > meniscus)
        ramp = np.clip((c.y - meniscus) / 4.0, 0, 1)  # density fades upward into the meniscus
        dens = rng.uniform(0.45, 0.55)
        img = np.where(fluid, img * (1 - ramp) + dens * ramp, img)
        box = c.box(fluid)
    elif label == 'cardiomegaly':
        box = c.box(heart)
    elif label == 'nodule':
        r = 2.5 + 7.5 * sev * rng.uniform(0.6, 1.0) + rng.uniform(0, 1.5)
        cand = L & ~soft & (c.ellipse(info['lx'], info['ly'], info['ax'] - r, info['ay'] - r) < 1)
        ys, xs = np.nonzero(cand)
        k = rng.integers(len(xs))
        nx, ny = (xs[k] + 0.5) / c.scale, (ys[k] + 0.5) / c.scale
        d = np.sqrt((c.x - nx) ** 2 + (c.y - ny) ** 2)
        prof = np.clip(1 - (d / r) ** 2, 0, 1) ** 0.5
        amp = rng.uniform(0.07, 0.18) + 0.17 * sev
        img = img + amp * prof
        box = c.box(d < r)
    elif label == 'pneumothorax':
        rim = 2.5 + 12 * sev * rng.uniform(0.6, 1.0) + rng.uniform(0, 3)
        # the collapsed lung: the same field shrunk away from the apex and the lateral wall
        shrunk = (c.ellipse(info['lx'] - info['side'] * rim * 0.6, info['ly'] + rim * 0.5,
                            info['ax'] - rim * 0.6, info['ay'] - rim * 0.5) < 1)
        lower_limit = info['ly'] + rng.uniform(-5, 15)
        air = L & ~shrunk & ~soft & (c.y < lower_limit)
        if not air.any():
            air = L & ~shrunk & ~soft
        img = np.where(air, 0.10 + 0.01 * tex, img)  # no markings, darker than lung
        # thin visceral pleural line at the collapsed lung's edge
        e = c.ellipse(info['lx'] - info['side'] * rim * 0.6, info['ly'] + rim * 0.5,
                      info['ax'] - rim * 0.6, info['ay'] - rim * 0.5)
        line = (np.abs(np.sqrt(e) - 1) < 0.035) & L & (c.y < lower_limit + 2) & ~soft
        img = np.where(line, img + rng.uniform(0.04, 0.2), img)
        box = c.box(air)

    # spine and ribs over everything inside the body
    spine = (np.abs(c.x - cx) < 5) & body
    img += 0.06 * spine
    ribs = np.zeros_like(img)
    spacing = rng.uniform(8.0, 9.5)
    for side in (-1, 1):
        for i in range(9):
            y0 = lung_top - 6 + i * spacing
            xl = (c.x - cx) * side  # distance from the midline towards this side
            arc = y0 + 0.012 * (xl - 4) ** 2 * (xl > 0)
            on = (np.abs(c.y - arc) < 1.6) & (xl > 4) & (xl < 50)
            ribs += on
    img += rng.uniform(0.05, 0.09) * np.clip(ribs, 0, 1) * body

    # --- acquisition: blur, noise, global intensity curve
    img = blur(np.clip(img, 0, 1), rng.uniform(0.5, 1.0) * c.scale)
    img += rng.normal(0, rng.uniform(0.008, 0.03), img.shape).astype(np.float32)
    img = np.clip(img, 0, 1) ** rng.uniform(0.75, 1.35)
    lo, hi = rng.uniform(0.0, 0.12), rng.uniform(0.82, 1.0)
    img = lo + (hi - lo) * img
    out = np.clip(np.rint(img * 255), 0, 255).astype(np.uint8)
    return out, box, sev


def make_set(outdir, count, seed, size=SIZE, classes=CLASSES):
    """Write `count` phantoms, balanced over classes (interleaved), and labels.csv."""
    os.makedirs(outdir, exist_ok=True)
    rows = []
    for i in range(count):
        label = classes[i % len(classes)]
        img, box, _ = phantom(seed, i, label, size)
        rel = f'{label}/{label}-{i // len(classes):03d}.png'
        os.makedirs(os.path.join(outdir, label), exist_ok=True)
        Image.fromarray(img, 'L').save(os.path.join(outdir, rel), optimize=True)
        rows.append([rel, label] + (list(box) if box else ['', '', '', '']))
    with open(os.path.join(outdir, 'labels.csv'), 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['path', 'label', 'x0', 'y0', 'x1', 'y1'])
        w.writerows(rows)
    return rows


def generate_arrays(count, seed, size=SIZE, start=0):
    """In-memory phantoms for training: uint8 images [N, size, size], labels [N], boxes [N, 4]
    (-1 for none) and severities [N] (how big or dense the finding is; captions can say it)."""
    imgs = np.zeros((count, size, size), np.uint8)
    labels = np.zeros(count, np.int64)
    boxes = np.full((count, 4), -1, np.int64)
    severity = np.zeros(count, np.float32)
    for j in range(count):
        i = start + j
        k = i % len(CLASSES)
        imgs[j], box, severity[j] = phantom(seed, i, CLASSES[k], size)
        labels[j] = k
        if box:
            boxes[j] = box
    return imgs, labels, boxes, severity


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('outdir')
    ap.add_argument('--count', type=int, required=True)
    ap.add_argument('--seed', type=int, required=True)
    ap.add_argument('--size', type=int, default=SIZE)
    a = ap.parse_args()
    rows = make_set(a.outdir, a.count, a.seed, a.size)
    print(f'wrote {len(rows)} phantoms to {a.outdir} (seed {a.seed}, {a.size} px)')


if __name__ == '__main__':
    main()
