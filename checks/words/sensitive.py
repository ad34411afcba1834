"""The sensitive-word list (data file + config.yaml `sensitive_words`), shared by sites and accounts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import ahocorasick

from checks.data import load_data
from checks.words.matcher import compile_words, scan

CUSTOM_KIND = "自定义"


@dataclass(frozen=True, slots=True)
class SensitiveHit:
    start: int
    end: int
    word: str
    kind: str


@cache
def automaton(extra: tuple[str, ...] = ()) -> ahocorasick.Automaton:
    data = load_data("sensitive.yaml")
    words = {word.lower(): kind for word, kind in (data.get("words") or {}).items()}
    words.update({word.lower(): CUSTOM_KIND for word in extra})
    return compile_words(words, [p.lower() for p in data.get("whitelist") or []])


@cache
def _context() -> tuple[tuple[str, ...], int]:
    """The words that exempt a hit when they stand just before it, and how far before."""
    data = load_data("sensitive.yaml")
    return tuple(data.get("exempt_before") or ()), int(data.get("context_window") or 0)


def find_sensitive(text: str, extra: tuple[str, ...] = ()) -> list[SensitiveHit]:
    """Sensitive words in `text`, except where the words just before say the text fights them.

    `extra` (the deployment's words) keys the compiled automaton: pass the same tuple for every text."""
    exempt, window = _context()
    hits = []
    for m in scan(automaton(extra), text.lower()):
        before = text[max(0, m.start - window):m.start]
        if any(word in before for word in exempt):
            continue
        hits.append(SensitiveHit(m.start, m.end, text[m.start:m.end], m.payload))
    return hits
