"""Read one package file (YAML or Markdown with front matter), validate it and collect issues."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from marshmallow import Schema, ValidationError

from .errors import ContentIssue
from .locate import issue_at, issues_from_messages
from .overlay import check_overlay, merge, missing_text, show_path, value_at
from .render import Rendered, render_markdown
from .rules import check_sibling_ids
from .sources import OverlaySource, Source, YamlProblem, parse_yaml, split_front_matter


@dataclass
class Loaded:
    """A validated file: its raw data (with lines), the loaded dict, and the Markdown body if any."""

    rel: str
    file: str  # display path: package folder + path actually read
    raw: Any
    data: dict[str, Any]
    ok: bool
    body: str = ""
    body_line: int = 1


class FileReader:
    """Reads files of one package and records every issue it finds."""

    def __init__(self, source: Source, folder: str, lang: str, asset_url: Callable[[str], str]) -> None:
        self.source = source
        self.folder = folder
        self.lang = lang
        self.asset_url = asset_url
        self.issues: list[ContentIssue] = []

    def display(self, rel: str) -> str:
        """Return the path shown in issues for ``rel`` (the translated copy when there is one)."""
        if isinstance(self.source, OverlaySource):
            rel = self.source.display_path(rel)
        return f"{self.folder}/{rel}"

    def add(self, rel: str, field_path: str, message: str, line: int | None = None) -> None:
        """Record an issue in file ``rel``."""
        self.issues.append(ContentIssue(self.display(rel), field_path, message, line))

    def add_at(self, loaded: Loaded, path: tuple[Any, ...], message: str) -> None:
        """Record an issue at ``path`` inside a loaded file."""
        self.issues.append(issue_at(loaded.file, loaded.raw, path, message))

    def _text(self, rel: str, required: bool) -> str | None:
        data = self.source.read_bytes(rel)
        if data is None:
            if required:
                self.add(rel, "", "file is missing")
            return None
        try:
            return data.decode("utf-8").replace("\r\n", "\n")
        except UnicodeDecodeError as exc:
            self.add(rel, "", f"is not UTF-8 text (byte {exc.start})")
            return None

    def _validate(self, rel: str, raw: Any, duplicates: list[tuple[Any, int]], schema: Schema) -> Loaded:
        file = self.display(rel)
        for key, line in duplicates:
            self.issues.append(ContentIssue(file, str(key), "key appears twice in the same mapping (the first value "
                                            "would be lost)", line))
        if not isinstance(raw, dict):
            self.issues.append(ContentIssue(file, "", "must be a mapping of fields (key: value lines)", 1))
            return Loaded(rel, file, raw, {}, False)
        check_sibling_ids(raw, lambda path, msg: self.issues.append(issue_at(file, raw, path, msg)))
        try:
            data = schema.load(raw)
            ok = True
        except ValidationError as exc:
            self.issues.extend(issues_from_messages(file, raw, exc.messages))
            data = exc.valid_data if isinstance(exc.valid_data, dict) else {}
            ok = False
        return Loaded(rel, file, raw, data, ok)

    def yaml(self, rel: str, schema: Schema, required: bool = True, base: Any = None,
             partial: bool = False) -> Loaded | None:
        """Read and validate a YAML file; None when it is missing or does not parse.

        ``base`` is the source file's raw data when ``rel`` is a translation: the translation is checked against
        it and laid over it, so a ``partial`` translation may give only some fields (the rest stay the source's).
        """
        text = self._text(rel, required)
        if text is None:
            return None
        try:
            raw, duplicates = parse_yaml(text)
        except YamlProblem as exc:
            self.add(rel, "", exc.message, exc.line)
            return None
        if base is not None and isinstance(raw, dict) and isinstance(base, dict):
            file = self.display(rel)
            check_overlay(base, raw, lambda path, msg: self.issues.append(issue_at(file, raw, path, msg)))
            if not partial:
                self._untranslated(file, base, raw)
            raw = merge(base, raw)
        return self._validate(rel, raw, duplicates, schema)

    def _untranslated(self, file: str, base: Any, raw: Any) -> None:
        """Report the texts a translation that is not partial leaves out (one line per missing entry)."""
        reported: set[tuple[Any, ...]] = set()
        for path in missing_text(base, raw):
            entry = next((path[:i + 1] for i, part in enumerate(path) if isinstance(part, tuple)
                          and not value_at(raw, path[:i + 1])[0]), None)
            if entry is not None:
                if entry not in reported:
                    reported.add(entry)
                    self.issues.append(ContentIssue(file, "", f"{entry[-1][0]} {entry[-1][1]!r} of the source file "
                                                              "is missing from the translation", 1))
                continue
            self.issues.append(ContentIssue(file, show_path(path), "is not translated: a translation that is not "
                                                                   "declared status: partial gives every text of "
                                                                   "its source file", 1))

    def markdown(self, rel: str, schema: Schema) -> Loaded | None:
        """Read a Markdown file and validate its front matter; None when missing or unparseable."""
        text = self._text(rel, True)
        if text is None:
            return None
        try:
            doc = split_front_matter(text)
        except YamlProblem as exc:
            self.add(rel, "front matter", exc.message, exc.line)
            return None
        loaded = self._validate(rel, doc.meta, doc.duplicate_keys, schema)
        loaded.body, loaded.body_line = doc.body, doc.body_line
        if not doc.body.strip():
            self.add(rel, "body", "the page has no text after the front matter", doc.body_line)
        return loaded

    def render(self, file: str, text: str, first_line: int, field_path: str = "body") -> Rendered:
        """Render Markdown, recording its issues under ``file``/``field_path``."""
        rendered = render_markdown(text, first_line=first_line, lang=self.lang, asset_url=self.asset_url,
                                   asset_exists=self.source.exists)
        for line, message in rendered.issues:
            self.issues.append(ContentIssue(file, field_path, message, line))
        return rendered

    def render_field(self, loaded: Loaded, key: str) -> Rendered:
        """Render a Markdown field of a YAML mapping (``introduction``, ``story``...)."""
        text = loaded.data.get(key) or ""
        first = loaded.raw.value_lines.get(key, 1) if hasattr(loaded.raw, "value_lines") else 1
        return self.render(loaded.file, text, first, key)
