"""Each learner's progress summary per course, kept on write so the trainer dashboard reads one row per learner.

Every flush that adds, changes or deletes module progress, a quiz attempt or a chapter read recomputes the
summary of the learners it touched, in the same transaction (an ORM ``after_flush`` hook, so no write path
can forget it). The recomputation reads only that learner's own rows in that course (a few indexed rows),
so the summary always equals a full recomputation (:func:`backfill`), whatever the order of the writes.

Concurrent writes for the same learner (two tabs): the summary row is locked (an upsert) *after* the
progress rows were written and *before* they are read back. On PostgreSQL (read committed) the second
transaction waits for the first to commit and its reads then see both writes; SQLite has one writer at a
time. The last summary written is therefore always computed from every committed write.
"""

from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import Connection, case, delete, event, func, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from .models import ChapterProgress, ModuleProgress, ProgressSummary, QuizAttempt

#: Attributes whose change alters a summary (a new resume page does not).
_WATCHED = {ModuleProgress: ("pages_done", "pages_total", "read_at"),
            QuizAttempt: ("submitted_at", "kept", "passed", "percent"),
            ChapterProgress: ("completed_at",)}


def summarise(modules: Iterable[tuple[str, int, int, bool]],
              attempts: Iterable[tuple[str, int, int, float | None, int | None]],
              chapters: Iterable[str]) -> tuple[str, dict[str, Any]]:
    """Return (states, cells) of one learner in one course.

    ``modules``: (module id, pages done, pages, every page read); ``attempts``: per module (module id, attempts,
    attempts handed in, percent of the attempt that counts, 1/0 whether it passed or None); ``chapters``: ids
    of the chapters marked as read.
    """
    found: dict[str, list[Any]] = {}
    for module_id, done, total, read in modules:
        found[module_id] = [done or 0, total or 0, bool(read), 0, 0, None, None]
    for module_id, n, submitted, percent, passed in attempts:
        row = found.setdefault(module_id, [0, 0, False, 0, 0, None, None])
        row[3:7] = [n, submitted, percent, passed]
    words = []
    cells: dict[str, Any] = {}
    for module_id, (done, total, read, n, submitted, percent, passed) in found.items():
        flags = ("s" if done or n else "") + ("r" if read else "") + ("u" if submitted else "")
        if passed is not None:
            flags += "p" if passed else "f"
        words.append(f"m:{module_id}:{flags}")
        cells[module_id] = [done, total, n, round(percent, 2) if percent is not None else None]
    words += [f"c:{chapter_id}" for chapter_id in set(chapters)]
    return " ".join(sorted(words)), cells


def _attempts_query():  # noqa: ANN202 - a select
    kept = QuizAttempt.kept.is_(True)
    return select(QuizAttempt.module_id, func.count(QuizAttempt.id), func.count(QuizAttempt.submitted_at),
                  func.max(case((kept, QuizAttempt.percent))),
                  func.max(case((kept & QuizAttempt.passed.is_(True), 1), (kept, 0))))


def _insert(conn: Connection):  # noqa: ANN202 - the dialect's insert
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def refresh(conn: Connection, context_id: int, user_id: int) -> None:
    """Recompute one learner's summary in one course from their rows, on ``conn`` (in its transaction)."""
    table = ProgressSummary.__table__
    # Lock (or create) the summary row first, then read: see the module docstring.
    lock = _insert(conn)(table).values(context_id=context_id, user_id=user_id, states="", cells={})
    conn.execute(lock.on_conflict_do_update(index_elements=[table.c.context_id, table.c.user_id],
                                            set_={"states": table.c.states}))
    modules = conn.execute(select(ModuleProgress.module_id, ModuleProgress.pages_done, ModuleProgress.pages_total,
                                  ModuleProgress.read_at.is_not(None)).where(
        ModuleProgress.context_id == context_id, ModuleProgress.user_id == user_id)).all()
    attempts = conn.execute(_attempts_query().where(QuizAttempt.context_id == context_id,
                                                    QuizAttempt.user_id == user_id)
                            .group_by(QuizAttempt.module_id)).all()
    chapters = conn.execute(select(ChapterProgress.chapter_id).where(
        ChapterProgress.context_id == context_id, ChapterProgress.user_id == user_id,
        ChapterProgress.completed_at.is_not(None))).scalars().all()
    where = (table.c.context_id == context_id, table.c.user_id == user_id)
    if not (modules or attempts or chapters):
        conn.execute(delete(table).where(*where))
        return
    states, cells = summarise(modules, attempts, chapters)
    conn.execute(update(table).where(*where).values(states=states, cells=cells))


def recompute_all(conn: Connection, context_id: int | None = None) -> dict[tuple[int, int], tuple[str, dict]]:
    """Return every learner's summary computed from all progress rows (of one course, or of all)."""
    def scoped(query, model):  # noqa: ANN001, ANN202
        return query if context_id is None else query.where(model.context_id == context_id)

    parts: dict[tuple[int, int], tuple[list, list, list]] = {}
    for ctx, uid, module_id, done, total, read in conn.execute(scoped(select(
            ModuleProgress.context_id, ModuleProgress.user_id, ModuleProgress.module_id, ModuleProgress.pages_done,
            ModuleProgress.pages_total, ModuleProgress.read_at.is_not(None)), ModuleProgress)):
        parts.setdefault((ctx, uid), ([], [], []))[0].append((module_id, done, total, read))
    query = _attempts_query().add_columns(QuizAttempt.context_id, QuizAttempt.user_id).group_by(
        QuizAttempt.context_id, QuizAttempt.user_id, QuizAttempt.module_id)
    for module_id, n, submitted, percent, passed, ctx, uid in conn.execute(scoped(query, QuizAttempt)):
        parts.setdefault((ctx, uid), ([], [], []))[1].append((module_id, n, submitted, percent, passed))
    for ctx, uid, chapter_id in conn.execute(scoped(select(
            ChapterProgress.context_id, ChapterProgress.user_id, ChapterProgress.chapter_id).where(
            ChapterProgress.completed_at.is_not(None)), ChapterProgress)):
        parts.setdefault((ctx, uid), ([], [], []))[2].append(chapter_id)
    return {key: summarise(*value) for key, value in parts.items()}


def backfill(conn: Connection, context_id: int | None = None, batch: int = 5000) -> int:
    """Rebuild the summaries (of one course, or all) from the progress rows; return how many learners."""
    table = ProgressSummary.__table__
    conn.execute(delete(table) if context_id is None else delete(table).where(table.c.context_id == context_id))
    rows = [{"context_id": ctx, "user_id": uid, "states": states, "cells": cells}
            for (ctx, uid), (states, cells) in recompute_all(conn, context_id).items()]
    for start in range(0, len(rows), batch):
        conn.execute(table.insert(), rows[start:start + batch])
    return len(rows)


def _touched(session: Session) -> set[tuple[int, int]]:
    found = set()
    for obj in list(session.new) + list(session.deleted):
        if type(obj) in _WATCHED:
            found.add((obj.context_id, obj.user_id))
    for obj in session.dirty:
        watched = _WATCHED.get(type(obj))
        if watched is None:
            continue
        state = sa_inspect(obj)
        if any(state.attrs[name].history.has_changes() for name in watched):
            found.add((obj.context_id, obj.user_id))
    return found


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush_context: Any) -> None:
    touched = _touched(session)
    if not touched:
        return
    conn = session.connection()
    for context_id, user_id in sorted(touched):  # one order, so two writers never lock in opposite orders
        refresh(conn, context_id, user_id)
