#!/usr/bin/python3
"""A small byte-level BPE tokenizer trained on the caption corpus, written as tokenizer.json in the
layout of OpenAI CLIP's tokenizer as Hugging Face converts it (CLIPTokenizerFast), so the product
loads it through the same code path as a real CLIP folder:

  normalizer     Sequence[NFC, Replace(Regex \\s+ -> " "), Lowercase]
  pre_tokenizer  Sequence[Split(CLIP regex, Removed, invert), ByteLevel(add_prefix_space false)]
  model          BPE(end_of_word_suffix "</w>", unk <|endoftext|>)
  post_processor RobertaProcessing(<|startoftext|> ... <|endoftext|>)
  decoder        ByteLevel

Vocabulary order as CLIP's: the 256 byte symbols, the same with "</w>", one token per merge, then
<|startoftext|> and <|endoftext|> last (so the end token has the highest id, which is where CLIP
text towers pool: argmax of input_ids). The byte symbols make any text tokenizable.

usage: tokenizer.py OUTDIR [--context 48]
"""
import argparse
import collections
import json
import os
import re
import unicodedata

from captions import corpus

BOS, EOS = '<|startoftext|>', '<|endoftext|>'
CONTEXT = 48
CLIP_SPLIT = r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""
# The same pattern for Python's re, which lacks \p{..}: letters = word characters minus digits and "_".
PY_SPLIT = re.compile(r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[^\W\d_]+|\d|[^\s\w]+|_+""")


def byte_symbols():
    """GPT-2's reversible byte -> printable character map, in CLIP's vocabulary order."""
    printable = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))
    bs, cs, extra = list(printable), list(printable), 0
    for b in range(256):
        if b not in printable:
            bs.append(b)
            cs.append(256 + extra)
            extra += 1
    return dict(zip(bs, (chr(c) for c in cs)))


BYTE_TO_SYM = byte_symbols()


def pre_tokenize(text):
    text = unicodedata.normalize('NFC', text)
    text = re.sub(r'\s+', ' ', text).lower()
    return [''.join(BYTE_TO_SYM[b] for b in piece.encode('utf-8')) for piece in PY_SPLIT.findall(text)]


def word_symbols(word):
    return list(word[:-1]) + [word[-1] + '</w>']


def train_merges(lines):
    """Classic BPE: merge the most frequent adjacent pair until every corpus word is one token.
    Ties go to the lexicographically smallest pair, so training is deterministic."""
    counts = collections.Counter(w for line in lines for w in pre_tokenize(line))
    words = {w: word_symbols(w) for w in counts}
    merges = []
    while True:
        pairs = collections.Counter()
        for w, syms in words.items():
            for a, b in zip(syms, syms[1:]):
                pairs[a, b] += counts[w]
        if not pairs:
            return merges
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(best)
        for w, syms in words.items():
            i, out = 0, []
            while i < len(syms):
                if i + 1 < len(syms) and (syms[i], syms[i + 1]) == best:
                    out.append(syms[i] + syms[i + 1])
                    i += 2
                else:
                    out.append(syms[i])
                    i += 1
            words[w] = out


def build_vocab(merges):
    # CLIP's order is the map's insertion order (printable bytes first), not by byte value
    syms = list(BYTE_TO_SYM.values())
    tokens = syms + [s + '</w>' for s in syms]
    seen = set(tokens)
    for a, b in merges:
        if a + b not in seen:  # the same string can come from two different merges
            tokens.append(a + b)
            seen.add(a + b)
    tokens += [BOS, EOS]
    return {t: i for i, t in enumerate(tokens)}


class Tokenizer:
    """The reference encoder used for training; must agree with tokenizer.json (checked by build.sh)."""

    def __init__(self, vocab, merges, context=CONTEXT):
        self.vocab, self.context = vocab, context
        self.ranks = {m: i for i, m in enumerate(merges)}
        self.bos, self.eos = vocab[BOS], vocab[EOS]

    @classmethod
    def load(cls, path):
        tj = json.load(open(os.path.join(path, 'tokenizer.json'), encoding='utf-8'))
        cfg = json.load(open(os.path.join(path, 'tokenizer_config.json'), encoding='utf-8'))
        merges = [tuple(m.split(' ')) for m in tj['model']['merges']]
        return cls(tj['model']['vocab'], merges, cfg['model_max_length'])

    def bpe(self, word):
        syms = word_symbols(word)
        while len(syms) > 1:
            pairs = [(self.ranks.get(p, 1 << 30), i) for i, p in enumerate(zip(syms, syms[1:]))]
            rank, i = min(pairs)
            if rank == 1 << 30:
                break
            syms = syms[:i] + [syms[i] + syms[i + 1]] + syms[i + 2:]
        return syms

    def encode(self, text, truncate=True):
        """Token ids with BOS/EOS; truncated to the context length (EOS kept) unless asked not to,
        as tokenizer.json itself does not truncate (the loader does)."""
        ids = [self.vocab[s] for w in pre_tokenize(text) for s in self.bpe(w)]
        return [self.bos] + (ids[:self.context - 2] if truncate else ids) + [self.eos]


def added(idx, content):
    return {"id": idx, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
            "normalized": True, "special": True}


def tokenizer_json(vocab, merges):
    bos, eos = vocab[BOS], vocab[EOS]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added(bos, BOS), added(eos, EOS)],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "NFC"},
            {"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "},
            {"type": "Lowercase"}]},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": CLIP_SPLIT}, "behavior": "Removed", "invert": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}]},
        "post_processor": {"type": "RobertaProcessing", "sep": [EOS, eos], "cls": [BOS, bos],
                           "trim_offsets": False, "add_prefix_space": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": EOS, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "</w>", "fuse_unk": False, "byte_fallback": False,
                  "vocab": vocab, "merges": [f"{a} {b}" for a, b in merges]},
    }


def token_object(content):
    return {"__type": "AddedToken", "content": content, "lstrip": False, "normalized": True,
            "rstrip": False, "single_word": False}


def tokenizer_config(context):
    return {
        "add_prefix_space": False,
        "bos_token": token_object(BOS),
        "clean_up_tokenization_spaces": True,
        "do_lower_case": True,
        "eos_token": token_object(EOS),
        "errors": "replace",
        "model_max_length": context,
        "pad_token": EOS,
        "tokenizer_class": "CLIPTokenizer",
        "unk_token": token_object(EOS),
    }


def special_tokens_map():
    def tok(c):
        return {"content": c, "lstrip": False, "normalized": True, "rstrip": False, "single_word": False}
    return {"bos_token": tok(BOS), "eos_token": tok(EOS), "pad_token": EOS, "unk_token": tok(EOS)}


def write_json(path, obj):
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write('\n')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('outdir')
    ap.add_argument('--context', type=int, default=CONTEXT)
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    merges = train_merges(corpus())
    vocab = build_vocab(merges)
    write_json(os.path.join(a.outdir, 'tokenizer.json'), tokenizer_json(vocab, merges))
    write_json(os.path.join(a.outdir, 'tokenizer_config.json'), tokenizer_config(a.context))
    write_json(os.path.join(a.outdir, 'special_tokens_map.json'), special_tokens_map())
    print(f'tokenizer: {len(vocab)} tokens, {len(merges)} merges, context {a.context} -> {a.outdir}')


if __name__ == '__main__':
    main()
