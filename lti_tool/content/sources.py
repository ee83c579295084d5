"""Where package files come from (a folder or a stored snapshot) and line-aware YAML parsing."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
TEXT_SUFFIXES = (".yaml", ".yml", ".md")


class LineDict(dict):
    """A YAML mapping that remembers the line of itself, of each key and of each value's first text line."""

    __slots__ = ("line", "key_lines", "value_lines")

    def __init__(self) -> None:
        super().__init__()
        self.line = 0
        self.key_lines: dict[Any, int] = {}
        self.value_lines: dict[Any, int] = {}


class LineList(list):
    """A YAML sequence that remembers the line of itself and of each item."""

    __slots__ = ("line", "item_lines")

    def __init__(self) -> None:
        super().__init__()
        self.line = 0
        self.item_lines: list[int] = []


class _LineLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader building :class:`LineDict`/:class:`LineList` and noting duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicate_keys: list[tuple[Any, int]] = []


def _value_line(node: yaml.Node) -> int:
    line = node.start_mark.line + 1
    # A block scalar (| or >) starts its text on the line after the indicator.
    return line + 1 if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">") else line


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            key = str(key)
        if key in result:
            loader.duplicate_keys.append((key, key_node.start_mark.line + 1))
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
        result.value_lines[key] = _value_line(value_node)
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList()
    result.line = node.start_mark.line + 1
    for child in node.value:
        result.append(loader.construct_object(child, deep=True))
        result.item_lines.append(child.start_mark.line + 1)
    return result


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


class YamlProblem(Exception):
    """A YAML file (or front matter) does not parse; ``line`` is 1-based in the file."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def parse_yaml(text: str, line_offset: int = 0) -> tuple[Any, list[tuple[Any, int]]]:
    """Parse YAML keeping line numbers; return the data and the duplicate keys (key, line).

    Raises:
        YamlProblem: the text is not valid YAML.
    """
    loader = _LineLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        # Point at where the broken construct starts (an unclosed [ or "), and say where parsing gave up.
        start = exc.context_mark.line + 1 + line_offset if exc.context_mark is not None else None
        found = exc.problem_mark.line + 1 + line_offset if exc.problem_mark is not None else None
        context = f"{exc.context} (line {start})" if exc.context and start else exc.context
        problem = f"{exc.problem} (line {found})" if exc.problem and found and start and found != start else exc.problem
        text = " ".join(str(part) for part in (context, problem) if part)
        raise YamlProblem(f"YAML syntax error: {text}", start or found) from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(f"YAML syntax error: {exc}", None) from exc
    finally:
        loader.dispose()
    if line_offset:
        _shift_lines(data, line_offset)
    return data, [(key, line + line_offset) for key, line in loader.duplicate_keys]


def _shift_lines(data: Any, offset: int) -> None:
    if isinstance(data, LineDict):
        data.line += offset
        data.key_lines = {k: v + offset for k, v in data.key_lines.items()}
        data.value_lines = {k: v + offset for k, v in data.value_lines.items()}
        for value in data.values():
            _shift_lines(value, offset)
    elif isinstance(data, LineList):
        data.line += offset
        data.item_lines = [line + offset for line in data.item_lines]
        for value in data:
            _shift_lines(value, offset)


@dataclass(frozen=True)
class FrontMatterDoc:
    """A Markdown file split into front matter (with file line numbers) and body."""

    meta: Any
    duplicate_keys: list[tuple[Any, int]]
    body: str
    body_line: int  # 1-based line of the body's first line in the file


def split_front_matter(text: str) -> FrontMatterDoc:
    """Split ``---`` front matter from a Markdown body.

    Raises:
        YamlProblem: no front matter, or it does not parse.
    """
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise YamlProblem("the file must start with front matter between '---' lines", 1)
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            meta, duplicates = parse_yaml("\n".join(lines[1:index]), line_offset=1)
            return FrontMatterDoc(meta, duplicates, "\n".join(lines[index + 1:]), index + 2)
    raise YamlProblem("the front matter has no closing '---' line", 1)


class Source:
    """The files of one package, by path relative to the package folder (``/`` separators)."""

    root: Path | None = None

    def paths(self) -> list[str]:
        """Return every file path, sorted."""
        raise NotImplementedError

    def read_bytes(self, rel: str) -> bytes | None:
        """Return a file's bytes, or None when it does not exist."""
        raise NotImplementedError

    def exists(self, rel: str) -> bool:
        """Tell whether the file exists."""
        return rel in self._index()

    def _index(self) -> set[str]:
        raise NotImplementedError

    def text_files(self) -> dict[str, str]:
        """Return every text (YAML/Markdown) file decoded, for snapshots."""
        out: dict[str, str] = {}
        for rel in self.paths():
            if rel.endswith(TEXT_SUFFIXES):
                data = self.read_bytes(rel)
                if data is not None:
                    out[rel] = data.decode("utf-8", errors="replace").replace("\r\n", "\n")
        return out

    def content_hash(self) -> str:
        """Return a SHA-256 over every file's path and bytes (text normalised to LF)."""
        digest = hashlib.sha256()
        for rel in self.paths():
            data = self.read_bytes(rel) or b""
            if rel.endswith(TEXT_SUFFIXES):
                data = data.replace(b"\r\n", b"\n")
            digest.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
        return digest.hexdigest()


