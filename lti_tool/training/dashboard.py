"""The trainer dashboard's data: the roster joined with progress, attempts and scores, in a few set-based queries."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Optional

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..extensions import db
from ..lti.models import LtiUser, Membership
from ..lti.session import ToolSession
from ..services.outbox import failed_deliveries, waiting_deliveries
from .catalog import describe
from .constants import Completion, Item, ItemKind
from .errors import NotPlaced
from .models import ProgressSummary
from .placements import placed_items
from .roster import ADMINISTRATOR, INSTRUCTOR, LEARNER, OTHER, Member, Roster, kind_of_roles, people_of

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


#: One course member as listed: (platform user id, name, learner/instructor/administrator/other, tool user id).
Person = tuple[str, Optional[str], str, Optional[int]]


@dataclass
class Dashboard:
    """Everything the dashboard page, the chart and the CSV export show.

    The summary, the chart and the per-activity table are counted from the learners' progress summaries
    (:mod:`~lti_tool.training.summary`) with one ``GROUP BY`` over distinct states; rows with their cells are
    built only for the people shown (:meth:`rows_for`). Counts and rows come from the same cell rules, so
    they agree.
    """

    context_id: int
    columns: list[Column]
    roster: Roster | None
    roster_error: str | None
    #: Everyone listed: the course list (without members it marks deleted), then whoever launched but is not on it.
    people: list[Person]
    #: Picked in the picker but not (yet) in the course: never launched, no line item there.
    unconfirmed: list[Column] = field(default_factory=list)
    _texts: "_Texts | None" = None
    _parsed: dict[str, tuple[dict[str, str], frozenset[str]]] = field(default_factory=dict)
    _states: dict[int, str] | None = None
    _cases: dict | None = None
    _manual: list[str] | None = None
    _deliveries: tuple[dict[int, int], dict[int, int]] | None = None
    _totals: tuple | None = None
    _rows: list[Row] | None = None
    _loaded: dict[int, tuple[str, dict[str, Any]]] | None = None
    _names: dict[int, str | None] = field(default_factory=dict)

    def load_all(self) -> "Dashboard":
        """Read every summary, count and build every row now (so the board can be used after the request)."""
        uids = [p[3] for p in self.people if p[3] is not None]
        self._loaded = self._summaries(uids)
        self._states = {uid: text for uid, (text, _n) in self._loaded.items()}
        self._count()
        self._case_cells()
        self._manual_chapters()
        self._delivery_counts()
        self.people = self.with_names(self.people)
        _ = self.rows
        return self

    # -- people and rows --------------------------------------------------------------------------------
    @property
    def rows(self) -> list[Row]:
        """Return every listed person's row with cells (builds them all: for exports and tests)."""
        if self._rows is None:
            self._rows = self.rows_for(self.people)
        return self._rows

    def learners(self) -> list[Row]:
        """Return the learner rows."""
        return [r for r in self.rows if r.learner]

    def tracked(self) -> list[Column]:
        """Return the columns that show progress."""
        return [c for c in self.columns if c.tracked]

    def with_names(self, people: list[Person]) -> list[Person]:
        """Return the people with the name they launched with where the course list gave none."""
        nameless = [p[3] for p in people if p[1] is None and p[3] is not None and p[3] not in self._names]
        for start in range(0, len(nameless), 500):
            chunk = nameless[start:start + 500]
            self._names.update(db.session.execute(select(LtiUser.id, LtiUser.name).where(LtiUser.id.in_(chunk))).all())
        return [(sub, self._names.get(uid), kind, uid) if name is None and uid is not None else (sub, name, kind, uid)
                for sub, name, kind, uid in people]

    def rows_for(self, people: list[Person]) -> list[Row]:
        """Return the rows of these people with their cells, reading only their summaries."""
        people = self.with_names(people)
        summaries = self._summaries([p[3] for p in people if p[3] is not None])
        failed, waiting = self._delivery_counts()
        tracked = self.tracked()
        rows = []
        for sub, name, kind, uid in people:
            row = Row(sub, name, kind, uid, kind == LEARNER, failed=failed.get(uid, 0) if uid else 0,
                      waiting=waiting.get(uid, 0) if uid else 0)
            states, numbers = summaries.get(uid, ("", {})) if uid is not None else ("", {})
            for col in self.columns:
                row.cells[col.item.key] = self._cell(col, uid, states, numbers) if uid is not None and col.tracked \
                    else Cell()
            row.status, row.passed = _overall([row.cells[c.item.key] for c in tracked], tracked)
            rows.append(row)
        return rows

    def select(self, *, status: str | None = None, item_key: str | None = None, role: str | None = None,
               query: str | None = None) -> list[Person]:
        """Return the people matching the filters (see :func:`filtered`), without building their rows.

        A status filter reads every learner's summary state (one narrow query); the others read nothing.
        """
        people: Iterable[Person] = self.people
        role = role or "learner"
        if role == "learner":
            people = (p for p in people if p[2] == LEARNER)
        elif role in ("staff", "instructor"):
            people = (p for p in people if p[2] in (INSTRUCTOR, ADMINISTRATOR))
        elif role == "other":
            people = (p for p in people if p[2] == OTHER)
        if query:
            needle = query.casefold()
            people = (p for p in self.with_names(list(people)) if needle in (p[1] or "").casefold() or needle in p[0].casefold())
        if status in STATUSES:
            tracked = self.tracked()
            column = next((c for c in self.columns if c.item.key == item_key), None) if item_key else None
            if item_key and column is None:
                return []
            states = self._all_states()

            def status_of(person: Person) -> str:
                uid = person[3]
                text = states.get(uid, "") if uid is not None else ""
                if column is not None:
                    return self._state(column, uid, text)[0] if uid is not None and column.tracked else NOT_STARTED
                if uid is None:
                    return NOT_STARTED
                return _overall_states([self._state(c, uid, text) for c in tracked], tracked)[0]

            people = (p for p in people if status_of(p) == status)
        return list(people)

    # -- counts -----------------------------------------------------------------------------------------
    def activities(self) -> list[Activity]:
        """Return the learners per state of every tracked column."""
        return self._count()[1]

    def completion(self) -> list[tuple[Column, int, int]]:
        """Return (column, learners completed, learners) per tracked column."""
        return [(a.column, a.completed, a.learners) for a in self.activities()]

    def counts(self) -> dict[str, int]:
        """Return how many learners are in each status of the whole course."""
        return dict(self._count()[0])

    def passed_count(self) -> int | None:
        """Return how many learners passed every placed module's quiz (None when no module is placed)."""
        return self._count()[2]

    def learner_total(self) -> int:
        """Return how many learners are listed."""
        return self._count()[3]

    def others(self) -> int:
        """Return how many listed people are not learners (trainers, administrators, observers)."""
        return sum(1 for p in self.people if p[2] != LEARNER)

    def _count(self) -> tuple:
        """Count learners per state from the summaries: (overall, activities, passed every quiz, learners)."""
        if self._totals is not None:
            return self._totals
        tracked = self.tracked()
        learners = [p for p in self.people if p[2] == LEARNER]
        groups: list[tuple[int | None, str, int]]  # (user id or None when the state does not depend on it, state, n)
        if self._cases_needed():
            states = self._all_states()
            groups = [(p[3], states.get(p[3], ""), 1) for p in learners if p[3] is not None]
        else:
            ctx = self.context_id
            # One covering index scan; the result has a row per distinct state, not per learner.
            found = dict(db.session.connection().execute(
                select(ProgressSummary.states, func.count()).where(ProgressSummary.context_id == ctx)
                .group_by(ProgressSummary.states)).all())
            # Summaries of people who are not learners (a handful: trainers, observers) are taken away again.
            others = [p[3] for p in self.people if p[2] != LEARNER and p[3] is not None]
            for text in self._summary_states(others).values():
                found[text] -= 1
            groups = [(None, text, n) for text, n in found.items() if n > 0]
            # Summaries are written for people who launched, and everyone who launched is listed; should a
            # summary outlive its membership, count person by person rather than count it.
            if sum(n for _u, _t, n in groups) > sum(1 for p in learners if p[3] is not None):
                states = self._all_states()
                groups = [(p[3], states.get(p[3], ""), 1) for p in learners if p[3] is not None]
        with_summary = sum(n for _u, _t, n in groups)
        overall = {s: 0 for s in STATUSES}
        per_column = {c.item.key: {s: 0 for s in STATUSES} for c in tracked}
        passed_cols = {c.item.key: 0 for c in tracked}
        passed_all = 0
        for uid, text, n in groups:
            cells = [self._state(c, uid, text) for c in tracked]
            status, passed = _overall_states(cells, tracked)
            overall[status] += n
            passed_all += n if passed else 0
            for col, (state, cell_passed) in zip(tracked, cells):
                per_column[col.item.key][state] += n
                passed_cols[col.item.key] += n if cell_passed is True else 0
        rest = len(learners) - with_summary  # listed learners with no progress at all
        overall[NOT_STARTED] += rest
        activities = []
        for col in tracked:
            counted = per_column[col.item.key]
            activities.append(Activity(col, counted[NOT_STARTED] + rest, counted[IN_PROGRESS], counted[COMPLETED],
                                       passed_cols[col.item.key] if col.has_pass_mark else None, len(learners)))
        passed_total = passed_all if any(c.has_pass_mark for c in tracked) else None
        self._totals = (overall, activities, passed_total, len(learners))
        return self._totals

    # -- cells ------------------------------------------------------------------------------------------
    def _parse(self, text: str) -> tuple[dict[str, str], frozenset[str]]:
        parsed = self._parsed.get(text)
        if parsed is None:
            modules, chapters = {}, set()
            for word in text.split():
                if word.startswith("m:"):
                    module_id, _sep, flags = word[2:].rpartition(":")
                    modules[module_id] = flags
                elif word.startswith("c:"):
                    chapters.add(word[2:])
            parsed = self._parsed[text] = (modules, frozenset(chapters))
        return parsed

    def _state(self, col: Column, uid: int | None, text: str) -> tuple[str, bool | None]:
        """Return (state, passed) of one column from a summary's states."""
        item = col.item
        modules, chapters = self._parse(text)
        if item.kind == ItemKind.MODULE:
            flags = modules.get(item.id, "")
            passed = ("p" in flags) if "u" in flags and ("p" in flags or "f" in flags) else None
            # A failed attempt that counts never completes the module, unless the trainer chose "on submission".
            finished = passed is True or ("u" in flags and item.completion == Completion.SUBMIT)
            if "r" in flags and finished:
                return COMPLETED, passed
            return (IN_PROGRESS if "s" in flags else NOT_STARTED), passed
        if item.kind == ItemKind.CHAPTER:
            return (COMPLETED if item.id in chapters else NOT_STARTED), None
        if item.kind == ItemKind.MANUAL:
            current = self._manual_chapters()
            read = sum(1 for c in current if c in chapters)
            return (COMPLETED if current and read >= len(current) else (IN_PROGRESS if read else NOT_STARTED)), None
        if item.kind == ItemKind.CASE_EXERCISE:
            cell = self._case_cells().get((uid, item.id))
            return (cell.state, cell.passed) if cell else (NOT_STARTED, None)
        return NOT_STARTED, None

    def _cell(self, col: Column, uid: int, text: str, numbers: dict[str, Any]) -> Cell:
        item = col.item
        texts = self._texts_once()
        if item.kind == ItemKind.CASE_EXERCISE:
            return self._case_cells().get((uid, item.id)) or Cell()
        state, passed = self._state(col, uid, text)
        if item.kind == ItemKind.MODULE:
            done, total, attempts, percent = numbers.get(item.id) or (0, 0, 0, None)
            detail = texts.fill(texts.pages, done, total) if total else ""
            return Cell(state, detail, percent, attempts, passed)
        if item.kind == ItemKind.CHAPTER:
            return Cell(state, texts.read if state == COMPLETED else "")
        if item.kind == ItemKind.MANUAL:
            chapters = self._parse(text)[1]
            current = self._manual_chapters()
            return Cell(state, texts.fill(texts.chapters, sum(1 for c in current if c in chapters), len(current)))
        return Cell()

    # -- reads, once per view ---------------------------------------------------------------------------
    def _texts_once(self) -> "_Texts":
        if self._texts is None:
            self._texts = _Texts()
        return self._texts

    def _manual_chapters(self) -> list[str]:
        if self._manual is None:
            from .catalog import package_of

            self._manual = [c.id for c in package_of("manual").body.chapters]  # type: ignore[union-attr]
        return self._manual

    def _cases_needed(self) -> bool:
        return any(c.item.kind == ItemKind.CASE_EXERCISE for c in self.tracked())

    def _case_cells(self) -> dict:
        if self._cases is None:
            self._cases = _case_cells(self.context_id, self._texts_once()) if self._cases_needed() else {}
        return self._cases

    def _delivery_counts(self) -> tuple[dict[int, int], dict[int, int]]:
        if self._deliveries is None:
            failed: dict[int, int] = {}
            for found in failed_deliveries(self.context_id):
                failed[found.user_id] = failed.get(found.user_id, 0) + 1
            waiting: dict[int, int] = {}
            for found in waiting_deliveries(self.context_id):
                waiting[found.user_id] = waiting.get(found.user_id, 0) + 1
            self._deliveries = failed, waiting
        return self._deliveries

    def _all_states(self) -> dict[int, str]:
        """Return every summary state of the course by user id (one narrow query; for status filters)."""
        if self._states is None:
            self._states = dict(db.session.connection().execute(select(
                ProgressSummary.user_id, ProgressSummary.states).where(
                ProgressSummary.context_id == self.context_id)).all())
        return self._states

    def _summary_states(self, uids: list[int]) -> dict[int, str]:
        return {uid: text for uid, (text, _n) in self._summaries(uids).items()}

    def _summaries(self, uids: list[int]) -> dict[int, tuple[str, dict[str, Any]]]:
        if self._loaded is not None:
            return {uid: self._loaded[uid] for uid in uids if uid in self._loaded}
        found: dict[int, tuple[str, dict[str, Any]]] = {}
        run = db.session.connection().execute
        for start in range(0, len(uids), 500):
            chunk = uids[start:start + 500]
            for uid, text, numbers in run(select(ProgressSummary.user_id, ProgressSummary.states,
                                                 ProgressSummary.cells).where(
                    ProgressSummary.context_id == self.context_id, ProgressSummary.user_id.in_(chunk))):
                found[uid] = (text, numbers or {})
        return found

    def member(self, sub: str) -> Person | None:
        """Return a listed person by platform user id."""
        return next((p for p in self.people if p[0] == sub), None)


