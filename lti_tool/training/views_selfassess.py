"""The confidence self-assessment: learners answer it before and after the course; trainers see totals only."""

from __future__ import annotations

from flask import Response, redirect, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..errors import AppError
from ..extensions import db
from ..lti.session import current_session, instructor_required, session_required
from . import selfassess as sa
from .catalog import content_lang, package_of, turl
from .views_common import render


class BadSelfAssessment(AppError):
    """The self-assessment form was sent with a phase or a level that does not exist, or by a trainer."""

    status = 400
    code = "bad_self_assessment"
    title = _l("Your answers could not be saved")
    hint = _l("Go back to the self-assessment, choose one level (1 to 5) for the statements you want to answer, "
              "and send it again.")


@session_required
def self_assessment() -> Response:
    """Show the learner's self-assessment (GET) or save one phase of it (POST)."""
    session = current_session()
    package = package_of("course", content_lang())
    modules = sa.statements(package.body)  # type: ignore[arg-type]
    if request.method == "POST":
        if session.is_instructor:
            raise BadSelfAssessment(_("Trainers do not answer the self-assessment. Learners' answers are added up "
                                      "on the summary page."))
        phase = request.form.get("phase", "")
        if phase not in sa.PHASES:
            raise BadSelfAssessment(_("Choose whether these are your answers before or after the course."))
        answers: dict[str, int] = {}
        for mod in modules:
            value = request.form.get(f"level-{mod.id}", "").strip()
            if not value:
                continue  # skipped: every statement is optional
            if value not in {str(level) for level in sa.LEVELS}:
                raise BadSelfAssessment(_("Each answer must be a level from 1 to 5."))
            answers[mod.id] = int(value)
        if not answers:
            raise BadSelfAssessment(_("Choose a level for at least one statement, or leave the page without sending."))
        sa.save(session.context_id, session.user_id, phase, answers, package)
        db.session.commit()
        return redirect(turl("training.self_assessment", saved=phase), code=303)
    given = sa.answers_of(session.context_id, session.user_id) if not session.is_instructor else {}
    asked = request.args.get("phase")
    phase = asked if asked in sa.PHASES else ("after" if "before" in given else "before")
    saved = request.args.get("saved")
    return render("training/self_assessment.html", package=package, modules=modules, phase=phase, given=given,
                  answers=given.get(phase, {}), levels=sa.LEVEL_LABELS, phase_labels=sa.PHASE_LABELS,
                  saved=saved if saved in sa.PHASES else None, min_group=sa.MIN_GROUP)


@instructor_required
def self_assessment_summary() -> Response:
    """Show trainers, per module, how many learners chose each level before and after the course."""
    session = current_session()
    package = package_of("course", content_lang())
    rows, people = sa.summary(session.context_id, sa.statements(package.body))  # type: ignore[arg-type]
    return render("training/self_assessment_summary.html", package=package, rows=rows, people=people,
                  levels=sa.LEVEL_LABELS, phases=sa.PHASES, phase_labels=sa.PHASE_LABELS, min_group=sa.MIN_GROUP)
