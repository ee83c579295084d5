"""A WSGI fast path for the two requests every launch makes: ``/lti/login`` and ``/lti/launch``.

Flask's request and response machinery costs about as much CPU as all the checks of a launch together
(``benchmarks/launch.py --per-endpoint``). For the common case — a login or launch that is accepted and
answers with a redirect — this middleware runs the same :class:`~.flow.LaunchFlow` as the Flask views,
in an app context, and writes the redirect itself. Everything else goes to Flask:

- other paths and methods, bodies this parser does not take (not urlencoded, no length, too long,
  too many fields), and launches that carry a binding read from platform storage (the view checks
  that the tool's own page sent it): the request reaches Flask untouched;
- refused logins and launches: the error is handed over and raised inside the Flask view, so error
  pages, JSON answers and logging stay in one place;
- logins and launches that answer with a page (platform storage, "open in a new window"): the result
  is handed over and the view renders it.

Nothing is worked out twice: a handed-over request carries its result in ``environ[HANDOVER_KEY]``.
"""

from __future__ import annotations

import io
from typing import Any, Callable, Iterable
from urllib.parse import unquote_plus

import werkzeug.urls  # noqa: F401 - registers the _NOT_UTF8 error handler
from flask import Flask, g

from ..web import frame_ancestors, security_headers
from .flow import STATE_COOKIE_PREFIX, LaunchFlow, LaunchResult, LoginResult
from .landing import landing_path

HANDOVER_KEY = "r2com.lti.handover"
LOGIN_PATH = "/lti/login"
LAUNCH_PATH = "/lti/launch"
#: A login has at most ten parameters and a launch three or four; more is not a real platform.
MAX_FIELDS = 64
FORM_TYPE = "application/x-www-form-urlencoded"
_NOT_UTF8 = "werkzeug.url_quote"  # registered by werkzeug.urls, which Flask always imports

StartResponse = Callable[..., Any]


def _parse(text: str) -> dict[str, str] | None:
    """``parse_qsl(text, keep_blank_values=True)``, first value wins; None beyond MAX_FIELDS fields.

    Most fields of a login or launch (the id_token, state, URLs of a GET) need no unquoting, so only
    those with ``%`` or ``+`` go through ``unquote_plus``. Bytes that are not UTF-8 stay percent-encoded,
    with werkzeug's own error handler, so a field reads the same here as in a Flask view.
    """
    if text.count("&") >= MAX_FIELDS:
        return None
    out: dict[str, str] = {}
    for field in text.split("&"):
        if not field:
            continue
        key, _, value = field.partition("=")
        if "%" in key or "+" in key:
            key = unquote_plus(key, errors=_NOT_UTF8)
        if "%" in value or "+" in value:
            value = unquote_plus(value, errors=_NOT_UTF8)
        out.setdefault(key, value)
    return out


def _state_cookies(header: str) -> dict[str, str]:
    """The login binding cookies of a Cookie header, in the order the browser sent them."""
    cookies: dict[str, str] = {}
    if STATE_COOKIE_PREFIX not in header:
        return cookies
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name.startswith(STATE_COOKIE_PREFIX):
            cookies.setdefault(name, value)
    return cookies


class LaunchFastPath:
    """WSGI middleware in front of the Flask app (``app.wsgi_app``); see the module docstring."""

    def __init__(self, app: Flask, wsgi_app: Callable[[dict, StartResponse], Iterable[bytes]], flow: LaunchFlow):
        self.app = app
        self.wsgi_app = wsgi_app
        self.flow = flow
        self._max_body = app.config["MAX_CONTENT_LENGTH"]
        self._headers: dict[tuple[tuple[str, ...], bool], list[tuple[str, str]]] = {}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        method = environ.get("REQUEST_METHOD")
        if path == LOGIN_PATH and method in ("GET", "POST"):
            params = self._params(environ, method)
            if params is not None:
                return self._run(environ, start_response, self._login, params)
        elif path == LAUNCH_PATH and method == "POST":
            form = self._params(environ, method)
            if form is not None and "lti_binding" not in form:  # platform storage: the view checks the proof
                return self._run(environ, start_response, self._launch, form)
        return self.wsgi_app(environ, start_response)

    # -- parsing ---------------------------------------------------------------------------------
    def _params(self, environ: dict[str, Any], method: str) -> dict[str, str] | None:
        """The query (GET) or urlencoded form (POST); None when Flask should parse the request."""
        if method == "GET":
            return _parse(environ.get("QUERY_STRING", "").encode("latin-1").decode("utf-8", _NOT_UTF8))
        if environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower() != FORM_TYPE:
            return None
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return None
        if not 0 <= length <= self._max_body:
            return None
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)  # Flask reads it again if the request is handed over
        return _parse(body.decode("utf-8", _NOT_UTF8))

    # -- the two endpoints -----------------------------------------------------------------------
    def _login(self, environ: dict[str, Any], params: dict[str, str], secure: bool) -> LoginResult:
        return self.flow.login(params, _state_cookies(environ.get("HTTP_COOKIE", "")), secure)

    def _launch(self, environ: dict[str, Any], form: dict[str, str], secure: bool) -> LaunchResult:
        return self.flow.launch(form, _state_cookies(environ.get("HTTP_COOKIE", "")), secure)

    def _run(self, environ: dict[str, Any], start_response: StartResponse,
             work: Callable[[dict[str, Any], dict[str, str], bool], Any], params: dict[str, str]) -> Iterable[bytes]:
        secure = environ.get("wsgi.url_scheme") == "https"
        with self.app.app_context():
            try:
                result = work(environ, params, secure)
                if isinstance(result, LaunchResult) and result.opened:  # straight to the page the link opens
                    result.location = landing_path(result, environ.get("SCRIPT_NAME", ""))
            except Exception as exc:  # refused (or broken): Flask's error handlers answer and log it
                result = exc
            platform = (result.oidc.platform if isinstance(result, LoginResult) else
                        result.message.platform if isinstance(result, LaunchResult) else None)
            if platform is not None:
                g.frame_platform_id = platform.id  # the platform that frames this login or launch
            ancestors = frame_ancestors()
        if isinstance(result, LoginResult) and not result.storage_target:
            return self._redirect(start_response, "302 FOUND", result.oidc.auth_url, result.set_cookies,
                                  ancestors, secure)
        if isinstance(result, LaunchResult) and result.opened:
            return self._redirect(start_response, "303 SEE OTHER", str(result.location), result.set_cookies,
                                  ancestors, secure)
        environ[HANDOVER_KEY] = result
        return self.wsgi_app(environ, start_response)

    def _redirect(self, start_response: StartResponse, status: str, location: str, cookies: list[str],
                  ancestors: tuple[str, ...], secure: bool) -> Iterable[bytes]:
        key = (ancestors, secure)
        common = self._headers.get(key)
        if common is None:  # the platform list changes rarely: keep the few header sets there are
            if len(self._headers) > 16:
                self._headers.clear()
            common = self._headers[key] = security_headers(ancestors, secure=secure)
        headers = [("Location", location), ("Content-Length", "0"), ("Cache-Control", "no-store"), *common]
        headers.extend(("Set-Cookie", cookie) for cookie in cookies)
        start_response(status, headers)
        return [b""]
