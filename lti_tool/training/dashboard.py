"""The trainer dashboard's data: the roster joined with progress, attempts and scores, in a few set-based queries."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any, Iterable

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from ..extensions import db
from ..lti.models import LtiUser, Membership
from ..lti.session import ToolSession
from ..services.outbox import failed_deliveries, waiting_deliveries
from .catalog import describe
from .constants import Completion, Item, ItemKind
from .errors import NotPlaced
from .models import ChapterProgress, ModuleProgress, QuizAttempt
from .placements import placed_items
from .roster import ADMINISTRATOR, INSTRUCTOR, LEARNER, OTHER, Member, Roster, kind_of_roles

NOT_STARTED, IN_PROGRESS, COMPLETED = "not_started", "in_progress", "completed"
STATUSES = (NOT_STARTED, IN_PROGRESS, COMPLETED)
#: Role filter values: learners (the default), teaching staff and administrators, other roles, everyone.
ROLE_FILTERS = ("learner", "staff", "other", "all")
PAGE_SIZE = 100


def status_label(status: str) -> str:
    """Return the words for a status (translated once per request: the CSV asks for every cell)."""
    from flask import g

    labels = g.get("training_status_labels")
    if labels is None:
        labels = g.training_status_labels = {NOT_STARTED: _("Not started"), IN_PROGRESS: _("Started, not completed"),
                                             COMPLETED: _("Completed")}
    return labels[status]


class _Texts:
    """Cell texts translated once per dashboard, filled in with plain string replacement."""

    def __init__(self) -> None:
        self.pages = _("%(done)s of %(total)s pages", done="{done}", total="{total}")
        self.chapters = _("%(done)s of %(total)s chapters", done="{done}", total="{total}")
        self.read = _("read")
        self.started = _("started")

    @staticmethod
    def fill(template: str, done: int, total: int) -> str:
        return template.replace("{done}", str(done)).replace("{total}", str(total))


@dataclass
class Cell:
    """One learner's state in one placed item.

    ``state`` is how far they got (not started, started, completed); ``passed`` is separate: for a module,
    whether the quiz attempt that counts passed (``None`` before any attempt, and for items without a pass mark).
    """

    state: str = NOT_STARTED
    detail: str = ""
    score: float | None = None
    attempts: int = 0
    passed: bool | None = None


@dataclass
class Row:
    """One roster member with their progress. ``role`` is learner, instructor, administrator or other."""

    sub: str
    name: str | None
    role: str
    user_id: int | None
    learner: bool
    cells: dict[str, Cell] = field(default_factory=dict)
    status: str = NOT_STARTED
    failed: int = 0
    waiting: int = 0
    #: Passed every placed module's quiz; ``None`` when no module is placed.
    passed: bool | None = None


@dataclass
class Column:
    """A placed item as a dashboard column."""

    item: Item
    title: str
    tracked: bool

    @property
    def has_pass_mark(self) -> bool:
        """Tell whether the item has a quiz with a pass mark (modules)."""
        return self.item.kind == ItemKind.MODULE


@dataclass
class Activity:
    """Learners per state in one column; the chart and the per-activity table show these same numbers."""

    column: Column
    not_started: int
    started: int
    completed: int
    passed: int | None
    learners: int


@dataclass
class Dashboard:
    """Everything the dashboard page, the chart and the CSV export show.

    Every number (summary, chart, per-activity table) is counted from the learner rows' cells, so they agree.
    """

    columns: list[Column]
    rows: list[Row]
    roster: Roster | None
    roster_error: str | None
    #: Picked in the picker but not (yet) in the course: never launched, no line item there.
    unconfirmed: list[Column] = field(default_factory=list)

    def learners(self) -> list[Row]:
        """Return the learner rows."""
        return [r for r in self.rows if r.learner]

    def tracked(self) -> list[Column]:
        """Return the columns that show progress."""
        return [c for c in self.columns if c.tracked]

    def activities(self) -> list[Activity]:
        """Return the learners per state of every tracked column."""
        learners = self.learners()
        found = []
        for col in self.tracked():
            cells = [r.cells[col.item.key] for r in learners]
            found.append(Activity(col, sum(c.state == NOT_STARTED for c in cells),
                                  sum(c.state == IN_PROGRESS for c in cells), sum(c.state == COMPLETED for c in cells),
                                  sum(c.passed is True for c in cells) if col.has_pass_mark else None, len(cells)))
        return found

    def completion(self) -> list[tuple[Column, int, int]]:
        """Return (column, learners completed, learners) per tracked column."""
        return [(a.column, a.completed, a.learners) for a in self.activities()]

    def counts(self) -> dict[str, int]:
        """Return how many learners are in each status of the whole course."""
        found = {s: 0 for s in STATUSES}
        for row in self.learners():
            found[row.status] += 1
        return found

    def passed_count(self) -> int | None:
        """Return how many learners passed every placed module's quiz (None when no module is placed)."""
        if not any(c.has_pass_mark for c in self.tracked()):
            return None
        return sum(1 for r in self.learners() if r.passed)

    def others(self) -> int:
        """Return how many listed people are not learners (trainers, administrators, observers)."""
        return sum(1 for r in self.rows if not r.learner)


