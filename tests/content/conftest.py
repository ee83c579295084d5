"""Fixtures for the content tests: a small valid package tree copied into tmp_path for each test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lti_tool.content.catalog import scan
from support import drop_app, make_app

FIXTURES = Path(__file__).parent / "fixtures" / "tree"
COURSE = "demo-course/modules/m01-basics"


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in a file with ``new`` (the text must be there)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def issues_of(tree: Path) -> list[str]:
    """Return every issue of a content tree as ``file:line: field: message`` strings."""
    return [str(issue) for issue in scan(tree).issues]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A fresh copy of the valid fixture packages."""
    dest = tmp_path / "content"
    shutil.copytree(FIXTURES, dest)
    return dest


@pytest.fixture
def content_app(tmp_path: Path, tree: Path):
    """An app whose CONTENT_DIR is the fixture tree."""
    app = make_app(tmp_path, CONTENT_DIR=str(tree))
    yield app
    drop_app(app)
