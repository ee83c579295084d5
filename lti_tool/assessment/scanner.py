"""Wording checks for evidence notes: gentle warnings, never blocking, never stored.

The word lists, in every partner language, are in :mod:`lti_tool.wordlists`.

* Special-category and offence words (DP-2): religion, ethnicity, politics, offence details.
* Character words: a note should describe behaviour and situations, not the person's character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import wordlists

_WORD = re.compile(r"[\w'-]+", re.UNICODE)

#: English stems that suggest special-category or offence data (DP-2). Matched at the start of a word.
SPECIAL_CATEGORY_STEMS = wordlists.SPECIAL_CATEGORY_STEMS["en"]

#: English words that judge character rather than describe behaviour.
CHARACTER_WORDS = wordlists.CHARACTER_WORDS["en"]

#: The same checks in every partner language (a note may be written in any of them): (language, entry).
_ALL_STEMS = wordlists.all_words(wordlists.SPECIAL_CATEGORY_STEMS)
_ALL_CHARACTER = wordlists.all_words(wordlists.CHARACTER_WORDS)


@dataclass(frozen=True)
class Flag:
    """A word found in a note and why it was flagged."""

    word: str
    kind: str  # "special_category" or "character"


def _norm(text: str) -> str:
    return " ".join(m.group(0).lower() for m in _WORD.finditer(text or ""))


def scan(text: str) -> list[Flag]:
    """Return the flagged words in a note (each at most once), in any of the partners' languages."""
    norm = " " + _norm(text) + " "
    flags: list[Flag] = []
    for lang, stem in _ALL_STEMS:
        before = "" if lang in wordlists.INFIX_LANGUAGES else r"\s"
        if re.search(before + re.escape(stem), norm):
            flags.append(Flag(stem.strip(), "special_category"))
    for lang, word in _ALL_CHARACTER:
        pattern = re.escape(word) if lang in wordlists.INFIX_LANGUAGES else r"\s" + re.escape(word) + r"\s"
        if re.search(pattern, norm):
            flags.append(Flag(word, "character"))
    return flags


def character_words(text: str) -> list[str]:
    """Return the character words found in a note."""
    return [f.word for f in scan(text) if f.kind == "character"]
