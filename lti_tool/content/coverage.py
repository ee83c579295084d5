"""What each translation of a package covers: missing files, texts that fall back to the source, client texts.

``content validate`` prints this per package and language; the tests use it to hold every client-facing text
of the instrument to the nine languages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from .catalog import LoadedPackage
from .loader import IGNORED_TOP_LEVEL
from .overlay import missing_text, show_path, text_paths, value_at
from .sources import TEXT_SUFFIXES, Source, YamlProblem, parse_yaml, split_front_matter

#: The instrument file whose client-facing texts every client language must give.
INSTRUMENT_FILE = "instrument.yaml"
#: What the client reads of the instrument (the client copy, the printed plan, the client's own view):
#: the instrument's client title and its statement, each domain's client title and client prompt, and the
#: labels of the ``client_view`` scale. The scale's descriptions speak about "the person" to the practitioner,
#: so they are not client texts.
CLIENT_TOP_FIELDS = ("client_title", "statement")
CLIENT_DOMAIN_FIELDS = ("client_title", "client_prompt")
CLIENT_SCALE = "client_view"


def client_paths(instrument_raw: Any) -> list[tuple[Any, ...]]:
    """Return the path of every client-facing text of an instrument file (in file order)."""
    if not isinstance(instrument_raw, dict):
        return []
    paths: list[tuple[Any, ...]] = [(key,) for key in CLIENT_TOP_FIELDS if key in instrument_raw]
    scales = instrument_raw.get("scales")
    rows = scales.get(CLIENT_SCALE) if isinstance(scales, dict) else None
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict) and "value" in row:
            paths.append(("scales", CLIENT_SCALE, ("value", row["value"]), "label"))
    domains = instrument_raw.get("domains")
    for domain in domains if isinstance(domains, list) else []:
        if isinstance(domain, dict) and isinstance(domain.get("id"), str):
            paths.extend(("domains", ("id", domain["id"]), key) for key in CLIENT_DOMAIN_FIELDS if key in domain)
    return paths


@dataclass(frozen=True)
class FileCoverage:
    """One source file in one translation: whether it is translated and which texts fall back."""

    rel: str
    translated: bool
    texts: int  # translatable texts in the source file (1 for a Markdown page)
    missing: tuple[str, ...]  # texts the translation leaves to the source, as field paths


@dataclass(frozen=True)
class LanguageCoverage:
    """One declared translation of a package."""

    package: str
    language: str
    status: str
    files: tuple[FileCoverage, ...]
    client_missing: tuple[str, ...] | None  # None: the package has no instrument file

    @property
    def missing_files(self) -> tuple[str, ...]:
        """Return the source files the translation has no copy of."""
        return tuple(f.rel for f in self.files if not f.translated)

    @property
    def partly_translated(self) -> tuple[FileCoverage, ...]:
        """Return the translated files that leave some texts to the source."""
        return tuple(f for f in self.files if f.translated and f.missing)

    def lines(self) -> Iterator[str]:
        """Yield what ``content validate`` prints under this translation's line of the freshness report
        (:mod:`.freshness` counts the files): the texts a partial file leaves to the source, and the client texts."""
        for f in self.partly_translated:
            yield f"    {f.rel}: {f.texts - len(f.missing)} of {f.texts} texts translated, the rest in the source " \
                  "language"
        if self.client_missing is not None:
            yield ("    client texts: all translated" if not self.client_missing else
                   f"    client texts missing: {', '.join(self.client_missing)}")


def _raw(source: Source, rel: str) -> Any:
    data = source.read_bytes(rel)
    if data is None:
        return None
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n")
    try:
        if rel.endswith(".md"):
            return split_front_matter(text).meta
        return parse_yaml(text)[0]
    except YamlProblem:
        return None


def _content_files(source: Source) -> list[str]:
    """Return the files a translation may translate: every text file but package.yaml, i18n/ and assets/."""
    return [rel for rel in source.paths() if rel.endswith(TEXT_SUFFIXES) and not rel.startswith(("i18n/", "assets/"))
            and rel not in ("package.yaml", *IGNORED_TOP_LEVEL)]


def coverage(loaded: LoadedPackage) -> list[LanguageCoverage]:
    """Return the coverage of every declared translation of a package (planned ones included)."""
    source = loaded.source
    files = _content_files(source)
    out = []
    for declared in loaded.package.translations:
        prefix = f"i18n/{declared.language}/"
        rows = []
        client_missing: tuple[str, ...] | None = None
        for rel in files:
            translated = source.exists(prefix + rel)
            base = _raw(source, rel)
            if rel.endswith(".md"):
                rows.append(FileCoverage(rel, translated, 1, () if translated else ("body",)))
                continue
            texts = list(text_paths(base))
            mine = _raw(source, prefix + rel) if translated else None
            missing = tuple(show_path(p) for p in (missing_text(base, mine) if translated else texts))
            rows.append(FileCoverage(rel, translated, len(texts), missing))
            if rel == INSTRUMENT_FILE and loaded.package.kind == "instrument":
                client_missing = tuple(show_path(p) for p in client_paths(base)
                                       if mine is None or not value_at(mine, p)[0])
        out.append(LanguageCoverage(loaded.package.id, declared.language, declared.status, tuple(rows),
                                    client_missing))
    return out


def client_texts(loaded: LoadedPackage, lang: str) -> dict[str, tuple[str, str]]:
    """Return every client text of the instrument in ``lang``: field path -> (text, language it is written in).

    A text the translation does not give is the source text, marked with the source language, so a page can
    mark it with its own ``lang`` rather than pass English off as the client's language.
    """
    source = loaded.source
    base = _raw(source, INSTRUMENT_FILE)
    mine = _raw(source, f"i18n/{lang}/{INSTRUMENT_FILE}") if lang in loaded.translations else None
    out: dict[str, tuple[str, str]] = {}
    for path in client_paths(base):
        found, text = value_at(mine, path) if mine is not None else (False, None)
        if found and isinstance(text, str) and text.strip():
            out[show_path(path)] = (text, lang)
        else:
            out[show_path(path)] = (str(value_at(base, path)[1] or ""), loaded.package.language)
    return out
