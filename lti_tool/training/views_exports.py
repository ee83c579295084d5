"""Trainer exports that set a course up in the LMS: the whole course as a Common Cartridge 1.3."""

from __future__ import annotations

from flask import Response, current_app

from ..lti.session import instructor_required
from .cartridge import build_cartridge
from .catalog import content_lang


@instructor_required
def cartridge() -> Response:
    """Trainers: the whole course as a Common Cartridge 1.3 of LTI links, to import into the LMS."""
    data = build_cartridge(current_app.config["R2COM"]["BASE_URL"], content_lang())
    resp = Response(data, mimetype="application/vnd.ims.imsccv1p3")
    resp.headers["Content-Disposition"] = 'attachment; filename="r2com-course.imscc"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
