"""One Aho-Corasick pass over a text for any word list: the dictionaries' shared engine.

Serious errors, typos and sensitive words are all "find these words, but not inside those
phrases": the whitelist is matched in the same pass and masks the hits it contains; among
overlapping hits the leftmost-longest wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import ahocorasick

WHITELIST = object()


@dataclass(frozen=True, slots=True)
class Match:
    start: int
    end: int
    word: str
    payload: Any


def compile_words(words: Mapping[str, Any], whitelist: Iterable[str] = ()) -> ahocorasick.Automaton:
    """An automaton for `words` (word → payload) that also knows the whitelisted phrases."""
    automaton = ahocorasick.Automaton()
    for word, payload in words.items():
        if word:
            automaton.add_word(word, (word, payload))
    for phrase in whitelist:
        if phrase:
            automaton.add_word(phrase, (phrase, WHITELIST))
    automaton.make_automaton()
    return automaton


def scan(automaton: ahocorasick.Automaton, text: str) -> list[Match]:
    """Hits in `text`: whitelisted spans removed, leftmost-longest, not overlapping."""
    if len(automaton) == 0:
        return []
    found, allowed = [], []
    for end, (word, payload) in automaton.iter(text):
        match = Match(end - len(word) + 1, end + 1, word, payload)
        (allowed if payload is WHITELIST else found).append(match)
    found.sort(key=lambda m: (m.start, -(m.end - m.start)))
    hits, last_end = [], -1
    for match in found:
        if match.start < last_end or any(a.start <= match.start and match.end <= a.end for a in allowed):
            continue
        hits.append(match)
        last_end = match.end
    return hits
