"""Fingerprinted, compressed static assets: one stylesheet per page family, cached by browsers for a year.

Every page in the LMS frame used to revalidate two stylesheets and a script (``Cache-Control: no-cache``).
At start-up the tool builds each asset once: the stylesheets of a page family are joined into one file
(the shared ``tool.css`` first), named after a hash of its content (``training.3f2a9c1e0b7d.css``) and
gzipped. Templates ask for ``asset_url("training.css")``; ``/assets/<fingerprinted name>`` answers with
``Cache-Control: public, max-age=31536000, immutable``, gzip when the browser accepts it, and a 404 for
any other name (an old fingerprint after an upgrade is gone: pages name the new one).

The plain ``/static`` routes stay for addresses given to platforms (the logo in a registration).
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, request

PACKAGE = Path(__file__).resolve().parent.parent
IMMUTABLE = "public, max-age=31536000, immutable"

#: Logical name -> the files joined into it, in order (paths under the package).
BUNDLES: dict[str, tuple[str, ...]] = {
    "tool.css": ("web/static/tool.css",),
    "training.css": ("web/static/tool.css", "training/static/training.css"),
    "assessment.css": ("web/static/tool.css", "assessment/static/assessment.css"),
    "training.js": ("training/static/training.js",),
    "autosubmit.js": ("training/static/autosubmit.js",),
    "print.js": ("assessment/static/print.js",),
    "autosave.js": ("assessment/static/autosave.js",),
}

bp = Blueprint("assets", __name__)


@dataclass(frozen=True)
class Asset:
    """One built asset: its bytes, gzipped bytes, media type and strong ETag."""

    body: bytes
    gzipped: bytes
    mimetype: str
    etag: str


class Assets:
    """The built assets of this process, by fingerprinted file name."""

    def __init__(self, bundles: dict[str, tuple[str, ...]] = BUNDLES, root: Path = PACKAGE) -> None:
        self.by_file: dict[str, Asset] = {}
        self.urls: dict[str, str] = {}
        for name, parts in bundles.items():
            body = b"\n".join((root / part).read_bytes() for part in parts)
            digest = hashlib.sha256(body).hexdigest()[:12]
            stem, ext = name.rsplit(".", 1)
            file = f"{stem}.{digest}.{ext}"
            mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
            if mimetype.startswith("text/") or mimetype.endswith("javascript"):
                mimetype += "; charset=utf-8"
            self.by_file[file] = Asset(body, gzip.compress(body, compresslevel=9, mtime=0), mimetype, f'"{digest}"')
            self.urls[name] = "/assets/" + file

    def url(self, name: str) -> str:
        """Return the fingerprinted address of a logical asset name.

        Raises:
            KeyError: For a name that is not in :data:`BUNDLES` (a template typo fails loudly in tests).
        """
        return self.urls[name]


@bp.get("/assets/<name>")
def asset(name: str) -> Response:
    """Serve a fingerprinted asset, gzipped when accepted; it never changes under its name."""
    found = current_app.extensions["r2com"]["assets"].by_file.get(name)
    if found is None:
        abort(404)
    headers = {"Cache-Control": IMMUTABLE, "ETag": found.etag, "Vary": "Accept-Encoding"}
    if request.if_none_match.contains(found.etag.strip('"')):
        return Response(status=304, headers=headers)
    body = found.body
    if request.accept_encodings.quality("gzip") > 0:
        body = found.gzipped
        headers["Content-Encoding"] = "gzip"
    return Response(body, headers=headers, content_type=found.mimetype)


def init_app(app: Flask) -> None:
    """Build the assets once and give templates ``asset_url``."""
    assets = Assets()
    app.extensions.setdefault("r2com", {})["assets"] = assets
    app.jinja_env.globals["asset_url"] = assets.url
    app.register_blueprint(bp)
