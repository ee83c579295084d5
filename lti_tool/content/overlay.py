"""Field-level translations of YAML files: check a translation against its source and merge it over the source.

A translated YAML file may give only some of its source's fields when the translation is declared
``status: partial``: what it leaves out falls back to the source text. List entries are matched by their ``id``
(or, for scale rows and information sources, their ``value``); lists of entries without either keep the
source's order and length; a list of plain text (prompts) is replaced as a whole. Whatever the translation
gives must exist in the source, with the same shape, and keep every non-text value.
"""

from __future__ import annotations

from typing import Any, Iterator

from .rules import NON_TEXT_KEYS, Report
from .sources import LineDict, LineList

#: Keys that name a list entry, in order of preference.
IDENTITY_KEYS = ("id", "value")


def non_text(key: Any, source_value: Any) -> bool:
    """Tell whether a field keeps its source value in every translation (ids, numbers, scale values...).

    A key of :data:`NON_TEXT_KEYS` holding a mapping or entries (the instrument's ``need`` and ``strength``
    scales) is not a value but a container of texts.
    """
    if key not in NON_TEXT_KEYS:
        return False
    if isinstance(source_value, dict):
        return False
    return not (isinstance(source_value, list) and any(isinstance(item, (dict, list)) for item in source_value))


def identity(item: Any) -> tuple[str, Any] | None:
    """Return (key, value) naming a list entry (``id`` or ``value``), or None."""
    if isinstance(item, dict):
        for key in IDENTITY_KEYS:
            value = item.get(key)
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                return key, value
    return None


def _keyed(items: list[Any]) -> bool:
    return bool(items) and all(identity(item) is not None for item in items)


def check_overlay(source: Any, translated: Any, report: Report, path: tuple[Any, ...] = ()) -> None:
    """Report every key, id or shape of ``translated`` the source does not have, and changed non-text values."""
    if isinstance(source, dict):
        if not isinstance(translated, dict):
            report(path, "must be a mapping of fields, as in the source file")
            return
        for key, value in translated.items():
            if key not in source:
                report(path + (key,), f"unknown key {key!r}: the source file has no such field here "
                                      "(translations keep the source keys)")
            elif non_text(key, source[key]):
                if value != source[key]:
                    report(path + (key,), f"must stay {source[key]!r} as in the source file (translations change "
                                          "only text)")
            else:
                check_overlay(source[key], value, report, path + (key,))
    elif isinstance(source, list):
        if not isinstance(translated, list):
            report(path, "must be a list, as in the source file")
            return
        if _keyed(source):
            by_identity = {identity(item): item for item in source}
            seen: set[Any] = set()
            for index, item in enumerate(translated):
                ident = identity(item)
                if ident is not None and ident in seen:
                    report(path + (index, ident[0]), f"{ident[0]} {ident[1]!r} is translated twice in this list")
                    continue
                seen.add(ident)
                if ident is None:
                    report(path + (index,), f"needs the {' or '.join(IDENTITY_KEYS)} of the source entry it "
                                            "translates")
                elif ident not in by_identity:
                    report(path + (index, ident[0]), f"{ident[0]} {ident[1]!r} is not in the source file "
                                                     "(translations keep the source ids)")
                else:
                    check_overlay(by_identity[ident], item, report, path + (index,))
        elif any(isinstance(item, (dict, list)) for item in source):
            if len(source) != len(translated):
                report(path, f"has {len(translated)} entries; the source file has {len(source)}")
            for index, (a, b) in enumerate(zip(source, translated)):
                check_overlay(a, b, report, path + (index,))
        else:
            for index, item in enumerate(translated):
                if isinstance(item, (dict, list)):
                    report(path + (index,), "must be text, as in the source file")
    elif isinstance(translated, (dict, list)):
        report(path, "must be a single value (text), as in the source file")


