"""R2COM Aftercare Toolkit: an LTI 1.3 tool for after-care and exit work.

Importing this package does nothing; :func:`create_app` builds everything.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, Mapping

from flask import Flask

from .config import PROJECT_ROOT, ConfigError, load_settings, resolve_secret_key

__all__ = ["create_app", "ConfigError"]


def create_app(overrides: Mapping[str, Any] | None = None, *, env: Mapping[str, str] | None = None) -> Flask:
    """Build the application: settings, extensions, keys, blueprints, CLI, error handlers."""
    settings = load_settings(env, overrides)
    app = Flask(__name__, instance_path=str(PROJECT_ROOT / "instance"), static_folder=None)
    logging.basicConfig(level=settings["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    database_url = settings["DATABASE_URL"]
    if not database_url:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        database_url = "sqlite:///" + str(Path(app.instance_path) / "lti_tool.db")
    engine_options: dict[str, Any] = {"pool_pre_ping": True}
    if database_url.startswith("sqlite"):
        engine_options = {"connect_args": {"timeout": 30}}
    app.config.update(
        SECRET_KEY=resolve_secret_key(settings),
        SQLALCHEMY_DATABASE_URI=database_url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options,
        MAX_CONTENT_LENGTH=settings["MAX_CONTENT_LENGTH"],
        R2COM=settings,
        TESTING=settings["ENV"] == "testing",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        JSON_SORT_KEYS=False,
    )

    from .extensions import babel, db, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True, compare_type=True)
    babel.init_app(app, locale_selector=_select_locale)
    if database_url.startswith("sqlite"):
        _tune_sqlite(app)

    from .lti import setup as lti_setup

    lti_setup.init_app(app, settings)

    from .errors import register_error_handlers
    from .web import NoCookieSessionInterface
    from .web import bp as web_bp

    app.session_interface = NoCookieSessionInterface()
    app.register_blueprint(web_bp)
    register_error_handlers(app)

    _init_features(app)

    from .cli import register_cli

    register_cli(app)

    if settings["DEV_PLATFORM"]:
        from .devsetup import mount_dev_platform

        mount_dev_platform(app)
    return app


def _init_features(app: Flask) -> None:
    """Register optional feature packages (services, content, courses, manual, assessment) that exist."""
    import importlib

    for name in ("services", "content", "courses", "manual", "assessment", "training"):
        try:
            module = importlib.import_module(f".{name}.setup", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}.setup" and exc.name != f"{__name__}.{name}":
                raise
            continue
        module.init_app(app)


def _select_locale() -> str | None:
    from flask import g, has_request_context, request

    if not has_request_context():  # command-line messages, and the launch flow run by the WSGI fast path
        return getattr(g, "locale", None) or "en"
    lang = request.args.get("lang") or getattr(g, "locale", None)
    if lang:
        return lang
    return request.accept_languages.best_match(["en", "pt", "it", "fr", "ar"]) or "en"


def _tune_sqlite(app: Flask) -> None:
    from sqlalchemy import event

    from .db import SQLITE_PRAGMAS
    from .extensions import db

    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            for pragma in SQLITE_PRAGMAS:
                cur.execute("PRAGMA " + pragma)
            cur.close()


def running_key_setup() -> bool:
    """Tell whether the process runs ``flask lti keys ...`` (which may create the first key in production)."""
    argv = sys.argv[1:]
    return "lti" in argv and "keys" in argv
