"""Content errors: one :class:`ContentIssue` per problem, raised together as :class:`ContentPackageError`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from flask_babel import lazy_gettext as _l

from ..errors import NotFound


@dataclass(frozen=True)
class ContentIssue:
    """One problem in a content file: where it is (file, field path, line) and what is wrong."""

    file: str
    field_path: str
    message: str
    line: int | None = None

    def sort_key(self) -> tuple[str, int, str, str]:
        """Order issues by file, then line, then field."""
        return (self.file, self.line or 0, self.field_path, self.message)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field_path}: {self.message}" if self.field_path else f"{where}: {self.message}"


class ContentError(Exception):
    """Base for errors about content packages."""


class ContentPackageError(ContentError):
    """One or more content packages are invalid; ``issues`` lists every problem found."""

    def __init__(self, issues: Iterable[ContentIssue], heading: str | None = None) -> None:
        self.issues: tuple[ContentIssue, ...] = tuple(sorted(issues, key=ContentIssue.sort_key))
        packages = self.packages
        count = len(self.issues)
        self.heading = heading or (
            f"Invalid content package{'s' if len(packages) != 1 else ''} {', '.join(packages)}: "
            f"{count} problem{'s' if count != 1 else ''} (fix them, then run `flask --app wsgi content validate`)"
        )
        super().__init__(self.heading + "\n" + "\n".join(f"  {issue}" for issue in self.issues))

    @property
    def packages(self) -> list[str]:
        """Return the ids (folder names) of the packages with problems."""
        return sorted({issue.file.split("/", 1)[0] or issue.file for issue in self.issues})


class ContentVersionError(ContentError):
    """A package changed without a version bump (refused in production)."""


class ContentNotFound(NotFound):
    """A package, module, chapter or other content item does not exist."""

    code = "content_not_found"
    title = _l("We could not find that content")
