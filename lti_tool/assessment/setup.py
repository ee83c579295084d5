"""Wire casework and training into the app: blueprints, the case cipher, launch routing, CLI."""

from __future__ import annotations

import logging

from flask import Flask, Response

from ..config import ConfigError
from .crypto import (CaseCipher, KeyMaterialError, MasterKeyProblem, MasterKeyring, check_master_key,
                     stored_wrapped_keys)

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Register the feature; a serving process first proves its master key against the stored data keys.

    Production needs the master key to exist; development creates it when first needed, but never while
    the database holds data keys (a new key could not open them). Maintenance commands (``setup``,
    ``db upgrade``, ``assessment create-master-key``) skip the check: they run before the key exists.
    """
    from . import models, training_models  # noqa: F401  (register the tables)
    from .blueprint import api, bp
    from .cli import assessment_cli
    from .launch import home_links, route_launch

    settings = app.config["R2COM"]
    production = settings["ENV"] == "production"
    masters = MasterKeyring(settings["KEYS_DIR"], may_create=not production, in_use=stored_wrapped_keys)
    if settings.get("SERVING", True) and settings["ENV"] != "testing":
        _check_at_start(app, production)
    ext = app.extensions["r2com"]
    ext["case_cipher"] = CaseCipher(masters)
    ext["router"].add(route_launch)
    ext["router"].add_home_link(home_links)
    app.register_blueprint(bp)
    app.register_blueprint(api)
    app.register_error_handler(KeyMaterialError, _key_material_error)
    app.cli.add_command(assessment_cli)


def _key_material_error(exc: KeyMaterialError) -> Response:
    """A key that cannot open case records is the server's problem: a 503 page that says who can fix it."""
    from flask_babel import gettext as _

    from ..errors import error_response

    log.error("case records cannot be opened: %s", exc)  # key ids and paths only, never case content
    return error_response(503, "case_records_unavailable", _("Case records cannot be opened right now"), "",
                          _("The tool's encryption key needs attention. Tell the person who runs the tool: its "
                            "log and its /readyz check say what to restore."))


def _check_at_start(app: Flask, production: bool) -> None:
    from ..extensions import db

    with app.app_context():
        try:
            check_master_key(app.config["R2COM"]["KEYS_DIR"], required=production)
        except MasterKeyProblem as exc:
            db.engine.dispose()  # the app is abandoned: leave no database connection behind
            raise ConfigError(str(exc)) from exc
