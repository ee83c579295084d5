"""Wire the content feature into an app: load and validate the packages once, snapshot versions, routes, CLI."""

from __future__ import annotations

import logging
import sys
from typing import Any

from flask import Flask

from .errors import ContentPackageError
from .library import ContentLibrary, load_library

log = logging.getLogger(__name__)


def running_content_command() -> bool:
    """Tell whether the process runs ``flask content ...`` (which must work even when content is broken)."""
    argv = sys.argv[1:]
    return "content" in argv and ("validate" in argv or "list" in argv)


def init_app(app: Flask) -> None:
    """Load the content library from CONTENT_DIR, record version snapshots and register the routes and CLI.

    Raises:
        ContentPackageError: the shipped content is invalid; the message names every package, file, field and line.
    """
    from . import models  # noqa: F401  (registers the snapshot table)
    from .cli import content_cli
    from .views import bp

    settings: dict[str, Any] = app.config["R2COM"]
    ext = app.extensions.setdefault("r2com", {})
    app.register_blueprint(bp)
    app.cli.add_command(content_cli)
    app.add_template_filter(_content_html, "content_html")
    try:
        library = load_library(settings["CONTENT_DIR"])
    except ContentPackageError:
        if not running_content_command():
            raise
        log.warning("content is invalid; loading it lazily for `flask content`")
        ext["content"] = None
        return
    ext["content"] = library
    if running_content_command():
        return  # validating or listing content needs no snapshots (and must work before migrations)
    from .snapshots import record_snapshots

    with app.app_context():
        record_snapshots(library, settings["ENV"])


def get_library(app: Flask) -> ContentLibrary:
    """Return the app's library, loading it if startup skipped it.

    Raises:
        ContentPackageError: the content is invalid.
    """
    ext = app.extensions["r2com"]
    if ext.get("content") is None:
        ext["content"] = load_library(app.config["R2COM"]["CONTENT_DIR"])
    return ext["content"]


def _content_html(html: str, lang: str | None = None) -> Any:
    from flask import current_app

    return get_library(current_app).html(html, lang)
