"""Reading progress: module pages (resume where you left off) and manual chapters (opened, read)."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from flask import current_app, g
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..content import model as m
from ..db import utcnow
from ..extensions import db
from ..lti.session import ToolSession
from .models import ChapterProgress, ModuleProgress, Reflection

log = logging.getLogger(__name__)


class SeenMemo:
    """Per-process memory of (context, user, module, page) already written, so re-reading a page costs no write."""

    def __init__(self, limit: int = 200_000) -> None:
        self._seen: set[tuple[int, int, str, str]] = set()
        self._lock = threading.Lock()
        self.limit = limit

    def __contains__(self, key: tuple[int, int, str, str]) -> bool:
        return key in self._seen

    def add(self, key: tuple[int, int, str, str]) -> None:
        with self._lock:
            if len(self._seen) >= self.limit:
                self._seen.clear()
            self._seen.add(key)


MEMO = SeenMemo()


def seen_state(session: ToolSession, module_id: str) -> tuple[list[str], str | None] | None:
    """Return (pages seen, last page) of the user's module progress, or None.

    This runs on every page view, so it is one plain SQL statement on the launch hot path's driver
    connections (:meth:`~lti_tool.lti.hotpath.HotStore.fetch_one`): no ORM session, no pool checkout and
    so no ping. It sees committed rows only; the page view calls it before it writes anything.
    """
    prefetched = _prefetched(session, module_id)  # read with the session (a module page: one round trip)
    if prefetched is not None:
        return prefetched[2]
    store = current_app.extensions["r2com"]["hotpath"]
    ph = store.placeholder
    row = store.fetch_one(
        f"SELECT pages_seen, last_page_id FROM {ModuleProgress.__tablename__} "
        f"WHERE context_id = {ph} AND user_id = {ph} AND module_id = {ph}",
        (session.context_id, session.user_id, module_id))
    if row is None:
        return None
    seen = json.loads(row[0]) if isinstance(row[0], (str, bytes)) else row[0]
    return list(seen or []), row[1]


def _prefetched(session: ToolSession, module_id: str) -> tuple[Any, ...] | None:
    found = g.get("prefetched_progress")
    return found if found is not None and found[0] == session.id and found[1] == module_id else None


def kept_percent(session: ToolSession, module_id: str) -> float | None:
    """Return the percent of the user's quiz attempt that counts in a module, or None (read with the session)."""
    prefetched = _prefetched(session, module_id)
    if prefetched is not None:
        return prefetched[3]
    from .models import QuizAttempt

    return db.session.execute(select(QuizAttempt.percent).where(
        QuizAttempt.context_id == session.context_id, QuizAttempt.user_id == session.user_id,
        QuizAttempt.module_id == module_id, QuizAttempt.kept.is_(True)).limit(1)).scalar()


def resume_at(last_page_id: str | None, module: m.Module) -> str:
    """Return the page to resume at: the last one opened if it still exists, else the first page."""
    pages = reading_pages(module)
    return last_page_id if last_page_id in pages else pages[0]


def count_seen(seen: list[str] | None, module: m.Module) -> tuple[int, int]:
    """Return (pages seen, pages) for a list of seen page ids."""
    pages = reading_pages(module)
    found = set(seen or [])
    return sum(1 for p in pages if p in found), len(pages)


def module_progress(session: ToolSession, module_id: str, user_id: int | None = None) -> ModuleProgress | None:
    """Return a user's progress row for a module in the session's course."""
    return db.session.execute(select(ModuleProgress).where(
        ModuleProgress.context_id == session.context_id, ModuleProgress.user_id == (user_id or session.user_id),
        ModuleProgress.module_id == module_id)).scalar()


def all_module_progress(session: ToolSession) -> dict[str, ModuleProgress]:
    """Return the user's progress rows in the session's course by module id."""
    rows = db.session.execute(select(ModuleProgress).where(ModuleProgress.context_id == session.context_id,
                                                           ModuleProgress.user_id == session.user_id)).scalars()
    return {row.module_id: row for row in rows}


def reading_pages(module: m.Module) -> list[str]:
    """Return the ids of a module's learning pages and its activity, in reading order."""
    return [p.id for p in module.pages] + [module.activity.id]


