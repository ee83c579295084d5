"""The content library: every loaded package, lookups by id and language, links, counts and old versions."""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Mapping

from markupsafe import Markup

from . import model as m
from .catalog import LoadedPackage, rebuild, scan, scan_cached
from .errors import ContentIssue, ContentNotFound, ContentPackageError
from .render import rewrite_refs, text_direction

log = logging.getLogger(__name__)

RefResolver = Callable[[m.RefTarget], "str | None"]
_LANG_METHODS = frozenset({"packages", "package", "course", "manual", "instrument", "case_set", "module", "chapter",
                           "quiz", "case", "domain", "resolve_ref", "url_for_ref", "html", "get_version"})


@dataclass(frozen=True)
class PackageCounts:
    """What ``content list`` shows for one package."""

    id: str
    kind: str
    version: str
    languages: tuple[str, ...]
    numbers: Mapping[str, int]
    rows: tuple[tuple[str, str], ...]  # (item, details) per module, chapter, domain or case


class ContentLibrary:
    """Read-only access to every content package, shared by the course, manual and assessment features."""

    def __init__(self, packages: Mapping[str, LoadedPackage], content_dir: Path | None = None) -> None:
        self._packages = dict(sorted(packages.items()))
        self.content_dir = content_dir
        self._resolvers: dict[str, RefResolver] = {}
        self._old: dict[tuple[str, str], LoadedPackage] = {}
        self._old_lock = threading.Lock()

    # -- packages and languages ------------------------------------------------------------------
    def packages(self, lang: str | None = None) -> tuple[m.Package, ...]:
        """Return every package, in ``lang`` where translated."""
        return tuple(self._pick(loaded, lang) for loaded in self._packages.values())

    def loaded(self, package_id: str) -> LoadedPackage:
        """Return a package with its translations and files."""
        try:
            return self._packages[package_id]
        except KeyError:
            raise ContentNotFound(f"no content package {package_id}") from None

    def package(self, package_id: str, lang: str | None = None) -> m.Package:
        """Return a package, in ``lang`` if it has that translation (else the source language)."""
        return self._pick(self.loaded(package_id), lang)

    @staticmethod
    def _pick(loaded: LoadedPackage, lang: str | None) -> m.Package:
        if lang:
            for candidate in (lang, lang.split("-", 1)[0]):
                if candidate in loaded.translations:
                    return loaded.translations[candidate]
        return loaded.package

    def languages(self) -> tuple[str, ...]:
        """Return every language any package is available in."""
        langs = {lang for lp in self._packages.values() for lang in (lp.package.language, *lp.translations)}
        return tuple(sorted(langs))

    def for_language(self, lang: str) -> "LanguageView":
        """Return a view whose lookups use ``lang`` (with fallback to the source language)."""
        return LanguageView(self, lang)

    text_direction = staticmethod(text_direction)

    def _of_kind(self, kind: str, lang: str | None) -> m.Package:
        for loaded in self._packages.values():
            if loaded.package.kind == kind:
                return self._pick(loaded, lang)
        raise ContentNotFound(f"no {kind} package is installed")

    # -- lookups ---------------------------------------------------------------------------------
    def course(self, lang: str | None = None) -> m.Course:
        """Return the course."""
        return self._of_kind("course", lang).body  # type: ignore[return-value]

    def manual(self, lang: str | None = None) -> m.Manual:
        """Return the manual."""
        return self._of_kind("manual", lang).body  # type: ignore[return-value]

    def instrument(self, lang: str | None = None) -> m.Instrument:
        """Return the support-profile instrument."""
        return self._of_kind("instrument", lang).body  # type: ignore[return-value]

    def case_set(self, lang: str | None = None) -> m.CaseSet:
        """Return the fictional case set."""
        return self._of_kind("case-set", lang).body  # type: ignore[return-value]

    def module(self, module_id: str, lang: str | None = None) -> m.Module:
        """Return a course module."""
        return self.course(lang).module(module_id)

    def chapter(self, chapter_id: str, lang: str | None = None) -> m.Chapter:
        """Return a manual chapter."""
        return self.manual(lang).chapter(chapter_id)

    def quiz(self, module_id: str, lang: str | None = None) -> m.Quiz:
        """Return the quiz of a module."""
        return self.module(module_id, lang).quiz

    def case(self, case_id: str, lang: str | None = None) -> m.Case:
        """Return a fictional case."""
        return self.case_set(lang).case(case_id)

    def domain(self, domain_id: str, lang: str | None = None) -> m.Domain:
        """Return an instrument domain."""
        return self.instrument(lang).domain(domain_id)

    def resolve_ref(self, ref: str, lang: str | None = None) -> m.RefTarget:
        """Return what ``ref:package-id/item-id`` (or ``package-id/item-id``) points at."""
        package_id, _, item_id = ref.removeprefix("ref:").partition("/")
        return self.package(package_id, lang).item(item_id)

    # -- links -----------------------------------------------------------------------------------
    def set_ref_resolver(self, kind: str, resolver: RefResolver) -> None:
        """Let a feature give the URL of ``ref:`` targets in packages of ``kind`` (None: use the default)."""
        self._resolvers[kind] = resolver

    def url_for_ref(self, package_id: str, item_id: str, lang: str | None = None) -> str:
        """Return the URL for a ``ref:`` link (default ``#ref-<package>-<item>``)."""
        try:
            target = self.resolve_ref(f"{package_id}/{item_id}", lang)
        except ContentNotFound:
            target = None
        if target is not None:
            resolver = self._resolvers.get(self.loaded(package_id).package.kind)
            url = resolver(target) if resolver is not None else None
            if url:
                return url
        return f"#ref-{package_id}-{item_id}"

    def html(self, html: str, lang: str | None = None) -> Markup:
        """Return pre-rendered HTML with its ``ref:`` links turned into URLs, marked safe for templates."""
        return Markup(rewrite_refs(html, functools.partial(self._url, lang=lang)))

    def _url(self, package_id: str, item_id: str, lang: str | None) -> str:
        return self.url_for_ref(package_id, item_id, lang)

    def asset_folder(self, package_id: str) -> Path | None:
        """Return the assets/ folder of a package on disk, or None."""
        root = self.loaded(package_id).root
        return root / "assets" if root is not None else None

    # -- versions --------------------------------------------------------------------------------
    def get_version(self, package_id: str, version: str, lang: str | None = None) -> m.Package:
        """Return a package as it was at ``version``: the current one, or rebuilt from its snapshot."""
        current = self.loaded(package_id)
        if current.package.version == version:
            return self._pick(current, lang)
        key = (package_id, version)
        with self._old_lock:
            old = self._old.get(key)
        if old is None:
            from .snapshots import find_snapshot

            row = find_snapshot(package_id, version)
            if row is None:
                raise ContentNotFound(f"{package_id} {version} is not stored (no snapshot)")
            old, issues = rebuild(package_id, row.data)
            if issues:
                log.warning("%s %s rebuilt from its snapshot with %d issue(s): %s", package_id, version,
                            len(issues), "; ".join(map(str, issues[:5])))
            if old is None:
                raise ContentPackageError(issues, f"{package_id} {version} cannot be rebuilt from its snapshot")
            old = LoadedPackage(replace(old.package, content_hash=row.content_hash),
                                {k: replace(v, content_hash=row.content_hash) for k, v in old.translations.items()},
                                old.source)
            with self._old_lock:
                self._old[key] = old
        return self._pick(old, lang)

    # -- counts ----------------------------------------------------------------------------------
    def counts(self) -> list[PackageCounts]:
        """Return counts per package for ``content list``."""
        return [_counts(lp.package) for lp in self._packages.values()]


