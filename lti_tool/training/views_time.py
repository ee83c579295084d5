"""Trainers give individual learners extra time on timed quizzes (e.g. for dyslexia or a second language)."""

from __future__ import annotations

from flask import Response, redirect, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..errors import AppError
from ..extensions import db
from ..lti.models import LtiUser, Membership
from ..lti.session import current_session, instructor_required
from . import timing
from .catalog import content_lang, package_of, turl
from .views_common import render


class BadExtraTime(AppError):
    """The form named no learner of this course or an amount of extra time that is not offered."""

    status = 400
    code = "bad_extra_time"
    title = _l("The extra time could not be saved")
    hint = _l("Choose a learner of this course and one of the amounts offered.")


def _learners(context_id: int) -> list[tuple[int, str, str]]:
    """Return (user id, name, platform id) of the course's learners, by name."""
    rows = db.session.execute(select(LtiUser.id, LtiUser.name, LtiUser.sub).join(
        Membership, Membership.user_id == LtiUser.id).where(Membership.context_id == context_id,
                                                            Membership.role == "learner"))
    return sorted(((uid, name or "", sub) for uid, name, sub in rows), key=lambda r: (r[1].casefold(), r[2]))


@instructor_required
def extra_time() -> Response:
    """List the course's learners with their extra time (GET); set one learner's extra time (POST)."""
    session = current_session()
    if request.method == "POST":
        try:
            user_id, percent = int(request.form.get("user", "")), int(request.form.get("extra", ""))
        except ValueError:
            raise BadExtraTime(_("Choose a learner and an amount of extra time.")) from None
        if percent not in timing.EXTRA_CHOICES or user_id not in {r[0] for r in _learners(session.context_id)}:
            raise BadExtraTime(_("Choose a learner of this course and one of the amounts offered."))
        timing.grant(session.context_id, user_id, percent, session.user_id)
        db.session.commit()
        return redirect(turl("training.extra_time", saved="1"), code=303)
    package = package_of("course", content_lang())
    timed = [mod for mod in package.body.modules if mod.quiz.time_limit_minutes]  # type: ignore[union-attr]
    return render("training/extra_time.html", package=package, learners=_learners(session.context_id),
                  given=timing.allowances(session.context_id), choices=timing.EXTRA_CHOICES, timed=timed,
                  saved=request.args.get("saved") == "1")
