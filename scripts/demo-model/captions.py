#!/usr/bin/python3
"""Caption grammar for the phantoms: class names, synonyms and visual-symptom descriptors, put
into the sentence forms the product sends to a text tower, so that both class-name prompts and
descriptor prompts are in-distribution for the demo model.

The forms (see docs/methods.md):
  class name alone or in a class template  "a chest x-ray showing {class}"
  descriptor sentence                      "{class}, which {link} {descriptor}"
  descriptor alone or in a template        "there is {descriptor}"
  CheXzero / Xplainer negatives            "no {class}", "there are no {descriptor}": these describe
                                           the absence of a finding, so they are captions of normal images

Captions may also say what an image shows beyond its class: the side of the finding ("left
pleural effusion") and its size ("small pneumothorax"), by a word or through a descriptor that only
fits small or large findings ("blunted costophrenic angle" is what a small effusion shows). Such a
caption matches only the images it is true of, so descriptors differ in what they pick up instead
of all collapsing onto their class.
"""
import random

CLASSES = ['normal', 'effusion', 'cardiomegaly', 'nodule', 'pneumothorax']

# The class key itself comes first: notebooks use it as `{class}`.
NAMES = {
    'normal': ['normal', 'normal chest', 'no finding', 'healthy chest', 'no acute cardiopulmonary abnormality',
               'unremarkable chest'],
    'effusion': ['effusion', 'pleural effusion', 'fluid in the pleural space', 'hydrothorax', 'pleural fluid'],
    'cardiomegaly': ['cardiomegaly', 'enlarged heart', 'cardiac enlargement', 'big heart'],
    'nodule': ['nodule', 'lung nodule', 'pulmonary nodule', 'solitary pulmonary nodule', 'lung mass', 'coin lesion'],
    'pneumothorax': ['pneumothorax', 'collapsed lung', 'air in the pleural space', 'partial lung collapse'],
}

DESCRIPTORS = {
    'normal': ['clear lung fields', 'sharp costophrenic angles', 'normal heart size', 'no focal opacity',
               'symmetric lung markings', 'lung markings reaching the chest wall', 'normal cardiothoracic ratio',
               'well expanded lungs', 'clear lungs', 'normal cardiac silhouette', 'no pleural fluid',
               'crisp diaphragm domes'],
    'effusion': ['blunted costophrenic angle', 'fluid meniscus at the lung base', 'meniscus sign',
                 'opacity at the lung base', 'hazy lower zone', 'obscured hemidiaphragm',
                 'homogeneous opacity with a concave upper border', 'fluid layering at the base',
                 'loss of the costophrenic angle', 'dense lower lung zone', 'curved fluid line'],
    'cardiomegaly': ['enlarged heart shadow', 'increased cardiothoracic ratio', 'wide cardiac silhouette',
                     'heart wider than half the chest', 'large cardiac shadow', 'globular heart',
                     'cardiothoracic ratio above one half', 'broad heart border', 'big heart shadow',
                     'widened cardiac outline'],
    'nodule': ['round opacity', 'small round density in the lung', 'well circumscribed opacity',
               'focal rounded opacity', 'coin-like lesion', 'solitary round shadow', 'spherical density',
               'discrete round spot', 'round white spot in the lung', 'circular opacity'],
    'pneumothorax': ['visible pleural line', 'lucent rim without lung markings', 'absent lung markings at the periphery',
                     'hyperlucent area at the lung edge', 'sharp visceral pleural edge', 'dark band along the chest wall',
                     'lung edge separated from the chest wall', 'no vascular markings beyond the pleural line',
                     'dark apical rim', 'black air rim at the apex'],
}

# Descriptors that fit only small or only large findings of their class (the rest fit all).
DESCRIPTOR_SIZE = {
    'blunted costophrenic angle': 'small', 'loss of the costophrenic angle': 'small',
    'obscured hemidiaphragm': 'large', 'homogeneous opacity with a concave upper border': 'large',
    'dense lower lung zone': 'large',
    'globular heart': 'large', 'big heart shadow': 'large',
    'small round density in the lung': 'small', 'discrete round spot': 'small',
    'spherical density': 'large', 'coin-like lesion': 'large',
    'dark apical rim': 'small', 'black air rim at the apex': 'small',
    'dark band along the chest wall': 'large', 'lung edge separated from the chest wall': 'large',
}
SIZE_WORDS = {
    'effusion': {'small': ['small', 'trace', 'minimal'], 'large': ['large', 'massive', 'extensive']},
    'cardiomegaly': {'small': ['mild', 'borderline'], 'large': ['marked', 'severe', 'massive']},
    'nodule': {'small': ['small', 'tiny', 'faint'], 'large': ['large', 'big', 'dense']},
    'pneumothorax': {'small': ['small', 'thin', 'subtle'], 'large': ['large', 'extensive', 'wide']},
}

