"""Is each translation whole and up to date with its source?

A translation's files live under ``<package>/i18n/<lang>/``. Beside that folder, ``i18n/<lang>.yaml`` records
which version of each source file a translated file was made from (a short SHA-256 of the source file)::

    language: fr
    files:
      modules/m01-foundations/01-words-matter.md: 3f2a9c1b7d4e

``flask --app wsgi content stamp <package> <lang>`` writes it once a translator has finished (for every
translated file, or only the files named). ``content validate`` then reports, per package and language:

* **missing**: a source file the translation has no copy of (readers see the English file);
* **out of date**: a translated file whose source changed since it was stamped;
* **not stamped**: a translated file the stamp file does not list, so no one can tell which source it follows.

The reader works on the folder alone, so it says the same thing for a package under review and for the
installed tree.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .sources import TEXT_SUFFIXES

#: Files that are part of the package's frame, not of what readers read.
_NOT_TRANSLATED = {"package.yaml", "README.md", "CHANGELOG.md", "LICENSE.md"}


@dataclass
class Freshness:
    """How one translation of one package stands against the source files."""

    package: str
    language: str
    status: str
    translated: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    outdated: list[str] = field(default_factory=list)
    unstamped: list[str] = field(default_factory=list)
    sources: int = 0

    @property
    def whole(self) -> bool:
        """Every source file is translated and every translation follows the current source."""
        return not (self.missing or self.outdated or self.unstamped)

    def lines(self, limit: int = 8) -> list[str]:
        """The report lines for ``content validate``."""
        head = (f"  {self.package} {self.language} ({self.status}): {len(self.translated)} of {self.sources} files "
                f"translated")
        head += ", up to date" if self.whole else ""
        out = [head]
        for label, paths in (("missing", self.missing), ("out of date", self.outdated),
                             ("not stamped", self.unstamped)):
            if paths:
                shown = ", ".join(paths[:limit]) + (f" and {len(paths) - limit} more" if len(paths) > limit else "")
                out.append(f"    {label} ({len(paths)}): {shown}")
        return out


def digest(data: bytes) -> str:
    """The short fingerprint a stamp records for a source file."""
    return hashlib.sha256(data).hexdigest()[:12]


def _source_files(folder: Path) -> list[str]:
    files = []
    for path in folder.rglob("*"):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and rel.endswith(TEXT_SUFFIXES) and not rel.startswith(("i18n/", "assets/")) \
                and rel not in _NOT_TRANSLATED and not any(part.startswith(".") for part in rel.split("/")):
            files.append(rel)
    return sorted(files)


def stamp_path(folder: Path, lang: str) -> Path:
    """Where the stamps of ``lang`` live."""
    return folder / "i18n" / f"{lang}.yaml"


def read_stamps(folder: Path, lang: str) -> dict[str, str]:
    """The recorded source fingerprints of a translation (empty when there is no stamp file or it is unreadable)."""
    path = stamp_path(folder, lang)
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}


def check_package(folder: Path) -> list[Freshness]:
    """How each declared translation of the package at ``folder`` stands."""
    try:
        manifest = yaml.safe_load((folder / "package.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []  # the loader reports an unreadable manifest
    sources = _source_files(folder)
    results = []
    for entry in manifest.get("translations") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("language"), str):
            continue
        lang = entry["language"]
        base = folder / "i18n" / lang
        stamps = read_stamps(folder, lang)
        result = Freshness(folder.name, lang, str(entry.get("status", "")), sources=len(sources))
        for rel in sources:
            if not (base / rel).is_file():
                result.missing.append(rel)
                continue
            result.translated.append(rel)
            recorded = stamps.get(rel)
            if recorded is None:
                result.unstamped.append(rel)
            elif recorded != digest((folder / rel).read_bytes()):
                result.outdated.append(rel)
        results.append(result)
    return results


def check_tree(root: Path) -> list[Freshness]:
    """Every translation of every package under ``root`` (or of the single package ``root`` is)."""
    if (root / "package.yaml").is_file():
        return check_package(root)
    return [r for folder in sorted(p for p in root.iterdir() if (p / "package.yaml").is_file())
            for r in check_package(folder)]


def stamp(folder: Path, lang: str, only: list[str] | None = None) -> list[str]:
    """Record the current source fingerprint of the translated files (all, or ``only``); return what was stamped.

    Raises:
        ValueError: A named file is not a translated source file of the package.
    """
    base = folder / "i18n" / lang
    translated = [rel for rel in _source_files(folder) if (base / rel).is_file()]
    chosen = translated if not only else only
    unknown = [rel for rel in chosen if rel not in translated]
    if unknown:
        raise ValueError(f"not a translated file of {folder.name} in {lang}: {', '.join(unknown)} "
                         f"(expected a path such as {translated[0] if translated else 'chapters/01-intro.md'})")
    stamps = {k: v for k, v in read_stamps(folder, lang).items() if k in translated}
    for rel in chosen:
        stamps[rel] = digest((folder / rel).read_bytes())
    text = ("# Which version of each source file the translation follows: written by "
            "`flask --app wsgi content stamp`.\n"
            + yaml.safe_dump({"language": lang, "files": dict(sorted(stamps.items()))}, allow_unicode=True,
                             sort_keys=False, width=200))
    stamp_path(folder, lang).write_text(text, encoding="utf-8")
    return chosen