def _overall_states(cells: list[tuple[str, bool | None]], tracked: list[Column]) -> tuple[str, bool | None]:
    """Return (status of the whole course, passed every quiz or None) from the tracked columns' states."""
    states = [s for s, _p in cells]
    if states and all(s == COMPLETED for s in states):
        status = COMPLETED
    elif any(s != NOT_STARTED for s in states):
        status = IN_PROGRESS
    else:
        status = NOT_STARTED
    graded = [p for (_s, p), c in zip(cells, tracked) if c.has_pass_mark]
    return status, (all(p is True for p in graded) if graded else None)


def _overall(cells: list[Cell], tracked: list[Column]) -> tuple[str, bool | None]:
    return _overall_states([(c.state, c.passed) for c in cells], tracked)


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
    """List the course's people (the roster, and whoever launched) with the placed items as columns.

    ``platform_ids``: resourceIds of the line items the platform lists for the course, if they could be read.
    Progress is read later, and only as much as the view needs (counts, one page of rows).
    """
    ctx = session.context_id
    columns, unconfirmed = columns_of(ctx, platform_ids)
    # Who launched, by platform user id: tens of thousands of rows in a large course, so only the membership
    # index and each user's primary key are read (roles and names later, for the few who need them), as plain
    # tuples on the driver's cursor. A listed person without a name in the list gets the name they launched
    # with when shown (:meth:`Dashboard.with_names`).
    launched: dict[str, int] = dict(_run(
        f"SELECT u.sub, u.id FROM {Membership.__tablename__} m JOIN {LtiUser.__tablename__} u ON u.id = m.user_id "
        "WHERE m.context_id = {ph}", ctx))
    people: list[Person] = []
    listed: set[str] = set()
    if roster is not None:
        for sub, name, kind, status in people_of(roster.members):
            if status == "Deleted":
                continue
            listed.add(sub)
            people.append((sub, name or None, kind, launched.get(sub)))
    # People who launched but are not listed (few, unless there is no course list): their name and roles.
    others = [uid for sub, uid in launched.items() if sub not in listed]
    details: dict[int, tuple[str, str | None, str, str | None]] = {}
    for start in range(0, len(others), 500):
        chunk = others[start:start + 500]
        for uid, sub, name, role, lti_roles in _run(
                f"SELECT u.id, u.sub, u.name, m.role, m.lti_roles FROM {Membership.__tablename__} m "
                f"JOIN {LtiUser.__tablename__} u ON u.id = m.user_id WHERE m.context_id = {{ph}} "
                f"AND m.user_id IN ({', '.join(['{ph}'] * len(chunk))})", ctx, *chunk):
            details[uid] = (sub, name, role, lti_roles)
    kinds: dict[tuple[str, str | None], str] = {}
    for uid in others:
        sub, name, role, lti_roles = details[uid]
        kind = kinds.get((role, lti_roles))
        if kind is None:
            kind = kinds[(role, lti_roles)] = _kind(role, lti_roles)
        people.append((sub, name, kind, uid))
    return Dashboard(ctx, columns, roster, roster_error, people, unconfirmed)


