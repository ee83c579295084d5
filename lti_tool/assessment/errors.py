"""Named errors of casework and training."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..errors import AppError


class CaseworkError(AppError):
    """A case action that the record's state does not allow (e.g. no consent for a recipient)."""

    status = 409
    code = "casework_conflict"
    title = _l("This cannot be done for this record right now")
    hint = _l("Read the explanation above, then go back to the client's page.")


class TrainingError(AppError):
    """A training action that is not possible (e.g. submitting an exercise twice)."""

    status = 409
    code = "training_conflict"
    title = _l("This exercise cannot be changed now")
    hint = _l("Open the exercise again from your course to start a new attempt.")
