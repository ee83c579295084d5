"""Record each loaded package version once, and refuse silent changes to a published version in production."""

from __future__ import annotations

import logging

from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from ..db import utcnow
from ..extensions import db
from .errors import ContentVersionError
from .library import ContentLibrary
from .models import ContentSnapshot

log = logging.getLogger(__name__)


def find_snapshot(package_id: str, version: str) -> ContentSnapshot | None:
    """Return the stored snapshot of a package version, if any."""
    return db.session.execute(select(ContentSnapshot).filter_by(package_id=package_id, version=version)
                              ).scalar_one_or_none()


def record_snapshots(library: ContentLibrary, env: str) -> list[str]:
    """Store a snapshot of every package version not stored yet; return ``"id version"`` of those written.

    A version whose files changed since its snapshot is refused in production (raise the version), and
    re-recorded with a warning in development and testing.

    Raises:
        ContentVersionError: production, and a package changed without a version bump.
    """
    if not inspect(db.engine).has_table(ContentSnapshot.__tablename__):
        log.info("content snapshots skipped: table %s does not exist yet (run `flask --app wsgi db upgrade`)",
                 ContentSnapshot.__tablename__)
        return []
    written: list[str] = []
    try:
        for loaded in (library.loaded(p.id) for p in library.packages()):
            package = loaded.package
            # Compare hashes without loading the stored files (the course alone is several hundred kB).
            row = db.session.execute(select(ContentSnapshot.id, ContentSnapshot.content_hash).filter_by(
                package_id=package.id, version=package.version)).one_or_none()
            if row is None:
                db.session.add(ContentSnapshot(package_id=package.id, version=package.version,
                                               content_hash=package.content_hash, data=loaded.snapshot_data()))
                written.append(f"{package.id} {package.version}")
            elif row.content_hash != package.content_hash:
                message = (f"{package.id} {package.version} changed without a version bump: raise the version in "
                           "package.yaml")
                if env == "production":
                    raise ContentVersionError(message)
                log.warning("%s (development: the stored snapshot is replaced)", message)
                stored = db.session.get(ContentSnapshot, row.id)
                assert stored is not None
                stored.content_hash, stored.data, stored.updated_at = (package.content_hash, loaded.snapshot_data(),
                                                                       utcnow())
                written.append(f"{package.id} {package.version}")
        db.session.commit()
    except IntegrityError:
        # Another worker recorded the same version at the same moment; its row is as good as ours.
        db.session.rollback()
        log.info("content snapshots recorded by another process")
        return []
    except (OperationalError, ProgrammingError) as exc:
        db.session.rollback()
        log.warning("content snapshots skipped: %s", exc.__class__.__name__)
        return []
    except ContentVersionError:
        db.session.rollback()
        raise
    if written:
        log.info("content snapshots recorded: %s", ", ".join(written))
    return written
