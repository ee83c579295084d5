"""The URL map of training in the LMS, in one place."""

from __future__ import annotations

from flask import Blueprint

from . import routing, views_dashboard, views_manual, views_module, views_picker, views_quiz

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
