"""Search within the manual: every chapter's plain text, indexed once per package version and language."""

from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass

from ..content import model as m

_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_index: dict[tuple[str, str, str], list[tuple[m.Chapter, str]]] = {}
_lock = threading.Lock()
SNIPPET = 90


@dataclass(frozen=True)
class Hit:
    """A chapter that matches, with a snippet around the first match."""

    chapter: m.Chapter
    before: str
    match: str
    after: str
    count: int


def plain(html_text: str) -> str:
    """Return the visible text of HTML."""
    return _SPACE.sub(" ", html.unescape(_TAGS.sub(" ", html_text))).strip()


def _chapters(package: m.Package) -> list[tuple[m.Chapter, str]]:
    key = (package.id, package.version, package.lang)
    found = _index.get(key)
    if found is None:
        manual: m.Manual = package.body  # type: ignore[assignment]
        found = [(c, plain(c.title + " . " + c.html)) for c in manual.chapters]
        with _lock:
            _index[key] = found
    return found


def search(package: m.Package, query: str, limit: int = 50) -> list[Hit]:
    """Return the chapters containing every word of ``query`` (case-insensitive), most matches first."""
    words = [w.lower() for w in _WORD.findall(query)][:8]
    if not words:
        return []
    hits = []
    for chapter, text in _chapters(package):
        folded = text.lower()
        if not all(w in folded for w in words):
            continue
        first = min(folded.find(w) for w in words)
        word = next(w for w in words if folded.find(w) == first)
        start = max(0, first - SNIPPET)
        end = first + len(word)
        hits.append(Hit(chapter, ("…" if start else "") + text[start:first], text[first:end],
                        text[end:end + SNIPPET] + ("…" if end + SNIPPET < len(text) else ""),
                        sum(folded.count(w) for w in words)))
    hits.sort(key=lambda h: (-h.count, h.chapter.number))
    return hits[:limit]
