"""Turn marshmallow errors and rule findings into :class:`ContentIssue` objects with field paths and lines."""

from __future__ import annotations

from typing import Any, Iterator, Sequence

from .errors import ContentIssue
from .sources import LineDict, LineList

Path = Sequence[Any]

_MESSAGES = {
    "Missing data for required field.": "required field is missing",
    "Unknown field.": "unknown field (not in FORMAT.md; check the spelling)",
    "Field may not be null.": "must not be empty (null)",
    "Not a valid string.": "must be text (put quotes around values such as \"2\", yes or no)",
    "Not a valid integer.": "must be a whole number",
    "Not a valid boolean.": "must be true or false",
    "Not a valid list.": "must be a list",
    "Invalid input type.": "must be a mapping of fields",
    "Not a valid number.": "must be a number",
    "Not a valid mapping type.": "must be a mapping of fields",
}
_TYPE_MESSAGES = {"Not a valid string.", "Not a valid integer.", "Not a valid boolean.", "Not a valid list.",
                  "Invalid input type.", "Not a valid number.", "Not a valid mapping type."}


def flatten_messages(messages: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Yield (path, message) for every leaf of a marshmallow error dict."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from flatten_messages(value, path if key == "_schema" else path + (key,))
    elif isinstance(messages, list):
        for message in messages:
            if isinstance(message, (dict, list)):
                yield from flatten_messages(message, path)
            else:
                yield path, str(message)
    else:
        yield path, str(messages)


def _value_at(raw: Any, path: Path) -> tuple[bool, Any]:
    node = raw
    for part in path:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return False, None
    return True, node


def locate(raw: Any, path: Path) -> tuple[str, int | None]:
    """Return the readable field path (list items by id, else by position from 1) and the line."""
    node = raw
    line: int | None = getattr(raw, "line", None) or None
    parts: list[str] = []
    found = True
    for part in path:
        if found and isinstance(node, LineDict) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
            parts.append(("." if parts else "") + str(part))
        elif found and isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            item = node[part]
            label = item.get("id") if isinstance(item, dict) else None
            parts.append(f"[{label}]" if isinstance(label, str) and label else f"[{part + 1}]")
            node = item
        else:
            if found and isinstance(node, LineDict) and not parts:
                line = node.line
            found = False
            parts.append(f"[{part + 1}]" if isinstance(part, int) else ("." if parts else "") + str(part))
    return "".join(parts), line


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def issues_from_messages(file: str, raw: Any, messages: Any, prefix: Path = ()) -> list[ContentIssue]:
    """Convert marshmallow ``ValidationError.messages`` into issues located in ``raw``."""
    issues = []
    for path, message in flatten_messages(messages, tuple(prefix)):
        text = _MESSAGES.get(message, message)
        if message in _TYPE_MESSAGES:
            ok, value = _value_at(raw, path)
            if ok:
                text += f", not {_describe(value)}"
        field_path, line = locate(raw, path)
        issues.append(ContentIssue(file, field_path, text, line))
    return issues


def issue_at(file: str, raw: Any, path: Path, message: str) -> ContentIssue:
    """Build one issue for a rule finding at ``path`` in ``raw``."""
    field_path, line = locate(raw, path)
    return ContentIssue(file, field_path, message, line)
