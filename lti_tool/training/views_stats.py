"""Trainer question statistics: per quiz and question, with a chart, date filters and a CSV export."""

from __future__ import annotations

import datetime as dt

from flask import Response, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..errors import AppError
from ..extensions import db
from ..lti.session import current_session, instructor_required
from . import stats as st
from .catalog import content_lang, module_of, package_of, turl
from .csvout import csv_response
from .models import QuizAttempt
from .views_common import render


class BadFilter(AppError):
    """A filter value that cannot be read."""

    status = 400
    code = "bad_filter"
    title = _l("A filter could not be read")
    hint = _l("Use dates in the form YYYY-MM-DD, for example 2026-03-31, with the first date before the last.")


def _date(name: str) -> dt.date | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        raise BadFilter(_("The date %(value)s could not be read. Use the form YYYY-MM-DD, for example 2026-03-31.",
                          value=raw[:20])) from None


def _filters() -> dict[str, object]:
    since, until = _date("from"), _date("to")
    if since and until and since > until:
        raise BadFilter(_("The first date comes after the last date."))
    return {"since": since, "until": until, "first_only": request.args.get("attempts", "first") != "all"}


def _query_args(filters: dict[str, object]) -> dict[str, str]:
    args = {}
    if filters["since"]:
        args["from"] = filters["since"].isoformat()  # type: ignore[union-attr]
    if filters["until"]:
        args["to"] = filters["until"].isoformat()  # type: ignore[union-attr]
    if not filters["first_only"]:
        args["attempts"] = "all"
    return args


@instructor_required
def stats_index() -> Response:
    """The course's quizzes with how many submitted attempts and learners each has."""
    session = current_session()
    package = package_of("course", content_lang())
    counts = {module_id: (attempts, learners) for module_id, attempts, learners in db.session.execute(
        select(QuizAttempt.module_id, func.count(), func.count(QuizAttempt.user_id.distinct()))
        .where(QuizAttempt.context_id == session.context_id, QuizAttempt.submitted_at.is_not(None))
        .group_by(QuizAttempt.module_id))}
    return render("training/stats_index.html", package=package, modules=package.body.modules,  # type: ignore
                  counts=counts)


@instructor_required
def stats(module_id: str) -> Response:
    """One quiz: summary, a facility chart and the per-question table."""
    session = current_session()
    package, mod = module_of(module_id, content_lang())
    filters = _filters()
    result = st.quiz_stats(session.context_id, mod, st.submitted_attempts(session.context_id, module_id, **filters))
    args = _query_args(filters)
    return render("training/stats.html", package=package, module=mod, stats=result, filters=filters,
                  chart=st.facility_chart(result), min_learners=st.MIN_LEARNERS,
                  csv_url=turl("training.stats_csv", module_id=module_id, **args))


@instructor_required
def stats_csv(module_id: str) -> Response:
    """One quiz's question statistics as CSV, with the same filters."""
    session = current_session()
    _package, mod = module_of(module_id, content_lang())
    filters = _filters()
    result = st.quiz_stats(session.context_id, mod, st.submitted_attempts(session.context_id, module_id, **filters))
    header, rows = st.csv_rows(result)
    return csv_response(header, rows, f"question-statistics-{mod.id}.csv")
