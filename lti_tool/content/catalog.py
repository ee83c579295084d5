"""Load every package of a content folder (with translations) and check references between them."""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from . import model as m
from .errors import ContentIssue
from .loader import BuildResult, PackageBuilder, PendingRef
from .locate import issue_at
from .rules import check_case_profile
from .sources import DirSource, MemorySource, OverlaySource, Source, fingerprint

SNAPSHOT_FORMAT = 1


@dataclass(frozen=True)
class LoadedPackage:
    """A package in its source language, its translations, and where its files came from."""

    package: m.Package
    translations: Mapping[str, m.Package]
    source: Source = field(repr=False)

    @property
    def root(self) -> Path | None:
        """Return the package folder on disk (None for a package rebuilt from a snapshot)."""
        return self.source.root

    def snapshot_data(self) -> dict[str, Any]:
        """Return what a snapshot stores: the text files and the names of the other files."""
        files = self.source.text_files()
        return {"format": SNAPSHOT_FORMAT, "files": files,
                "other_files": [rel for rel in self.source.paths() if rel not in files]}


@dataclass
class Outcome:
    """The packages that could be built and every issue found."""

    packages: dict[str, LoadedPackage]
    issues: list[ContentIssue]


def build_package(source: Source, folder: str, *, check_counts: bool = True) -> tuple[LoadedPackage | None,
                                                                                        list[BuildResult]]:
    """Build a package and its translations; return it (None if unusable) and every build result."""
    content_hash = source.content_hash()
    main = PackageBuilder(source, folder, check_counts=check_counts).build()
    results = [main]
    if main.package is None:
        return None, results
    translations: dict[str, m.Package] = {}
    langs_on_disk = {rel.split("/")[1] for rel in source.paths() if rel.startswith("i18n/") and rel.count("/") >= 2}
    declared = {t.language: t for t in main.package.translations}
    manifest_raw = main.raw.get("package.yaml")
    for index, lang in enumerate(declared):
        if lang not in langs_on_disk:
            if declared[lang].status != "planned":
                results[0].issues.append(issue_at(f"{folder}/package.yaml", manifest_raw, ("translations", index),
                                                  f"no files in i18n/{lang}/ (set status: planned until there are)"))
            continue
        overlay = OverlaySource(source, lang)
        built = PackageBuilder(overlay, folder, lang=lang, source_raw=main.raw,
                               partial=declared[lang].status == "partial").build()
        # Files the translation does not have fall back to the source, whose issues are reported already.
        built.issues[:] = [i for i in built.issues if i.file.startswith(f"{folder}/i18n/{lang}/")]
        results.append(built)
        for rel in source.paths():
            prefix = f"i18n/{lang}/"
            if rel.startswith(prefix) and not source.exists(rel[len(prefix):]):
                built.issues.append(ContentIssue(f"{folder}/{rel}", "", f"no source file {rel[len(prefix):]} to "
                                                                       "translate (check the path)"))
        if built.package is not None:
            translations[lang] = dataclasses.replace(built.package, content_hash=content_hash)
    for lang in sorted(langs_on_disk - set(declared)):
        results[0].issues.append(ContentIssue(f"{folder}/i18n/{lang}", "", "translation folder is not declared in "
                                                                          "package.yaml translations"))
    package = dataclasses.replace(main.package, content_hash=content_hash)
    return LoadedPackage(package, m.frozen_map(translations), source), results


def _ref_issue(ref: PendingRef, index: Mapping[str, Mapping[str, m.RefTarget]]) -> ContentIssue | None:
    package_id, _, item_id = ref.target.partition("/")
    shown = ("ref:" if ref.field_path == "body" else "") + ref.target
    items = index.get(package_id)
    if items is None:
        return ContentIssue(ref.file, ref.field_path, f"{shown!r} does not resolve: there is no package "
                                                      f"{package_id!r} (packages: {', '.join(sorted(index))})",
                            ref.line)
    target = items.get(item_id)
    if target is None:
        return ContentIssue(ref.file, ref.field_path, f"{shown!r} does not resolve: package {package_id} has no "
                                                      f"item {item_id!r}", ref.line)
    if ref.expect and target.kind != ref.expect:
        return ContentIssue(ref.file, ref.field_path, f"{shown!r} is a {target.kind}, not a {ref.expect}", ref.line)
    return None


def cross_check(packages: Mapping[str, LoadedPackage], results: list[BuildResult],
                index: Mapping[str, Mapping[str, m.RefTarget]]) -> list[ContentIssue]:
    """Check every reference and every case's reference profile against all packages read."""
    issues: list[ContentIssue] = []
    instruments = [lp.package.body for lp in packages.values() if isinstance(lp.package.body, m.Instrument)]
    for result in results:
        for ref in result.refs:
            issue = _ref_issue(ref, index)
            if issue is not None:
                issues.append(issue)
        for check in result.case_checks:
            loaded = check.loaded

            def report(path: tuple[Any, ...], message: str, loaded: Any = loaded) -> None:
                issues.append(issue_at(loaded.file, loaded.raw, path, message))

            if not instruments:
                if not any(r.raw.get("package.yaml", {}).get("kind") == "instrument" for r in results):
                    report(("reference_profile",), "there is no instrument package to check the reference profile "
                                                   "against")
                continue  # the instrument itself is broken; its own issues say why
            inst = instruments[0]
            check_case_profile(loaded.raw, {d.id: d.optional for d in inst.domains},
                               inst.scales["need"].value_ids, inst.scales["strength"].value_ids, report)
    return issues


def scan(content_dir: Path, replace: tuple[str, Path] | None = None) -> Outcome:
    """Load every package folder of ``content_dir``; ``replace`` swaps one folder for another path."""
    issues: list[ContentIssue] = []
    if not content_dir.is_dir():
        return Outcome({}, [ContentIssue(str(content_dir), "", "content folder does not exist")])
    folders = {p.name: p for p in sorted(content_dir.iterdir()) if p.is_dir() and p.name[0] not in "._"}
    if replace is not None:
        folders[replace[0]] = replace[1]
    if not folders:
        issues.append(ContentIssue(str(content_dir), "", "no content packages found"))
    packages: dict[str, LoadedPackage] = {}
    results: list[BuildResult] = []
    index: dict[str, Mapping[str, m.RefTarget]] = {}
    for name, path in sorted(folders.items()):
        loaded, built = build_package(DirSource(path), name)
        results.extend(built)
        if built[0].raw.get("package.yaml") is not None:
            index[name] = built[0].items
        for result in built:
            issues.extend(result.issues)
        if loaded is not None:
            packages[name] = loaded
    issues.extend(cross_check(packages, results, index))
    return Outcome(packages, sorted(set(issues), key=ContentIssue.sort_key))


_CACHE: dict[str, tuple[Any, Outcome]] = {}
_CACHE_LOCK = threading.Lock()


def scan_cached(content_dir: Path) -> Outcome:
    """Return :func:`scan` of ``content_dir``, reusing the last result while no file has changed."""
    key = str(content_dir.resolve())
    stamp = fingerprint(content_dir) if content_dir.is_dir() else None
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    outcome = scan(content_dir)
    with _CACHE_LOCK:
        _CACHE[key] = (stamp, outcome)
    return outcome


def rebuild(package_id: str, data: Mapping[str, Any]) -> tuple[LoadedPackage | None, list[ContentIssue]]:
    """Rebuild a package from snapshot data (no cross-package checks: old refs may point at removed items)."""
    source = MemorySource(data.get("files", {}), data.get("other_files", ()))
    loaded, results = build_package(source, package_id, check_counts=False)
    return loaded, [issue for result in results for issue in result.issues]