def columns_of(context_id: int, platform_ids: frozenset[str] | None = None) -> tuple[list[Column], list[Column]]:
    """Return (columns, unconfirmed picks) of the placed items (casework is listed but never tracked).

    A deep-linked pick becomes a column once the LMS has it: a link opened it at a launch, or a line item
    with its resourceId is known to the grade worker or listed by the platform (``platform_ids``).
    """
    from .grading import resource_id
    from .seen import known_resource_ids, launched_keys

    launched = launched_keys(context_id)
    line_items = known_resource_ids(context_id) | set(platform_ids or ())
    cols, unconfirmed = [], []
    for placed in placed_items(context_id):
        try:
            title = describe(placed.item)[0]
        except NotPlaced:
            title = placed.title or placed.item.key
        col = Column(placed.item, title, placed.item.kind not in (ItemKind.CASEWORK, ItemKind.DASHBOARD))
        seen = (placed.source != "deep_link" or placed.item.key in launched
                or resource_id(placed.item) in line_items)
        (cols if seen else unconfirmed).append(col)
    order = {ItemKind.MODULE: 0, ItemKind.CASE_EXERCISE: 1, ItemKind.MANUAL: 2, ItemKind.CHAPTER: 3}
    def key(c: Column) -> tuple[int, str]:
        return (order.get(c.item.kind, 9), c.item.id)
    return sorted(cols, key=key), sorted(unconfirmed, key=key)


def _case_cells(context_id: int, texts: _Texts) -> dict[tuple[int, str], Cell]:
    """Return case-exercise states from the assessment feature's training tables, when installed."""
    try:
        from ..assessment.training_models import TrainingAttempt, TrainingResult
    except ImportError:  # pragma: no cover - assessment not installed
        return {}
    rows = db.session.execute(
        select(TrainingAttempt.user_id, TrainingAttempt.case_id, func.count(TrainingAttempt.id),
               func.count(TrainingAttempt.submitted_at),
               func.max(TrainingResult.score_given * 100.0 / TrainingResult.score_maximum))
        .outerjoin(TrainingResult, TrainingResult.attempt_id == TrainingAttempt.id)
        .where(TrainingAttempt.context_id == context_id)
        .group_by(TrainingAttempt.user_id, TrainingAttempt.case_id))
    cells = {}
    for user_id, case_id, started, submitted, best in rows:
        cells[(user_id, case_id)] = Cell(COMPLETED if submitted else IN_PROGRESS,
                                         f"{best:.0f} %" if best is not None else texts.started,
                                         round(best, 2) if best is not None else None, started)
    return cells


def _kind(role: str, lti_roles: str | None) -> str:
    """Return what a person who launched is, from the platform roles they launched with (else the tool's role)."""
    if lti_roles:
        return kind_of_roles(lti_roles.split())
    return role if role in (LEARNER, INSTRUCTOR, ADMINISTRATOR) else OTHER


