"""Wire the LTI core into an app: keys, platform directory, state store, launch policy, blueprints."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, render_template

from ..config import ConfigError
from ..services.outbound import GuardedSession, OutboundPolicy
from .fastpath import LaunchFastPath
from .flow import LaunchFlow
from .hotpath import HotStore
from .keys import KeyRing
from .launch import LaunchPolicy
from .platform_keys import PlatformKeyCache
from .session import ToolSession
from .state import DatabaseStateStore, RedisStateStore
from .sync import LaunchRecorder
from .tool_config import DatabaseToolConf, PlatformDirectory

log = logging.getLogger(__name__)


class LaunchRouter:
    """Chooses what a launch opens. Features register handlers; the first that answers wins."""

    def __init__(self) -> None:
        self._handlers: list[Any] = []
        self._home_links: list[Any] = []

    def add(self, handler: Any) -> None:
        """Add ``handler(session) -> Response | None``."""
        self._handlers.append(handler)

    def add_home_link(self, provider: Any) -> None:
        """Add ``provider(session) -> list[(label, href)]`` for the default landing page."""
        self._home_links.append(provider)

    def __call__(self, session: ToolSession) -> Response:
        for handler in self._handlers:
            resp = handler(session)
            if resp is not None:
                return resp
        from ..extensions import db
        from .models import Context

        context = db.session.get(Context, session.context_id)
        links = [link for provider in self._home_links for link in provider(session)]
        from flask_babel import gettext as _

        role_label = {"learner": _("learner"), "instructor": _("trainer"), "administrator": _("administrator"),
                      "observer": _("observer")}
        return Response(render_template("lti/home.html", course_title=(context.title or context.context_id or ""),
                                        role_label=role_label.get(session.role, session.role), links=links))


def init_app(app: Flask, settings: dict[str, Any]) -> None:
    """Load the keys once per process and register the LTI blueprints."""
    keyring = KeyRing(settings["KEYS_DIR"]).load()
    created_key = False
    if keyring.empty:
        if settings["ENV"] != "production":
            created_key = bool(keyring.create_key())
            log.info("created the first tool key in %s", settings["KEYS_DIR"])
        elif settings.get("SERVING", True):  # maintenance commands (setup, db upgrade, lti keys) run without one
            raise ConfigError(f"No tool key in {settings['KEYS_DIR']}. On a new server run "
                              "`flask --app wsgi setup` (it creates the keys and the database tables; "
                              "`flask --app wsgi lti keys rotate` creates only a tool key), or set "
                              "LTI_TOOL_KEYS_DIR to the folder that holds the keys.")
    directory = PlatformDirectory()
    policy = OutboundPolicy.from_settings(settings)
    from ..extensions import db

    with app.app_context():
        hot = HotStore(db.engine)
    if settings.get("REDIS_URL"):
        import redis

        states: Any = RedisStateStore(redis.Redis.from_url(settings["REDIS_URL"]), hot)
    else:
        states = DatabaseStateStore(hot)
    app.extensions["r2com"] = {
        "keyring": keyring,
        "tool_key_created_at_start": created_key,  # development makes its first key here; `setup` reports it
        "platforms": directory,
        "tool_conf": DatabaseToolConf(directory, keyring),
        "outbound_policy": policy,
        "platform_keys": PlatformKeyCache(GuardedSession(policy, pool_size=4)),
        "states": states,
        "hotpath": hot,
        "launch_policy": LaunchPolicy(settings["BASE_URL"], settings["LAUNCH_MAX_AGE"], settings["CLOCK_SKEW"]),
        "recorder": LaunchRecorder(),
        "router": LaunchRouter(),
    }
    flow = app.extensions["r2com"]["flow"] = LaunchFlow(app.extensions["r2com"], settings)
    from .registration import bp as registration_bp
    from .views import bp as views_bp

    app.register_blueprint(views_bp)
    app.register_blueprint(registration_bp)
    app.wsgi_app = LaunchFastPath(app, app.wsgi_app, flow)  # type: ignore[method-assign]