def _run(sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Run ``sql`` (``{ph}``: the driver's placeholder) on the session's connection, in its transaction, and
    return plain tuples (no result processing: for tens of thousands of rows)."""
    conn = db.session.connection()
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql.replace("{ph}", "?" if conn.dialect.paramstyle == "qmark" else "%s"), args)
        return cursor.fetchall()
    finally:
        cursor.close()


def filtered(board: Dashboard, *, status: str | None = None, item_key: str | None = None,
             role: str | None = None, query: str | None = None) -> list[Row]:
    """Return the rows matching the filters (status of the whole course, or of one item when ``item_key``).

    ``role``: learners only by default; ``staff`` (trainers and administrators; ``instructor`` also works),
    ``other`` (observers and other roles) or ``all``. Builds every matching row: a view pages
    :meth:`Dashboard.select` instead.
    """
    return board.rows_for(board.select(status=status, item_key=item_key, role=role, query=query))


def _safe(value: Any) -> str:
    """Return a CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_lines(board: Dashboard, people: list[Person], chunk: int = 500) -> Iterator[str]:
    """Yield the people as CSV, a few hundred rows at a time: platform user id, name (only if the platform
    sent it), role, status, per item."""
    out = io.StringIO()
    writer = csv.writer(out)

    def flush() -> str:
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

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
    yield flush()
    yes, no = _("yes"), _("no")
    for start in range(0, len(people), chunk):
        for row in board.rows_for(people[start:start + chunk]):
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
        yield flush()


def csv_text(board: Dashboard, rows: list[Row]) -> str:
    """Return the rows as CSV (see :func:`csv_lines`)."""
    return "".join(csv_lines(board, [(r.sub, r.name, r.role, r.user_id) for r in rows]))


def member_of(board: Dashboard, sub: str) -> Row | None:
    """Return a listed person's row by platform user id."""
    person = board.member(sub)
    return board.rows_for([person])[0] if person is not None else None


__all__ = ["Activity", "Dashboard", "Row", "Cell", "Column", "Member", "build", "filtered", "csv_text", "STATUSES",
           "ROLE_FILTERS"]