def build(session: ToolSession, roster: Roster | None, roster_error: str | None = None,
          platform_ids: frozenset[str] | None = None) -> Dashboard:
    """Join the roster (or, without one, the members who launched) with every placed item's progress.

    ``platform_ids``: resourceIds of the line items the platform lists for the course, if they could be read.
    """
    ctx = session.context_id
    columns, unconfirmed = columns_of(ctx, platform_ids)
    # Core statements on the session's connection: these return a row per learner and module, and the ORM's
    # per-row result processing (and datetime parsing of ``read_at``, of which only presence counts) doubled
    # the time of a large course.
    run = db.session.connection().execute
    launched = {sub: (uid, name, _kind(role, lti_roles)) for uid, sub, name, role, lti_roles in run(
        select(LtiUser.id, LtiUser.sub, LtiUser.name, Membership.role, Membership.lti_roles)
        .join(Membership, Membership.user_id == LtiUser.id).where(Membership.context_id == ctx))}
    pages = {(u, mid): (done, total, read) for u, mid, done, total, read in run(
        select(ModuleProgress.user_id, ModuleProgress.module_id, ModuleProgress.pages_done,
               ModuleProgress.pages_total, ModuleProgress.read_at.is_not(None))
        .where(ModuleProgress.context_id == ctx))}
    kept = QuizAttempt.kept.is_(True)
    quiz = {(u, mid): (n, done, percent, passed) for u, mid, n, done, percent, passed in run(
        select(QuizAttempt.user_id, QuizAttempt.module_id, func.count(QuizAttempt.id),
               func.count(QuizAttempt.submitted_at), func.max(case((kept, QuizAttempt.percent))),
               func.max(case((kept & QuizAttempt.passed.is_(True), 1), (kept, 0))))
        .where(QuizAttempt.context_id == ctx).group_by(QuizAttempt.user_id, QuizAttempt.module_id))}
    chapter_ids = [c.item.id for c in columns if c.item.kind == ItemKind.CHAPTER]
    chapters: set[tuple[int, str]] = set()
    if chapter_ids:
        found = run(select(ChapterProgress.user_id, ChapterProgress.chapter_id).where(
            ChapterProgress.context_id == ctx, ChapterProgress.completed_at.is_not(None),
            ChapterProgress.chapter_id.in_(chapter_ids)))
        chapters = {(uid, cid) for uid, cid in found}
    manual: dict[int, int] = {}
    total_chapters = 0
    if any(c.item.kind == ItemKind.MANUAL for c in columns):
        from .catalog import package_of

        current = [c.id for c in package_of("manual").body.chapters]  # type: ignore[union-attr]
        total_chapters = len(current)
        manual = dict(run(select(ChapterProgress.user_id, func.count()).where(
            ChapterProgress.context_id == ctx, ChapterProgress.completed_at.is_not(None),
            ChapterProgress.chapter_id.in_(current)).group_by(ChapterProgress.user_id)).all())
    texts = _Texts()
    cases = _case_cells(ctx, texts) if any(c.item.kind == ItemKind.CASE_EXERCISE for c in columns) else {}
    failed: dict[int, int] = {}
    for row in failed_deliveries(ctx):
        failed[row.user_id] = failed.get(row.user_id, 0) + 1
    waiting: dict[int, int] = {}
    for row in waiting_deliveries(ctx):
        waiting[row.user_id] = waiting.get(row.user_id, 0) + 1

    members: list[tuple[str, str | None, str]] = []
    if roster is not None:
        for m in roster.members:
            if m.status == "Deleted":
                continue
            members.append((m.user_id, m.name, m.kind))
        listed = {m[0] for m in members}
        members += [(sub, name, kind) for sub, (_u, name, kind) in launched.items() if sub not in listed]
    else:
        members = [(sub, name, kind) for sub, (_u, name, kind) in launched.items()]

    tracked = [c for c in columns if c.tracked]
    rows: list[Row] = []
    for sub, name, kind in members:
        uid = launched[sub][0] if sub in launched else None
        row = Row(sub, name or (launched[sub][1] if sub in launched else None), kind, uid, kind == LEARNER,
                  failed=failed.get(uid, 0) if uid else 0, waiting=waiting.get(uid, 0) if uid else 0)
        for col in columns:
            row.cells[col.item.key] = _cell(col.item, uid, pages, quiz, chapters, manual, total_chapters, cases,
                                            texts) if uid is not None and col.tracked else Cell()
        states = [row.cells[c.item.key].state for c in tracked]
        if states and all(s == COMPLETED for s in states):
            row.status = COMPLETED
        elif any(s != NOT_STARTED for s in states):
            row.status = IN_PROGRESS
        graded = [row.cells[c.item.key].passed for c in tracked if c.has_pass_mark]
        row.passed = all(p is True for p in graded) if graded else None
        rows.append(row)
    return Dashboard(columns, rows, roster, roster_error, unconfirmed)