def counts(row: ModuleProgress | None, module: m.Module) -> tuple[int, int]:
    """Return (pages seen, pages) of a module for the progress bar; pages of older versions do not count."""
    pages = reading_pages(module)
    if row is None:
        return 0, len(pages)
    seen = set(row.pages_seen or [])
    return sum(1 for p in pages if p in seen), len(pages)


def mark_page(session: ToolSession, package: m.Package, module: m.Module, page_id: str,
              row: ModuleProgress | None) -> ModuleProgress | None:
    """Record that the user opened a page (and it is where to resume). Flushes only when something changed."""
    key = (session.context_id, session.user_id, module.id, page_id)
    if key in MEMO and row is not None and row.last_page_id == page_id:
        return row
    if row is None:
        row = ModuleProgress(context_id=session.context_id, user_id=session.user_id, module_id=module.id,
                             package_id=package.id, package_version=package.version, pages_seen=[])
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:  # opened in two tabs at once
            row = module_progress(session, module.id)
            if row is None:
                raise
    seen = list(row.pages_seen or [])
    if page_id not in seen:
        seen.append(page_id)
        row.pages_seen = seen
    row.last_page_id = page_id
    done, total = counts(row, module)
    row.pages_done, row.pages_total = done, total
    if done == total and row.read_at is None:
        row.read_at = utcnow()
        log.info("user %s read every page of module %s", session.user_id, module.id)
    db.session.flush()
    MEMO.add(key)
    return row


def resume_page(row: ModuleProgress | None, module: m.Module) -> str:
    """Return the page to resume at: the last one opened if it still exists, else the first page."""
    return resume_at(row.last_page_id if row is not None else None, module)


def reflection_of(session: ToolSession, module_id: str) -> Reflection | None:
    """Return the user's reflection texts for a module's activity."""
    return db.session.execute(select(Reflection).where(
        Reflection.context_id == session.context_id, Reflection.user_id == session.user_id,
        Reflection.module_id == module_id)).scalar()


def save_reflection(session: ToolSession, package: m.Package, module: m.Module, texts: list[str]) -> Reflection:
    """Keep the learner's private reflection texts (they never leave the tool). Flushes."""
    row = reflection_of(session, module.id)
    if row is None:
        row = Reflection(context_id=session.context_id, user_id=session.user_id, module_id=module.id,
                         package_version=package.version)
        db.session.add(row)
    row.texts = [t.strip()[:10000] for t in texts]
    row.package_version = package.version
    db.session.flush()
    return row


# -- manual ----------------------------------------------------------------------------------------
def chapter_rows(session: ToolSession) -> dict[str, ChapterProgress]:
    """Return the user's chapter progress in the session's course by chapter id."""
    rows = db.session.execute(select(ChapterProgress).where(ChapterProgress.context_id == session.context_id,
                                                            ChapterProgress.user_id == session.user_id)).scalars()
    return {row.chapter_id: row for row in rows}


def open_chapter(session: ToolSession, package: m.Package, chapter_id: str,
                 rows: dict[str, ChapterProgress]) -> ChapterProgress:
    """Record that the user opened a chapter. Flushes when new."""
    row = rows.get(chapter_id)
    if row is None:
        row = ChapterProgress(context_id=session.context_id, user_id=session.user_id, chapter_id=chapter_id,
                              package_id=package.id, package_version=package.version)
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            row = chapter_rows(session)[chapter_id]
        rows[chapter_id] = row
    return row


def mark_chapter(session: ToolSession, package: m.Package, chapter_id: str, read: bool) -> tuple[ChapterProgress, bool]:
    """Mark a chapter as read (or not read); return the row and whether it just became read. Flushes."""
    rows = chapter_rows(session)
    row = open_chapter(session, package, chapter_id, rows)
    newly = read and row.completed_at is None
    row.completed_at = (row.completed_at or utcnow()) if read else None
    if read:
        row.package_version = package.version
    db.session.flush()
    return row, newly


def manual_done(rows: dict[str, ChapterProgress], manual: m.Manual) -> tuple[int, int]:
    """Return (chapters read, chapters) of the current manual."""
    return sum(1 for c in manual.chapters if c.id in rows and rows[c.id].completed_at), len(manual.chapters)


def as_json(row: Any) -> dict[str, Any]:  # pragma: no cover - debugging aid
    """Return a row's columns as a dict."""
    return {c.name: getattr(row, c.name) for c in row.__table__.columns}
