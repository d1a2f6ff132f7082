#!/usr/bin/python3
"""Caption grammar for the phantoms: class names, synonyms and visual-symptom descriptors, put
into the sentence forms the product sends to a text tower, so that both class-name prompts and
descriptor prompts are in-distribution for the demo model.

The forms (see METHODS.md):
  class name alone or in a class template  "a chest x-ray showing {class}"
  descriptor sentence                      "{class}, which {link} {descriptor}"
  descriptor alone or in a template        "there is {descriptor}"
  CheXzero / Xplainer negatives            "no {class}", "there are no {descriptor}": these describe
                                           the absence of a finding, so they are captions of normal images
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
    """METHODS.md's sentence: `{class}, which {link} {descriptor}` with the word test for "is"."""
    first = descriptor.split()[0].lower() if descriptor.split() else ''
    if first in ('a', 'an', 'used'):
        return f'{cls}, which is {descriptor}'
    if first in HAS_LINKS:
        return f'{cls}, which {descriptor}'
    return f'{cls}, which has {descriptor}'


def sample_caption(rng, label, side=None):
    """One caption for an image of class `label` (`side` is where the finding is, if anywhere)."""
    r = rng.random()
    names, descs = NAMES[label], DESCRIPTORS[label]
    # the canonical class key is used about as often as all its synonyms together
    name = label if rng.random() < 0.5 else rng.choice(names)
    if label == 'normal' and r < 0.12:
        other = rng.choice(CLASSES[1:])
        what = rng.choice(NAMES[other] + DESCRIPTORS[other])
        return rng.choice(NEGATION_TEMPLATES).format(what)
    if r < 0.35:
        return rng.choice(CLASS_TEMPLATES).format(name)
    if r < 0.65:
        desc = rng.choice(descs)
        if side and rng.random() < 0.2:
            desc = f'{side} {desc}' if rng.random() < 0.5 else f'{desc} on the {side}'
        return rng.choice(DESCRIPTOR_TEMPLATES).format(desc)
    if r < 0.9:
        return descriptor_sentence(name, rng.choice(descs))
    # two descriptors, as a longer report line
    d1, d2 = rng.sample(descs, 2)
    return rng.choice(['{} and {}', '{}, {}', '{} with {}']).format(d1, d2)


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
    return out


if __name__ == '__main__':
    rng = random.Random(0)
    for label in CLASSES:
        for _ in range(4):
            print(f'{label:13s} {sample_caption(rng, label, "left")}')
    print(len(corpus()), 'corpus lines')
