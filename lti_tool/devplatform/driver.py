"""A scripted stand-in for a person's browser: follows redirects and auto-submitting forms."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from types import TracebackType
from typing import Any
from urllib.parse import urlencode, urljoin

import requests

AUTOSUBMIT_ID = "lti-autosubmit"
DEFAULT_TIMEOUT = 10.0
_SCRIPT_SUBMIT = re.compile(r"""getElementById\(\s*["']([^"']+)["']\s*\)\s*\.submit\(\s*\)""")


class _Form:
    """A parsed HTML form."""

    def __init__(self, attrs: dict[str, str | None]) -> None:
        """Keep the form attributes and start with no fields."""
        self.attrs = attrs
        self.fields: list[tuple[str, str]] = []


class _FormParser(HTMLParser):
    """Collect forms, their named inputs and the ids that scripts call ``.submit()`` on."""

    def __init__(self) -> None:
        """Start with no forms."""
        super().__init__(convert_charrefs=True)
        self.forms: list[_Form] = []
        self.submitted_ids: set[str] = set()
        self._current: _Form | None = None
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open forms and collect inputs."""
        values = dict(attrs)
        if tag == "form":
            self._current = _Form(values)
            self.forms.append(self._current)
        elif tag == "input" and self._current is not None:
            kind = (values.get("type") or "text").lower()
            name = values.get("name")
            if name and kind not in ("submit", "button", "image", "reset", "file"):
                if kind not in ("checkbox", "radio") or "checked" in values:
                    self._current.fields.append((name, values.get("value") or ""))
        elif tag == "script":
            self._in_script = True

    def handle_endtag(self, tag: str) -> None:
        """Close forms and scripts."""
        if tag == "form":
            self._current = None
        elif tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        """Find ``document.getElementById('x').submit()`` in scripts."""
        if self._in_script:
            self.submitted_ids.update(_SCRIPT_SUBMIT.findall(data))


def find_autosubmit_form(html: str) -> tuple[str, str, list[tuple[str, str]]] | None:
    """Return ``(method, action, fields)`` of the page's single auto-submitting form, if any."""
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    candidates = [
        form
        for form in parser.forms
        if form.attrs.get("id") == AUTOSUBMIT_ID
        or "data-autosubmit" in form.attrs
        or (form.attrs.get("id") or "") in parser.submitted_ids
    ]
    if len(candidates) != 1:
        return None
    form = candidates[0]
    return (form.attrs.get("method") or "get").lower(), form.attrs.get("action") or "", form.fields


