"""Development only: serve the development LTI platform at ``/platform`` and register it with the tool.

A newcomer runs one command and can launch the tool as a learner or an instructor, place content with
deep linking and watch grades arrive, without a Moodle or Canvas. Refused in production (config.py).
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from sqlalchemy.exc import OperationalError, ProgrammingError
from werkzeug.middleware.dispatcher import DispatcherMiddleware

log = logging.getLogger(__name__)

DEV_CLIENT_ID = "r2com-dev-tool"
DEV_DEPLOYMENT_ID = "1"
MOUNT = "/platform"


def mount_dev_platform(app: Flask) -> None:
    """Mount the platform app beside the tool and make each know the other."""
    from .devplatform.app import create_platform_app
    from .devplatform.state import DevPlatform

    settings = app.config["R2COM"]
    if settings["ENV"] == "production":  # config.py refuses this too; never serve it in production
        raise RuntimeError("the development platform cannot run in production")
    base = settings["BASE_URL"]
    platform = DevPlatform(base + MOUNT, key_path=Path(settings["KEYS_DIR"]) / "devplatform" / "platform.pem",
                           profile=settings.get("DEV_PLATFORM_PROFILE") or "generic")
    platform.add_tool(client_id=DEV_CLIENT_ID, deployment_id=DEV_DEPLOYMENT_ID, name="R2COM Aftercare Toolkit",
                      initiate_login_uri=base + "/lti/login", redirect_uris=[base + "/lti/launch"],
                      jwks_uri=base + "/.well-known/jwks.json", target_link_uri=base + "/lti/launch",
                      claims=("name", "given_name", "family_name"))  # as dynamic registration asks: no email
    app.extensions["r2com"]["dev_platform"] = platform
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {MOUNT: create_platform_app(platform)})  # type: ignore[method-assign]
    if settings.get("SERVING", True):  # `setup` registers it once the tables exist; other commands need not
        register_in_tool(app, platform)
    log.info("development platform (%s profile): %s%s/   tool setup page: %s/lti/setup", platform.profile.name,
             base, MOUNT, base)


def register_in_tool(app: Flask, platform: object) -> None:
    """Register the development platform in the tool (again: it is idempotent); quiet before the tables exist."""
    from .extensions import db
    from .lti.registration import add_platform

    with app.app_context():
        try:
            add_platform(name="Development platform", issuer=platform.issuer, client_id=DEV_CLIENT_ID,  # type: ignore[attr-defined]
                         auth_login_url=platform.url("/auth"), auth_token_url=platform.url("/token"),  # type: ignore[attr-defined]
                         key_set_url=platform.url("/.well-known/jwks.json"),  # type: ignore[attr-defined]
                         deployment_ids=[DEV_DEPLOYMENT_ID], source="development",
                         product={"moodle": "moodle", "canvas": "canvas"}.get(platform.profile.name, "other"))  # type: ignore[attr-defined]
            db.session.commit()
        except (OperationalError, ProgrammingError):
            db.session.rollback()
            log.info("database not set up yet; the development platform registers after `flask --app wsgi setup`")
