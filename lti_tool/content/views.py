"""Package assets (images, downloads) at versioned, cacheable URLs."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, send_from_directory, url_for
from werkzeug.exceptions import NotFound as HTTPNotFound

from .errors import ContentNotFound
from .library import ContentLibrary

bp = Blueprint("content", __name__)

IMMUTABLE = "public, max-age=31536000, immutable"
#: SVG can carry scripts: served files may not run any, even when opened directly.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def current_library() -> ContentLibrary:
    """Return the app's content library (loading it now if startup skipped it)."""
    from .setup import get_library

    return get_library(current_app)


@bp.get("/content/<package_id>/<version>/assets/<path:filename>")
def asset(package_id: str, version: str, filename: str) -> Response:
    """Serve a file from a package's assets/ folder; the URL names the version, so it is cached for a year."""
    library = current_library()
    package = library.package(package_id)
    folder = library.asset_folder(package_id)
    if folder is None or not folder.is_dir():
        raise ContentNotFound(f"{package_id} has no assets")
    if version != package.version:
        # An old version's page: send the browser to the current file, without long-term caching.
        target = (folder / filename).resolve()
        if not target.is_file() or folder.resolve() not in target.parents:
            raise ContentNotFound(f"no asset {filename}")
        resp = redirect(url_for("content.asset", package_id=package_id, version=package.version, filename=filename))
        resp.headers["Cache-Control"] = "no-cache"
        return resp
    try:
        resp = send_from_directory(folder, filename, max_age=31536000)
    except HTTPNotFound:
        raise ContentNotFound(f"no asset {filename}") from None
    resp.headers["Cache-Control"] = IMMUTABLE
    resp.headers["X-Content-Type-Options"] = "nosniff"
    if filename.lower().endswith(".svg"):
        resp.headers["Content-Security-Policy"] = SVG_CSP
    return resp