CLASS_TEMPLATES = ['{}', '{}', 'a chest x-ray showing {}', 'a chest radiograph with {}', 'chest x-ray: {}',
                   'findings consistent with {}', 'an x-ray of {}', '{} on chest x-ray', 'there is {}',
                   'a photo of {}', 'a radiograph of {}', 'frontal chest x-ray with {}', 'this x-ray shows {}',
                   'an image of {}']
DESCRIPTOR_TEMPLATES = ['{}', '{}', 'a chest x-ray showing {}', 'there is {}', 'there are {}', 'x-ray with {}',
                        'the image shows {}', 'a radiograph with {}', 'which has {}']
SIDES = ['left', 'right']
NEGATION_TEMPLATES = ['no {}', 'there is no {}', 'there are no {}', 'without {}', 'no evidence of {}']

HAS_LINKS = ('has', 'often', 'typically', 'may', 'can')


def descriptor_sentence(cls, descriptor):
    """docs/methods.md's sentence: `{class}, which {link} {descriptor}` with the word test for "is"."""
    first = descriptor.split()[0].lower() if descriptor.split() else ''
    if first in ('a', 'an', 'used'):
        return f'{cls}, which is {descriptor}'
    if first in HAS_LINKS:
        return f'{cls}, which {descriptor}'
    return f'{cls}, which has {descriptor}'


def size_bucket(severity):
    """'small' / 'large' for the ends of the severity range; None in between (no size word fits)."""
    return 'small' if severity < 0.4 else 'large' if severity >= 0.6 else None


def sample_caption(rng, label, side=None, size=None):
    """One caption for an image of class `label`; `side` ('left'/'right', the patient's) and `size`
    (size_bucket) describe its finding, if any. Returns (text, side, size), with side and size set
    only where the caption commits to them."""
    r = rng.random()
    names = NAMES[label]
    # Like report text, captions describe more often than they name: a bare class name is 1 caption
    # in 5, and the class key itself only a third of the names used.
    name = label if rng.random() < 0.35 else rng.choice(names)
    said_side = side if side and rng.random() < 0.25 else None
    said_size = size if size and label in SIZE_WORDS and rng.random() < 0.3 else None
    if label == 'normal' and r < 0.12:
        other = rng.choice(CLASSES[1:])
        what = rng.choice(NAMES[other] + DESCRIPTORS[other])
        return rng.choice(NEGATION_TEMPLATES).format(what), None, None
    if r < 0.2:
        if said_size:
            name = f'{rng.choice(SIZE_WORDS[label][said_size])} {name}'
        if said_side:
            name = f'{said_side} {name}' if rng.random() < 0.5 else f'{name} on the {said_side}'
        return rng.choice(CLASS_TEMPLATES).format(name), said_side, said_size
    # descriptors that are true of this finding's size
    descs = [d for d in DESCRIPTORS[label] if DESCRIPTOR_SIZE.get(d) in (None, size)]
    d1 = rng.choice(descs)
    fits = DESCRIPTOR_SIZE.get(d1)
    if r < 0.6:
        if said_side:
            d1 = f'{said_side} {d1}' if rng.random() < 0.5 else f'{d1} on the {said_side}'
        return rng.choice(DESCRIPTOR_TEMPLATES).format(d1), said_side, fits
    if r < 0.85:
        return descriptor_sentence(name, d1), None, fits
    # two descriptors, as a longer report line
    d2 = rng.choice([d for d in descs if d != d1])
    fits = fits or DESCRIPTOR_SIZE.get(d2)
    return rng.choice(['{} and {}', '{}, {}', '{} with {}']).format(d1, d2), None, fits


def corpus():
    """Every phrase in every form once: the text the tokenizer is trained on."""
    out = []
    for label in CLASSES:
        for n in NAMES[label]:
            out += [t.format(n) for t in CLASS_TEMPLATES]
            for d in DESCRIPTORS[label]:
                out.append(descriptor_sentence(n, d))
        for d in DESCRIPTORS[label]:
            out += [t.format(d) for t in DESCRIPTOR_TEMPLATES]
            out += [f'{s} {d}' for s in SIDES] + [f'{d} on the {s}' for s in SIDES]
            out += [t.format(d) for t in NEGATION_TEMPLATES]
        out += [t.format(n) for n in NAMES[label] for t in NEGATION_TEMPLATES]
        for n in NAMES[label]:
            out += [f'{s} {n}' for s in SIDES] + [f'{n} on the {s}' for s in SIDES]
            out += [f'{w} {n}' for words in SIZE_WORDS.get(label, {}).values() for w in words]
    return out


if __name__ == '__main__':
    rng = random.Random(0)
    for label in CLASSES:
        for _ in range(5):
            print(f'{label:13s} {sample_caption(rng, label, "left", "small")}')
    print(len(corpus()), 'corpus lines')
