"""The curated dictionary of wrong forms, compiled once into an Aho-Corasick automaton.

Every wrong form maps to its group (leaders, titles, institutions, laws, phrases, confusions)
and its right form; whitelist phrases are matched in the same pass and mask the hits they
contain, so "a wrong form inside a legitimate phrase" is never reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import ahocorasick

from checks.data import load_data
from checks.words.matcher import compile_words, scan

SERIOUS_GROUPS = ("leaders", "titles", "institutions", "laws", "phrases")
GROUP_TEXT = {"leaders": "领导人姓名", "titles": "领导人职务", "institutions": "机构名称", "laws": "法律法规名称",
              "phrases": "重要提法", "confusions": "错别字"}


@dataclass(frozen=True, slots=True)
class Hit:
    start: int
    end: int
    wrong: str
    right: str
    group: str


def _entries(leaders: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, tuple[str, str]]:
    data = load_data("serious_errors.yaml")
    entries: dict[str, tuple[str, str]] = {}
    for group in SERIOUS_GROUPS:
        for entry in data.get(group) or []:
            for wrong in entry["wrong"]:
                entries[wrong] = (entry["right"], group)
    for name, wrongs in leaders:
        for wrong in wrongs:
            entries[wrong] = (name, "leaders")
    for wrong, right in (data.get("confusions") or {}).items():
        entries.setdefault(wrong, (right, "confusions"))
    return entries


@cache
def automaton(leaders: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> ahocorasick.Automaton:
    return compile_words(_entries(leaders), load_data("serious_errors.yaml").get("whitelist") or [])


def leaders_key(leaders: dict[str, list[str]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """config.leaders as a hashable key for the automaton cache."""
    return tuple(sorted((name, tuple(wrongs)) for name, wrongs in leaders.items()))


def find(text: str, leaders: dict[str, list[str]] | None = None) -> list[Hit]:
    """Dictionary hits in `text`, whitelisted spans removed, leftmost-longest, not overlapping."""
    return [Hit(m.start, m.end, m.word, *m.payload) for m in scan(automaton(leaders_key(leaders or {})), text)]
