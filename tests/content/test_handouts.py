"""The easy-read client handouts (guide chapter 21) stay easy to read and free of labelling words."""

from __future__ import annotations

import re

from lti_tool.config import PROJECT_ROOT
from lti_tool.content.library import load_library

SHIPPED = PROJECT_ROOT / "content_packages"
HANDOUTS = ("What this support is", "Your information and your rights", "Saying yes or no (consent)",
            "What happens next")
#: Words client-facing text avoids (DP-17), plus words that frighten more than they inform.
AVOID = re.compile(r"\b(risk|radical|extremis[mt]|terroris[mt]|danger|dangerous|threat|offender|criminal)\w*",
                   re.IGNORECASE)


def _handout_sentences() -> dict[str, list[str]]:
    chapter = load_library(SHIPPED).chapter("client-handouts")
    text = (SHIPPED / "r2com-manual" / chapter.file).read_text(encoding="utf-8")
    out: dict[str, list[str]] = {}
    for number, title in enumerate(HANDOUTS, start=1):
        match = re.search(rf"^## Handout {number}: {re.escape(title)}\s*$(.*?)(?=^## )", text, re.M | re.S)
        assert match, f"handout {number} ({title}) is missing"
        lines = [line.strip() for line in match.group(1).splitlines()
                 if line.strip() and not line.lstrip().startswith(("#", "**"))]
        out[title] = [s for line in lines for s in re.split(r"(?<=[.?!])\s+", line) if s]
    return out


def test_four_handouts_with_short_sentences() -> None:
    for title, sentences in _handout_sentences().items():
        lengths = [len(s.split()) for s in sentences]
        assert len(sentences) >= 15, title
        assert max(lengths) <= 13, f"{title}: a sentence of {max(lengths)} words; easy-read keeps one idea each"
        assert sum(lengths) / len(lengths) <= 9, f"{title}: sentences average {sum(lengths) / len(lengths):.1f} words"


def test_handouts_use_no_labelling_or_frightening_words() -> None:
    for title, sentences in _handout_sentences().items():
        found = [m.group(0) for s in sentences for m in [AVOID.search(s)] if m]
        assert not found, f"{title}: {found}"