def merge(source: Any, translated: Any) -> Any:
    """Return ``translated`` laid over ``source``: what the translation leaves out keeps the source value.

    Lines stay those of the translated file: a field taken from the source points at its nearest translated
    parent, so an issue is still reported in the file that was read.
    """
    if isinstance(source, dict) and isinstance(translated, dict):
        out = LineDict()
        out.line = getattr(translated, "line", 0)
        key_lines = getattr(translated, "key_lines", {})
        value_lines = getattr(translated, "value_lines", {})
        for key, value in source.items():
            if key in translated:
                out[key] = merge(value, translated[key])
                out.key_lines[key] = key_lines.get(key, out.line)
                out.value_lines[key] = value_lines.get(key, out.line)
            else:
                out[key] = _relined(value, out.line)
                out.key_lines[key] = out.value_lines[key] = out.line
        for key, value in translated.items():  # unknown keys stay, so the schema reports them too
            if key not in source:
                out[key] = value
                out.key_lines[key] = key_lines.get(key, out.line)
                out.value_lines[key] = value_lines.get(key, out.line)
        return out
    if isinstance(source, list) and isinstance(translated, list) and _keyed(source):
        given = {identity(item): (index, item) for index, item in enumerate(translated)}
        out_list = LineList()
        out_list.line = getattr(translated, "line", 0)
        lines = getattr(translated, "item_lines", [])
        for item in source:
            found = given.get(identity(item))
            if found is None:
                out_list.append(_relined(item, out_list.line))
                out_list.item_lines.append(out_list.line)
            else:
                out_list.append(merge(item, found[1]))
                out_list.item_lines.append(lines[found[0]] if found[0] < len(lines) else out_list.line)
        return out_list
    if (isinstance(source, list) and isinstance(translated, list) and len(source) == len(translated)
            and any(isinstance(item, (dict, list)) for item in source)):
        out_list = LineList()
        out_list.line = getattr(translated, "line", 0)
        out_list.item_lines = list(getattr(translated, "item_lines", [out_list.line] * len(translated)))
        out_list.extend(merge(a, b) for a, b in zip(source, translated))
        return out_list
    return translated


def _relined(value: Any, line: int) -> Any:
    """Return a copy of a source value whose lines all point at ``line`` of the translated file."""
    if isinstance(value, dict):
        out = LineDict()
        out.line = line
        for key, item in value.items():
            out[key] = _relined(item, line)
            out.key_lines[key] = out.value_lines[key] = line
        return out
    if isinstance(value, list):
        out_list = LineList()
        out_list.line = line
        out_list.extend(_relined(item, line) for item in value)
        out_list.item_lines = [line] * len(value)
        return out_list
    return value


def text_paths(source: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Yield the path of every translatable text of a source file (list entries named by id or value)."""
    if isinstance(source, dict):
        for key, value in source.items():
            if not non_text(key, value):
                yield from text_paths(value, path + (key,))
    elif isinstance(source, list):
        if _keyed(source):
            for item in source:
                yield from text_paths(item, path + (identity(item),))
        elif any(isinstance(item, (dict, list)) for item in source):
            for index, item in enumerate(source):
                yield from text_paths(item, path + (index,))
        elif any(isinstance(item, str) and item.strip() for item in source):
            yield path  # a list of text is translated as a whole
    elif isinstance(source, str) and source.strip():
        yield path


def value_at(data: Any, path: tuple[Any, ...]) -> tuple[bool, Any]:
    """Follow a :func:`text_paths` path in ``data``; return (found, value)."""
    node = data
    for part in path:
        if isinstance(part, tuple) and isinstance(node, list):
            node = next((item for item in node if identity(item) == part), _MISSING)
        elif isinstance(part, int) and isinstance(node, list):
            node = node[part] if 0 <= part < len(node) else _MISSING
        elif isinstance(node, dict):
            node = node.get(part, _MISSING)
        else:
            node = _MISSING
        if node is _MISSING:
            return False, None
    return True, node


_MISSING = object()


def missing_text(source: Any, translated: Any) -> list[tuple[Any, ...]]:
    """Return the paths of the source texts a translation does not give (they fall back to the source)."""
    return [path for path in text_paths(source) if not value_at(translated, path)[0]]


def show_path(path: tuple[Any, ...]) -> str:
    """Return a path as ``domains[housing].client_prompt`` or ``scales.client_view[0].label``."""
    out = ""
    for part in path:
        if isinstance(part, tuple):
            out += f"[{part[1]}]"
        elif isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + str(part)
    return out