class Browser:
    """A ``requests.Session`` that behaves like a browser for LTI flows (cookies, redirects, forms)."""

    def __init__(self, session: requests.Session | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Wrap ``session`` (a new one by default); ``timeout`` applies to every request."""
        self.session = session or requests.Session()
        self.timeout = timeout
        self.history: list[requests.Response] = []

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        """GET ``url`` following redirects."""
        return self._request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        """POST to ``url`` following redirects."""
        return self._request("POST", url, **kwargs)

    def _request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """Send one request and remember the response."""
        kwargs.setdefault("timeout", self.timeout)
        kwargs.setdefault("allow_redirects", True)
        response = self.session.request(method, url, **kwargs)
        self.history.append(response)
        return response

    def follow_forms(self, response: requests.Response, max_hops: int = 10) -> requests.Response:
        """Submit auto-submitting forms, as a browser with JavaScript would, until none is left."""
        for _ in range(max_hops):
            if "html" not in response.headers.get("Content-Type", ""):
                return response
            found = find_autosubmit_form(response.text)
            if found is None:
                return response
            method, action, fields = found
            target = urljoin(response.url, action)
            if method == "post":
                response = self.post(target, data=fields)
            else:
                response = self.get(target + ("&" if "?" in target else "?") + urlencode(fields))
        raise RuntimeError(f"more than {max_hops} auto-submitting forms in a row")

    def launch(
        self,
        platform_url: str,
        client_id: str,
        deployment_id: str | None = None,
        course: str = "course-101",
        user: str = "learner",
        link: str | None = None,
        message: str = "resource",
        placement: str | None = None,
        locale: str | None = None,
    ) -> requests.Response:
        """Walk platform launch → tool login → platform auth → tool launch; return the last response.

        ``user`` is a user id or an alias (``learner``, ``instructor``, ``ta``, ``observer``, ``admin``).
        Without ``deployment_id`` the platform picks the tool's deployment for ``course`` (Canvas: the
        most specific install). ``placement`` (Canvas profile) launches from a derived placement such
        as ``course_navigation`` or ``link_selection``. A refused launch (pending tool, not installed,
        no such placement...) is the platform's own 400 text answer. ``locale`` is the user's language the
        platform sends (``launch_presentation.locale``, default ``en``).
        """
        params = {"client_id": client_id, "course": course, "user": user, "message": message}
        if deployment_id:
            params["deployment_id"] = deployment_id
        if link:
            params["link"] = link
        if placement:
            params["placement"] = placement
        if locale:
            params["locale"] = locale
        first = self.get(platform_url.rstrip("/") + "/launch", params=params)
        return self.follow_forms(first)

    def launch_as_admin(self, platform_url: str, client_id: str, deployment_id: str | None = None,
                        course: str = "course-101", **kwargs: Any) -> requests.Response:
        """Launch as the site/account administrator (user ``9001``, enrolled nowhere by default).

        Roles by profile: generic ``[institution#Administrator]`` (+ a course role if enrolled); Moodle
        ``[membership#Instructor, system#Administrator, institution#Administrator]``; Canvas, sorted,
        ``institution#Administrator`` and ``system#User`` (+ course and institution roles if enrolled).
        """
        return self.launch(platform_url, client_id, deployment_id, course, "admin", **kwargs)

    def launch_as_observer(self, platform_url: str, client_id: str, deployment_id: str | None = None,
                           course: str = "course-101", **kwargs: Any) -> requests.Response:
        """Launch as course-101's observer (Canvas profile only: ``membership#Mentor`` observing ``1003``)."""
        return self.launch(platform_url, client_id, deployment_id, course, "observer", **kwargs)

    def _action(self, url: str, data: dict[str, str] | None = None) -> requests.Response:
        """POST a platform admin action asking for JSON."""
        return self.post(url, data=data or {}, headers={"Accept": "application/json"})

    def activate(self, platform_url: str, client_id: str) -> dict[str, Any]:
        """Activate a pending tool (Moodle profile after dynamic registration); return the tool's details.

        Raises:
            requests.HTTPError: If the platform refuses (unknown tool).
        """
        response = self._action(f"{platform_url.rstrip('/')}/tools/{client_id}/activate")
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def install(self, platform_url: str, client_id: str, scope: str = "account", context: str | None = None) -> str:
        """Install a tool (Canvas profile) in the ``account``, a ``sub_account`` or a ``course``; return
        the new deployment id (``<n>:<40 hex>``).

        ``context`` is the sub-account id (default: the first, ``sub-community``, holding course-101) or
        the course id (default ``course-101``).

        Raises:
            requests.HTTPError: If the platform refuses (not the canvas profile, unknown scope or context).
        """
        data = {"scope": scope}
        if context:
            data["context"] = context
        response = self._action(f"{platform_url.rstrip('/')}/tools/{client_id}/install", data)
        response.raise_for_status()
        return str(response.json()["deployment_id"])

    def publish(self, platform_url: str, item_id: str) -> dict[str, Any]:
        """Publish the assignment behind a line item (Canvas: scores get 422 until then).

        ``item_id`` is the last path segment of the line item URL.

        Raises:
            requests.HTTPError: For an unknown line item.
        """
        response = self._action(f"{platform_url.rstrip('/')}/line-items/{item_id}/publish")
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def tool(self, platform_url: str, client_id: str) -> dict[str, Any]:
        """Return the platform's view of a tool: ``active``, ``deployment_ids``, ``installs``,
        ``placements`` (Canvas, derived from the registration), ``claims`` and ``profile``."""
        response = self.get(f"{platform_url.rstrip('/')}/tools/{client_id}")
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def close(self) -> None:
        """Close the underlying session."""
        self.session.close()

    def __enter__(self) -> Browser:
        """Return self for ``with Browser() as browser:``."""
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Close the session."""
        self.close()


def launch(
    platform_url: str,
    client_id: str,
    deployment_id: str | None = None,
    course: str = "course-101",
    user: str = "learner",
    link: str | None = None,
    message: str = "resource",
    *,
    browser: Browser | None = None,
    placement: str | None = None,
) -> requests.Response:
    """Launch with ``browser`` (or a throwaway one) and return the tool's final response."""
    if browser is not None:
        return browser.launch(platform_url, client_id, deployment_id, course, user, link, message, placement)
    with Browser() as own:
        return own.launch(platform_url, client_id, deployment_id, course, user, link, message, placement)
