"""Stored snapshots of package versions, so attempts made under an old version still render and score."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, created_at, utcnow


class ContentSnapshot(Base):
    """The files of one package version, recorded the first time the tool runs it.

    Progress, attempts and scores store ``(package_id, version)``; when the package on disk has moved on,
    :meth:`ContentLibrary.get_version` rebuilds the old version from this row.
    """

    __tablename__ = "content_snapshot"
    __table_args__ = (UniqueConstraint("package_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The package id (its folder name), e.g. ``r2com-course``.
    package_id: Mapped[str] = mapped_column(String(100))
    #: The semantic version from package.yaml.
    version: Mapped[str] = mapped_column(String(40))
    #: SHA-256 over every file of the package, to notice changes without a version bump.
    content_hash: Mapped[str] = mapped_column(String(64))
    #: ``{"format": 1, "files": {path: text}, "other_files": [path, ...]}``: enough to rebuild the package.
    data: Mapped[dict[str, Any]]
    created_at: Mapped[created_at]
    #: When the snapshot was last rewritten (development only: content changed without a version bump).
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
