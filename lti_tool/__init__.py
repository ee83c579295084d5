"""R2COM Aftercare Toolkit: an LTI 1.3 tool for after-care and exit work.

Importing this package does nothing; :func:`create_app` builds everything.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any, Mapping

from flask import Flask

from .config import PROJECT_ROOT, ConfigError, load_settings, resolve_secret_key

__all__ = ["create_app", "ConfigError"]


def create_app(overrides: Mapping[str, Any] | None = None, *, env: Mapping[str, str] | None = None) -> Flask:
    """Build the application: settings, extensions, keys, blueprints, CLI, error handlers.

    A serving process (the web app under gunicorn or ``flask run``, the ``lti deliver`` worker) needs its
    keys and checks them at start; a maintenance command (``setup``, ``db upgrade``, ``lti keys ...``)
    must run before they exist. ``overrides={"SERVING": False}`` builds a maintenance app; by default
    the process's own command line decides (:func:`serving_process`).
    """
    settings = load_settings(env, overrides)
    if settings.get("SERVING") is None:
        settings["SERVING"] = serving_process()
    app = Flask(__name__, instance_path=str(PROJECT_ROOT / "instance"), static_folder=None)
    logging.basicConfig(level=settings["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # as migrations/alembic.ini: no plugin chatter

    database_url = settings["DATABASE_URL"]
    if not database_url:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        database_url = "sqlite:///" + str(Path(app.instance_path) / "lti_tool.db")
    # No pool_pre_ping: it costs a round trip on every request. A connection idle for a while is pinged at
    # checkout instead (_ping_when_idle); a database restart is noticed there.
    engine_options: dict[str, Any] = {}
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
    from . import i18n

    i18n.compile_catalogues()  # messages.mo from messages.po where missing or older (not kept in git)
    babel.init_app(app, locale_selector=_select_locale)
    if database_url.startswith("sqlite"):
        _tune_sqlite(app)
    else:
        _ping_when_idle(app)

    from .lti import setup as lti_setup

    lti_setup.init_app(app, settings)

    from .errors import register_error_handlers
    from .web import NoCookieSessionInterface
    from .web import bp as web_bp

    app.session_interface = NoCookieSessionInterface()
    app.register_blueprint(web_bp)
    from .web import assets

    assets.init_app(app)
    i18n.init_app(app)
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


#: Parsed locales by name: Flask-Babel parses the selector's answer on every request unless it is a Locale already.
_LOCALES: dict[str, Any] = {}


def _select_locale() -> Any:
    """The interface language of this request (see :mod:`lti_tool.i18n`); English outside a request."""
    from .i18n import select_locale

    name = select_locale()
    if name is None:
        return None
    locale = _LOCALES.get(name)
    if locale is None:
        from babel import Locale

        locale = Locale.parse(name)
        if len(_LOCALES) < 256:  # a handful of languages; never grows with what requests send
            _LOCALES[name] = locale
    return locale


#: A pooled connection idle longer than this is pinged before use (servers and proxies drop idle ones).
IDLE_PING_SECONDS = 10.0


def _ping_when_idle(app: Flask) -> None:
    """Ping a pooled connection at checkout only when it sat idle for ``IDLE_PING_SECONDS``.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: one more round trip per request. A connection
    used a moment ago is alive; one that sat idle may have been dropped (database restart, proxy timeout).
    A failed ping raises ``DisconnectionError``, so the pool throws the connection away and takes another.
    """
    import time

    from sqlalchemy import event, exc

    from .extensions import db

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return
        try:
            cur = dbapi_conn.cursor()
            try:
                cur.execute("SELECT 1")
            finally:
                cur.close()
        except Exception as error:
            raise exc.DisconnectionError("idle connection was closed by the database") from error


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


#: Flask CLI commands that serve (and so need every key at start), as leading command words.
SERVING_COMMANDS: tuple[tuple[str, ...], ...] = (("run",), ("lti", "deliver"))
# Options of the ``flask`` command itself that take a value (``flask --app wsgi setup``).
_FLASK_VALUE_OPTIONS = {"-A", "--app", "-e", "--env-file"}


def flask_command(argv: list[str] | None = None) -> tuple[str, ...] | None:
    """Return the words of the ``flask`` command this process runs, or None outside the Flask CLI.

    ``flask --app wsgi lti keys rotate`` gives ``("lti", "keys", "rotate")``; option values after the
    command may follow among the words, so callers compare leading words only.
    """
    if os.environ.get("FLASK_RUN_FROM_CLI") != "true":  # set by Flask's CLI before it loads the app
        return None
    args = list(sys.argv[1:] if argv is None else argv)
    words: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in _FLASK_VALUE_OPTIONS and not words:
            skip = True
        elif not arg.startswith("-"):
            words.append(arg)
    return tuple(words)


def serving_process() -> bool:
    """Tell whether this process serves (gunicorn, ``flask run``, ``lti deliver``) or runs a maintenance command."""
    words = flask_command()
    if words is None:
        return True
    return any(words[:len(prefix)] == prefix for prefix in SERVING_COMMANDS)
