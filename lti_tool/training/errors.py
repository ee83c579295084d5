"""Named errors of the training feature; the app-wide handlers turn them into kind pages or JSON."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..errors import AppError, Forbidden, NotFound


class TrainingError(AppError):
    """Base for refusals in the training feature."""

    status = 409
    code = "training_conflict"
    title = _l("This cannot be done right now")
    hint = _l("Go back to the previous page and try again.")


class AttemptSubmitted(TrainingError):
    """The attempt was already submitted; it cannot change any more."""

    code = "attempt_already_submitted"
    title = _l("You have already submitted this attempt")
    hint = _l("Your answers were saved when you submitted them. Open the result page to see your feedback.")


class NoAttemptsLeft(TrainingError):
    """Every attempt the quiz allows has been used."""

    code = "no_attempts_left"
    title = _l("You have used every attempt of this quiz")
    hint = _l("Your kept result stays in your course gradebook. Talk to your trainer if you need another try.")


class NotPlaced(NotFound):
    """The link names content that does not exist (any more)."""

    code = "item_not_found"
    title = _l("This activity points to content that is not available")
    hint = _l("Ask your trainer to check the activity's settings in the course.")


class LearnerOnly(Forbidden):
    """Trainer-only action attempted by a learner, or the other way round."""

    code = "not_for_this_role"


class BadAnswer(TrainingError):
    """The submitted form does not fit the question."""

    status = 400
    code = "bad_answer"
    title = _l("Some answers could not be read")
