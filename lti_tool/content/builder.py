"""What building a package produces, and the state and helpers every part of the builder shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import model as m
from . import schemas as s
from .errors import ContentIssue
from .reader import FileReader, Loaded
from .render import text_direction
from .rules import check_translation
from .sources import TEXT_SUFFIXES, OverlaySource, Source


@dataclass(frozen=True)
class PendingRef:
    """A reference found in a file, checked once every package is loaded."""

    target: str  # package-id/item-id
    file: str
    field_path: str
    line: int | None
    expect: str | None = None  # a kind the target must have (activity ``case`` must be a case)


@dataclass
class CaseCheck:
    """A case's raw data, checked against the instrument once every package is loaded."""

    loaded: Loaded


@dataclass
class BuildResult:
    """A built package with what the library still has to check."""

    package: m.Package | None
    issues: list[ContentIssue]
    refs: list[PendingRef] = field(default_factory=list)
    case_checks: list[CaseCheck] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)  # rel -> raw data (front matter for Markdown)
    items: dict[str, m.RefTarget] = field(default_factory=dict)  # every id a ref may point at


class BuilderBase:
    """State and helpers shared by the parts of :class:`~.loader.PackageBuilder`."""

    def __init__(self, source: Source, folder: str, *, lang: str | None = None, asset_prefix: str = "/content",
                 check_counts: bool = True, source_raw: dict[str, Any] | None = None, partial: bool = False) -> None:
        self.source = source
        self.folder = folder
        self.translation = lang
        self.check_counts = check_counts and lang is None
        self.source_raw = source_raw or {}
        self.partial = partial  # a translation declared status: partial (its YAML files may give some fields)
        self.asset_prefix = asset_prefix
        self.asset_base = f"{asset_prefix}/{folder}/0.0.0"
        self._source_lang = "en"
        self.reader = FileReader(source, folder, lang or "en", self._asset_url)
        self.result = BuildResult(None, self.reader.issues)
        self.items: dict[str, m.RefTarget] = self.result.items
        self._item_files: dict[str, tuple[str, tuple[Any, ...]]] = {}
        self.lang = lang or "en"

    def _asset_url(self, path: str) -> str:
        return f"{self.asset_base}/assets/{path}"

    # -- helpers ---------------------------------------------------------------------------------
    def _read(self, rel: str, schema: s.Schema, markdown: bool = False, required: bool = True) -> Loaded | None:
        overlay = bool(self.translation) and isinstance(self.source, OverlaySource) and self.source.translated(rel)
        original = self.source_raw.get(rel) if overlay else None
        if markdown:
            loaded = self.reader.markdown(rel, schema)
        else:  # a translated YAML file is checked against its source and laid over it
            loaded = self.reader.yaml(rel, schema, required, base=original, partial=self.partial)
        if loaded is None:
            return None
        self.result.raw[rel] = loaded.raw
        if markdown and original is not None:
            check_translation(original, loaded.raw, lambda path, msg: self.reader.add_at(loaded, path, msg))
        return loaded

    def _register(self, loaded: Loaded, path: tuple[Any, ...], kind: str, item: Any, parent: str | None = None,
                  item_id: str | None = None) -> None:
        """Index a ref target; the id counts even when its file is invalid, so refs to it do not cascade."""
        item_id = item_id or getattr(item, "id", None)
        if not isinstance(item_id, str) or not item_id:
            return
        known = self.items.get(item_id)
        if known is not None and self._item_files[item_id] == (loaded.file, path):
            self.items[item_id] = m.RefTarget(self.folder, item_id, kind, item, parent)  # now built
            return
        if known is not None:
            self.reader.add_at(loaded, path, f"duplicate id {item_id!r}: also the id of the "
                                             f"{known.kind} in {self._item_files[item_id][0]}")
            return
        self.items[item_id] = m.RefTarget(self.folder, item_id, kind, item, parent)
        self._item_files[item_id] = (loaded.file, path)

    def _refs(self, loaded: Loaded, key: str, targets: Any, expect: str | None = None) -> None:
        values = targets if isinstance(targets, list) else [targets]
        raw_list = loaded.raw.get(key) if isinstance(loaded.raw, dict) else None
        for index, target in enumerate(values):
            if not isinstance(target, str):
                continue
            if isinstance(raw_list, list):
                line = raw_list.item_lines[index] if index < len(raw_list.item_lines) else None
                path = f"{key}[{index + 1}]"
            else:
                line, path = loaded.raw.key_lines.get(key), key
            self.result.refs.append(PendingRef(target, loaded.file, path, line, expect))

    def _page(self, loaded: Loaded, cls: type[m.Page], **extra: Any) -> m.Page:
        rendered = self.reader.render(loaded.file, loaded.body, loaded.body_line)
        self.result.refs.extend(PendingRef(t, loaded.file, "body", line) for t, line in rendered.refs)
        overlay = isinstance(self.source, OverlaySource) and self.source.translated(loaded.rel)
        lang = self.lang if overlay else self._source_lang
        d = loaded.data
        return cls(id=d.get("id", ""), title=d.get("title", ""), content_note=d.get("content_note"), file=loaded.rel,
                   html=rendered.html, words=rendered.words, lang=lang, direction=text_direction(lang), **extra)

    def _markdown_field(self, loaded: Loaded, key: str) -> tuple[str, int]:
        rendered = self.reader.render_field(loaded, key)
        self.result.refs.extend(PendingRef(t, loaded.file, key, line) for t, line in rendered.refs)
        return rendered.html, rendered.words

    def _stray_files(self, folder: str, used: set[str], where: str) -> None:
        for rel in self.source.paths():
            if rel.startswith(folder) and rel.endswith(TEXT_SUFFIXES) and rel not in used:
                self.reader.add(rel, "", f"this file is not used: list it in {where} or remove it")


def raw_id(loaded: Loaded) -> str | None:
    """Return the ``id`` written in a file, even when the file is invalid."""
    item_id = loaded.raw.get("id") if isinstance(loaded.raw, dict) else None
    return item_id if isinstance(item_id, str) else None
