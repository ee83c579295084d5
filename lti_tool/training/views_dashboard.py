"""The trainer dashboard: roster with progress, filters, per-learner detail, CSV, failed deliveries, chart."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator

from flask import Response, redirect, request, stream_with_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..errors import NotFound
from ..extensions import db
from ..lti.models import LtiUser
from ..lti.session import context_of, current_session, instructor_required
from ..services.outbox import delivery_status, failed_deliveries, retry_delivery, waiting_deliveries
from . import dashboard as dash
from .catalog import package_of, turl
from .chart import Bar, completion_chart
from .models import ChapterProgress, ModuleProgress, QuizAttempt
from .roster import RosterError, roster_for
from .seen import platform_resource_ids
from .views_common import render


def _board(refresh: bool = False) -> dash.Dashboard:
    session = current_session()
    context = context_of(session)
    try:
        roster = roster_for(session.platform_id, session.context_id, context.memberships_url, refresh=refresh)
        error = None
    except RosterError as exc:
        roster, error = None, str(exc)
    platform_ids = platform_resource_ids(session.platform_id, context, refresh=refresh)
    return dash.build(session, roster, error, platform_ids)


def _filters() -> dict[str, str | None]:
    role = request.args.get("role") or "learner"
    return {"status": request.args.get("status") or None, "item_key": request.args.get("item") or None,
            "role": role if role in dash.ROLE_FILTERS or role == "instructor" else "learner", "query": (request.args.get("q") or "").strip() or None}


@contextmanager
def _bulk() -> Iterator[None]:
    """Pause the cycle collector while a large course's lists are built. They hold no cycles and are freed by
    reference counting, while each full collection walks every object of the worker (the loaded content:
    half a second on a busy machine), and tens of thousands of new tuples set off several."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@instructor_required
def dashboard() -> Response:
    """Show the summary, the chart, one page of the people matching the filters and failed deliveries.

    Counts come from the learners' progress summaries; rows are built for the page shown only.
    """
    with _bulk():
        return _dashboard()


def _dashboard() -> Response:
    session = current_session()
    board = _board(refresh=request.args.get("refresh") == "1")
    filters = _filters()
    people = board.select(**filters)
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    pages = max(1, -(-len(people) // dash.PAGE_SIZE))
    page = min(page, pages)
    shown = board.rows_for(people[(page - 1) * dash.PAGE_SIZE: page * dash.PAGE_SIZE])
    activities = board.activities()
    bars = [Bar(a.column.title, a.completed, a.learners) for a in activities]
    failures = failed_deliveries(session.context_id)
    waiting = waiting_deliveries(session.context_id)
    people_ids = {f.user_id for f in failures} | {w.user_id for w in waiting}
    subs = dict(db.session.execute(select(LtiUser.id, LtiUser.sub).where(
        LtiUser.id.in_(people_ids))).all()) if people_ids else {}
    names = {p[3]: (p[1] or p[0]) for p in board.people if p[3] in people_ids}
    query = {k: v for k, v in request.args.items() if k not in ("ltik", "page", "refresh")}
    return render("training/dashboard.html", board=board, rows=shown, total_rows=len(people), page=page, pages=pages,
                  filters=filters, statuses=dash.STATUSES, status_label=dash.status_label,
                  chart=completion_chart(bars), bars=bars, activities=activities, failures=failures,
                  waiting=waiting, subs=subs, names=names, counts=board.counts(), passed=board.passed_count(),
                  learner_total=board.learner_total(), role_filters=dash.ROLE_FILTERS, query=query,
                  csv_url=turl("training.dashboard_csv", **query),
                  message=request.args.get("message"), context=context_of(session))


@instructor_required
def dashboard_csv() -> Response:
    """Download the (filtered) people with progress as CSV, streamed a few hundred rows at a time; names only
    if the platform sent them, never email."""
    board = _board()
    people = board.select(**_filters())
    resp = Response(stream_with_context(_with_bom(dash.csv_lines(board, people))), mimetype="text/csv")
    resp.headers["Content-Disposition"] = 'attachment; filename="training-progress.csv"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def _with_bom(lines):  # noqa: ANN001, ANN202 - a generator of text
    yield "\ufeff"
    yield from lines


@instructor_required
def learner() -> Response:
    """Show one member's progress in every module, their quiz attempts (with delivery) and chapters read."""
    session = current_session()
    sub = request.args.get("sub", "")
    board = _board()
    row = dash.member_of(board, sub)
    if row is None:
        raise NotFound(_l("This person is not a member of the course."), code="member_not_found")
    modules, attempts, chapters, deliveries = [], {}, {}, {}
    course_package, manual_package = package_of("course"), package_of("manual")
    course, manual = course_package.body, manual_package.body
    if row.user_id is not None:
        uid, ctx = row.user_id, session.context_id
        progress = {p.module_id: p for p in db.session.execute(select(ModuleProgress).where(
            ModuleProgress.context_id == ctx, ModuleProgress.user_id == uid)).scalars()}
        for att in db.session.execute(select(QuizAttempt).where(
                QuizAttempt.context_id == ctx, QuizAttempt.user_id == uid).order_by(QuizAttempt.number)).scalars():
            attempts.setdefault(att.module_id, []).append(att)
            if att.kept:
                deliveries[att.id] = delivery_status("quiz_attempt", str(att.id))
        chapters = {c.chapter_id: c for c in db.session.execute(select(ChapterProgress).where(
            ChapterProgress.context_id == ctx, ChapterProgress.user_id == uid)).scalars()}
        modules = [(m, progress.get(m.id)) for m in course.modules]  # type: ignore[union-attr]
    return render("training/learner.html", row=row, board=board, modules=modules, attempts=attempts,
                  chapters=chapters, manual=manual, deliveries=deliveries, status_label=dash.status_label,
                  course_package=course_package, manual_package=manual_package)


@instructor_required
def retry(outbox_id: int) -> Response:
    """Send a failed score again (a worker picks it up at once)."""
    session = current_session()
    try:
        retry_delivery(outbox_id, context_id=session.context_id)
    except LookupError:
        raise NotFound(_l("There is no such grade delivery in this course."), code="delivery_not_found") from None
    db.session.commit()
    return redirect(turl("training.dashboard", message=_("The score will be sent again in a moment.")), code=303)