class DirSource(Source):
    """Files read from a package folder on disk."""

    def __init__(self, root: Path) -> None:
        self.root = root
        found: list[str] = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            base = Path(dirpath).relative_to(root).as_posix()
            for name in filenames:
                if not name.startswith("."):
                    found.append(name if base == "." else f"{base}/{name}")
        self._paths = sorted(found)
        self._set = set(self._paths)
        self._cache: dict[str, bytes] = {}

    def paths(self) -> list[str]:
        return self._paths

    def _index(self) -> set[str]:
        return self._set

    def read_bytes(self, rel: str) -> bytes | None:
        if rel not in self._set or self.root is None:
            return None
        if rel in self._cache:
            return self._cache[rel]
        data = (self.root / rel).read_bytes()
        if rel.endswith(TEXT_SUFFIXES):  # kept so a snapshot stores exactly what was loaded
            self._cache[rel] = data
        return data


class MemorySource(Source):
    """Files held in memory (a stored snapshot); ``extra_paths`` are binary files known only by name."""

    def __init__(self, files: Mapping[str, str], extra_paths: Iterable[str] = ()) -> None:
        self._files = dict(files)
        self._set = set(self._files) | set(extra_paths)
        self._paths = sorted(self._set)

    def paths(self) -> list[str]:
        return self._paths

    def _index(self) -> set[str]:
        return self._set

    def read_bytes(self, rel: str) -> bytes | None:
        text = self._files.get(rel)
        return None if text is None else text.encode("utf-8")


class OverlaySource(Source):
    """A translation: files under ``i18n/<lang>/`` replace the source files with the same path."""

    def __init__(self, base: Source, lang: str) -> None:
        self.base = base
        self.root = base.root
        self.prefix = f"i18n/{lang}/"
        self._overlay = {rel[len(self.prefix):] for rel in base.paths() if rel.startswith(self.prefix)}

    def paths(self) -> list[str]:
        return [rel for rel in self.base.paths() if not rel.startswith("i18n/")]

    def _index(self) -> set[str]:
        return set(self.paths())

    def translated(self, rel: str) -> bool:
        """Tell whether the translation has its own copy of ``rel``."""
        return rel in self._overlay

    def display_path(self, rel: str) -> str:
        """Return the path of the file actually read for ``rel``."""
        return self.prefix + rel if rel in self._overlay else rel

    def read_bytes(self, rel: str) -> bytes | None:
        if rel in self._overlay:
            return self.base.read_bytes(self.prefix + rel)
        return self.base.read_bytes(rel)


def fingerprint(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Return (path, mtime_ns, size) of every file under ``folder``, for the process cache."""
    out: list[tuple[str, int, int]] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            stat = os.stat(os.path.join(dirpath, name))
            out.append((os.path.join(dirpath, name), stat.st_mtime_ns, stat.st_size))
    return tuple(sorted(out))