def _cell(item: Item, uid: int, pages: dict, quiz: dict, chapters: set, manual: dict, total_chapters: int,
          cases: dict, texts: _Texts) -> Cell:
    if item.kind == ItemKind.MODULE:
        done, total, read = pages.get((uid, item.id), (0, 0, False))
        n, submitted, percent, kept_passed = quiz.get((uid, item.id), (0, 0, None, None))
        passed = bool(kept_passed) if submitted and kept_passed is not None else None
        # A failed attempt that counts never completes the module, unless the trainer chose "on submission".
        finished = passed is True or (submitted and item.completion == Completion.SUBMIT)
        if read and finished:
            state = COMPLETED
        elif done or n:
            state = IN_PROGRESS
        else:
            state = NOT_STARTED
        detail = texts.fill(texts.pages, done, total) if total else ""
        return Cell(state, detail, round(percent, 2) if percent is not None else None, n, passed)
    if item.kind == ItemKind.CHAPTER:
        return Cell(COMPLETED, texts.read) if (uid, item.id) in chapters else Cell()
    if item.kind == ItemKind.MANUAL:
        read = manual.get(uid, 0)
        state = COMPLETED if total_chapters and read >= total_chapters else (IN_PROGRESS if read else NOT_STARTED)
        return Cell(state, texts.fill(texts.chapters, read, total_chapters))
    if item.kind == ItemKind.CASE_EXERCISE:
        return cases.get((uid, item.id), Cell())
    return Cell()


def filtered(board: Dashboard, *, status: str | None = None, item_key: str | None = None,
             role: str | None = None, query: str | None = None) -> list[Row]:
    """Return the rows matching the filters (status of the whole course, or of one item when ``item_key``).

    ``role``: learners only by default; ``staff`` (trainers and administrators; ``instructor`` also works),
    ``other`` (observers and other roles) or ``all``.
    """
    rows: Iterable[Row] = board.rows
    role = role or "learner"
    if role == "learner":
        rows = (r for r in rows if r.learner)
    elif role in ("staff", "instructor"):
        rows = (r for r in rows if r.role in (INSTRUCTOR, ADMINISTRATOR))
    elif role == "other":
        rows = (r for r in rows if r.role == OTHER)
    if status in STATUSES:
        if item_key:
            rows = (r for r in rows if item_key in r.cells and r.cells[item_key].state == status)
        else:
            rows = (r for r in rows if r.status == status)
    if query:
        needle = query.casefold()
        rows = (r for r in rows if needle in (r.name or "").casefold() or needle in r.sub.casefold())
    return list(rows)


def _safe(value: Any) -> str:
    """Return a CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_text(board: Dashboard, rows: list[Row]) -> str:
    """Return the rows as CSV: platform user id, name (only if the platform sent it), role, status, per item."""
    out = io.StringIO()
    writer = csv.writer(out)
    header = [_("Platform user id"), _("Name"), _("Role"), _("Status")]
    for col in board.columns:
        if not col.tracked:
            continue
        header += [f"{col.title}: {_('status')}", f"{col.title}: {_('progress')}"]
        if col.item.kind in (ItemKind.MODULE, ItemKind.CASE_EXERCISE):
            header += [f"{col.title}: {_('score')}", f"{col.title}: {_('attempts')}"]
        if col.has_pass_mark:
            header += [f"{col.title}: {_('passed')}"]
    writer.writerow([_safe(h) for h in header])
    yes, no = _("yes"), _("no")
    for row in rows:
        line = [row.sub, row.name or "", row.role, status_label(row.status)]
        for col in board.columns:
            if not col.tracked:
                continue
            cell = row.cells[col.item.key]
            line += [status_label(cell.state), cell.detail]
            if col.item.kind in (ItemKind.MODULE, ItemKind.CASE_EXERCISE):
                line += ["" if cell.score is None else f"{cell.score:g}", cell.attempts]
            if col.has_pass_mark:
                line += ["" if cell.passed is None else (yes if cell.passed else no)]
        writer.writerow([_safe(v) for v in line])
    return out.getvalue()


def member_of(board: Dashboard, sub: str) -> Row | None:
    """Return a roster row by platform user id."""
    return next((r for r in board.rows if r.sub == sub), None)


__all__ = ["Activity", "Dashboard", "Row", "Cell", "Column", "Member", "build", "filtered", "csv_text", "STATUSES",
           "ROLE_FILTERS"]