def _counts(package: m.Package) -> PackageCounts:
    body = package.body
    numbers: dict[str, int] = {}
    rows: list[tuple[str, str]] = []
    if isinstance(body, m.Course):
        for module in body.modules:
            rows.append((module.id, f"{len(module.pages)} pages, {module.words:,} words, "
                                    f"{len(module.quiz.questions)} questions"))
        numbers = {"modules": len(body.modules), "pages": sum(len(mo.pages) for mo in body.modules),
                   "words": sum(mo.words for mo in body.modules),
                   "questions": sum(len(mo.quiz.questions) for mo in body.modules)}
    elif isinstance(body, m.Manual):
        rows = [(f"{c.number:02d} {c.id}", f"{c.words:,} words") for c in body.chapters]
        numbers = {"chapters": len(body.chapters), "words": sum(c.words for c in body.chapters),
                   "glossary_terms": len(body.glossary)}
    elif isinstance(body, m.Instrument):
        rows = [(f"{d.number:02d} {d.id}", "optional" if d.optional else "") for d in body.domains]
        numbers = {"domains": len(body.required_domains), "optional_domains": len(body.domains) -
                   len(body.required_domains)}
    elif isinstance(body, m.CaseSet):
        rows = [(c.id, f"{c.words:,} words, {len(c.reference_profile)} domains rated") for c in body.cases]
        numbers = {"cases": len(body.cases), "fictional": sum(1 for c in body.cases if c.fictional)}
    return PackageCounts(package.id, package.kind, package.version, package.languages, numbers, tuple(rows))


class LanguageView:
    """A :class:`ContentLibrary` whose lookups are bound to one language."""

    def __init__(self, library: ContentLibrary, lang: str) -> None:
        self.library = library
        self.lang = lang
        self.direction = text_direction(lang)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.library, name)
        return functools.partial(attr, lang=self.lang) if name in _LANG_METHODS else attr


def load_library(content_dir: str | Path) -> ContentLibrary:
    """Load and validate every package of ``content_dir`` (cached while files are unchanged).

    Raises:
        ContentPackageError: listing every problem in every package.
    """
    path = Path(content_dir)
    outcome = scan_cached(path)
    if outcome.issues:
        raise ContentPackageError(outcome.issues)
    return ContentLibrary(outcome.packages, path)


def check_tree(path: str | Path, content_dir: str | Path) -> tuple[ContentLibrary | None, list[ContentIssue]]:
    """Validate a content folder, or one package folder together with the other packages of ``content_dir``."""
    target = Path(path)
    if (target / "package.yaml").is_file():
        outcome = scan(Path(content_dir), replace=(target.name, target))
        issues = [issue for issue in outcome.issues if issue.file.split("/", 1)[0] == target.name]
    else:
        outcome = scan(target)
        issues = outcome.issues
    library = ContentLibrary(outcome.packages, target) if not issues else None
    return library, issues
