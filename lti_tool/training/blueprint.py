"""The URL map of training in the LMS, in one place."""

from __future__ import annotations

from flask import Blueprint

from . import timing as _timing  # noqa: F401  (the model is part of the schema)
from . import (routing, views_certificates, views_dashboard, views_exports, views_manual, views_module, views_pdf,
               views_picker, views_quiz, views_selfassess, views_stats, views_time)

bp = Blueprint("training", __name__, url_prefix="/training", template_folder="templates",
               static_folder="static", static_url_path="/static")

GET, POST, BOTH = ["GET"], ["POST"], ["GET", "POST"]

_RULES = (
    # placing content
    ("/pick", "picker", views_picker.picker, BOTH),
    ("/link/setup", "setup_link", views_picker.setup_link, BOTH),
    ("/not-set-up", "not_set_up", routing.not_set_up_page, GET),
    # course and module player
    ("/course", "course", views_module.course, GET),
    ("/modules/<module_id>", "module", views_module.module, GET),
    ("/modules/<module_id>/pages/<page_id>", "page", views_module.page, GET),
    ("/modules/<module_id>/activity", "activity", views_module.activity, BOTH),
    # quizzes
    ("/modules/<module_id>/quiz", "quiz", views_quiz.quiz, GET),
    ("/modules/<module_id>/quiz/start", "quiz_start", views_quiz.quiz_start, POST),
    ("/attempts/<int:attempt_id>", "attempt", views_quiz.attempt, BOTH),
    ("/attempts/<int:attempt_id>/result", "result", views_quiz.result, GET),
    # manual reader
    ("/manual", "manual", views_manual.manual, GET),
    ("/manual/search", "manual_search", views_manual.manual_search, GET),
    ("/manual/glossary", "glossary", views_manual.glossary, GET),
    ("/manual/chapters/<chapter_id>", "chapter", views_manual.chapter, GET),
    ("/manual/chapters/<chapter_id>/read", "chapter_read", views_manual.chapter_read, POST),
    # PDF downloads
    ("/manual.pdf", "guide_pdf", views_pdf.guide_pdf, GET),
    ("/manual/chapters/<chapter_id>.pdf", "chapter_pdf", views_pdf.chapter_pdf, GET),
    ("/manual/chapters/<chapter_id>/checklist.pdf", "checklist_pdf", views_pdf.checklist_pdf, GET),
    ("/modules/<module_id>.pdf", "module_pdf", views_pdf.module_pdf, GET),
    ("/attempts/<int:attempt_id>/result.pdf", "result_pdf", views_pdf.result_pdf, GET),
    # certificates (verification is public: no session)
    ("/certificate", "certificate", views_certificates.certificate, GET),
    ("/certificate.pdf", "certificate_pdf", views_certificates.certificate_pdf, GET),
    ("/verify/<code>", "certificate_verify", views_certificates.verify, GET),
    ("/certificates", "certificates", views_certificates.holders, GET),
    ("/certificates.csv", "certificates_csv", views_certificates.holders_csv, GET),
    ("/certificates/<int:cert_id>/revoke", "certificate_revoke", views_certificates.revoke, POST),
    ("/extra-time", "extra_time", views_time.extra_time, BOTH),
    ("/cartridge.imscc", "cartridge", views_exports.cartridge, GET),
    # confidence self-assessment before and after the course (trainers see totals only)
    ("/self-assessment", "self_assessment", views_selfassess.self_assessment, BOTH),
    ("/self-assessment/summary", "self_assessment_summary", views_selfassess.self_assessment_summary, GET),
    # question statistics
    ("/stats", "stats_index", views_stats.stats_index, GET),
    ("/stats/<module_id>", "stats", views_stats.stats, GET),
    ("/stats/<module_id>.csv", "stats_csv", views_stats.stats_csv, GET),
    # trainer dashboard
    ("/dashboard", "dashboard", views_dashboard.dashboard, GET),
    ("/dashboard.csv", "dashboard_csv", views_dashboard.dashboard_csv, GET),
    ("/dashboard/learner", "learner", views_dashboard.learner, GET),
    ("/dashboard/deliveries/<int:outbox_id>/retry", "retry", views_dashboard.retry, POST),
)

for _rule, _endpoint, _view, _methods in _RULES:
    bp.add_url_rule(_rule, _endpoint, _view, methods=_methods)


@bp.url_value_preprocessor
def _prefetch_progress(endpoint: str | None, values: dict | None) -> None:
    """A module page reads the learner's progress in that module: ask for it with the session (one round trip)."""
    if endpoint in ("training.page", "training.module") and values:
        from flask import g

        g.prefetch_module = values.get("module_id")
    elif endpoint == "training.not_set_up":  # the page names the course: read its title with the session
        from flask import g

        g.prefetch_course = True
