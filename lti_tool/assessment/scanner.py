"""Wording checks for evidence notes: gentle warnings, never blocking, never stored.

* Special-category and offence words (DP-2): religion, ethnicity, politics, offence details.
* Character words: a note should describe behaviour and situations, not the person's character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = re.compile(r"[\w'-]+", re.UNICODE)

#: Stems that suggest special-category or offence data (DP-2). Matched at the start of a word.
SPECIAL_CATEGORY_STEMS = (
    "religio", "muslim", "islam", "christian", "jew", "jewish", "hindu", "sikh", "buddhis", "catholic",
    "protestant", "mosque", "church", "synagogue", "ethnic", "race", "racial", "nationalit", "politic",
    "party member", "leftist", "rightist", "conviction", "convicted", "offence", "offense", "sentence for",
    "jihad", "ideolog", "sexual orientation", "gay", "lesbian",
)

#: Words that judge character rather than describe behaviour.
CHARACTER_WORDS = (
    "lazy", "manipulative", "aggressive", "dangerous", "liar", "dishonest", "untrustworthy", "fanatic",
    "fanatical", "radical", "extremist", "terrorist", "evil", "violent person", "unmotivated", "hopeless case",
    "psychopath", "sociopath", "narcissist", "deviant", "weak", "stupid", "difficult person", "troublemaker",
)


@dataclass(frozen=True)
class Flag:
    """A word found in a note and why it was flagged."""

    word: str
    kind: str  # "special_category" or "character"


def _norm(text: str) -> str:
    return " ".join(m.group(0).lower() for m in _WORD.finditer(text or ""))


def scan(text: str) -> list[Flag]:
    """Return the flagged words in a note (each at most once)."""
    norm = " " + _norm(text) + " "
    flags: list[Flag] = []
    for stem in SPECIAL_CATEGORY_STEMS:
        if re.search(r"\s" + re.escape(stem), norm):
            flags.append(Flag(stem, "special_category"))
    for word in CHARACTER_WORDS:
        if re.search(r"\s" + re.escape(word) + r"\s", norm):
            flags.append(Flag(word, "character"))
    return flags


def character_words(text: str) -> list[str]:
    """Return the character words found in a note."""
    return [f.word for f in scan(text) if f.kind == "character"]
