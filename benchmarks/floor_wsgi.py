"""Benchmark floor for ``launch.py --floor``: login and launch answered with bare redirects, nothing checked.

It walks the same OIDC flow as the tool (the platform needs a proper authorization request), so the
difference between the tool and this app is what the tool's own work costs: everything else is
gunicorn, the kernel and the load. Never part of the deployed tool.
"""

from __future__ import annotations

import os
import secrets
from urllib.parse import parse_qsl, urlencode

AUTH_URL = os.environ.get("R2COM_FLOOR_AUTH_URL", "")
CLIENT_ID = os.environ.get("R2COM_FLOOR_CLIENT_ID", "")
BASE_URL = os.environ.get("LTI_TOOL_BASE_URL", "")


def app(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path == "/lti/login":
        query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        location = AUTH_URL + "?" + urlencode({
            "scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
            "client_id": CLIENT_ID, "redirect_uri": BASE_URL + "/lti/launch", "state": secrets.token_urlsafe(32),
            "nonce": secrets.token_urlsafe(32), "login_hint": query.get("login_hint", ""),
            "lti_message_hint": query.get("lti_message_hint", "")})
        start_response("302 FOUND", [("Location", location), ("Content-Length", "0")])
        return [b""]
    if path == "/lti/launch":
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("303 SEE OTHER", [("Location", "/lti/home?ltik=floor"), ("Content-Length", "0")])
        return [b""]
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
