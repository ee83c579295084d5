"""A small AGS 2.0 HTTP client: find or create line items (paged by Link headers) and post scores.

URLs from platforms are used exactly as given: never lowercased, query strings kept (Moodle's
``.../lineitem?type_id=3`` becomes ``.../lineitem/scores?type_id=3``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
MAX_PAGES = 100


class AgsHttpError(Exception):
    """The platform answered a line-item request with an error status."""

    def __init__(self, response: requests.Response, what: str) -> None:
        super().__init__(f"{what}: HTTP {response.status_code}")
        self.response = response
        self.status = response.status_code


def scores_url(lineitem_url: str) -> str:
    """Return the scores endpoint of a line item, keeping its query string."""
    parts = urlsplit(lineitem_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def with_query(url: str, **params: str | None) -> str:
    """Add query parameters to a URL, keeping the ones it already has."""
    extra = [(k, v) for k, v in params.items() if v is not None]
    if not extra:
        return url
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + extra
    return urlunsplit(parts._replace(query=urlencode(query)))


class AgsClient:
    """AGS calls over one ``requests.Session`` (connection reuse), each with connect and read timeouts."""

    def __init__(self, http: requests.Session, timeout: tuple[float, float] = (3.05, 10.0)) -> None:
        self.http = http
        self.timeout = timeout

    @staticmethod
    def _auth(token: str, accept: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}", "Accept": accept}

    def post_score(self, lineitem_url: str, token: str, score: dict[str, Any]) -> requests.Response:
        """POST a score; the caller interprets the status."""
        headers = self._auth(token, "application/json")
        headers["Content-Type"] = SCORE_MEDIA_TYPE
        return self.http.post(scores_url(lineitem_url), json=score, headers=headers, timeout=self.timeout)

    def iter_line_items(self, lineitems_url: str, token: str, **filters: str | None) -> Any:
        """Yield every line item of the container, following ``Link: rel="next"`` pages.

        Raises:
            AgsHttpError: On an error status.
        """
        url: str | None = with_query(lineitems_url, **filters)
        seen: set[str] = set()
        pages = 0
        while url and url not in seen and pages < MAX_PAGES:
            seen.add(url)
            pages += 1
            response = self.http.get(url, headers=self._auth(token, CONTAINER_MEDIA_TYPE), timeout=self.timeout)
            if response.status_code != 200:
                raise AgsHttpError(response, "listing line items")
            body = response.json()
            yield from (body if isinstance(body, list) else [])
            url = response.links.get("next", {}).get("url")

    def find_line_item(self, lineitems_url: str, token: str, *, resource_link_id: str | None = None,
                       resource_id: str | None = None) -> dict[str, Any] | None:
        """Return the first line item of a resource link or with a resourceId, or ``None``.

        The filter is also sent as a query parameter; matching is checked here because some
        platforms ignore it.
        """
        for item in self.iter_line_items(lineitems_url, token, resource_link_id=resource_link_id,
                                         resource_id=resource_id):
            if not isinstance(item, dict) or not item.get("id"):
                continue
            if resource_link_id is not None and item.get("resourceLinkId") != resource_link_id:
                continue
            if resource_id is not None and item.get("resourceId") != resource_id:
                continue
            return item
        return None

    def create_line_item(self, lineitems_url: str, token: str, item: dict[str, Any]) -> dict[str, Any]:
        """Create a line item and return it as the platform answered (``id`` is its URL).

        Raises:
            AgsHttpError: On an error status.
        """
        headers = self._auth(token, LINEITEM_MEDIA_TYPE)
        headers["Content-Type"] = LINEITEM_MEDIA_TYPE
        response = self.http.post(lineitems_url, json=item, headers=headers, timeout=self.timeout)
        if response.status_code not in (200, 201):
            raise AgsHttpError(response, "creating a line item")
        body: dict[str, Any] = response.json()
        if not body.get("id"):
            body["id"] = response.headers.get("Location", "")
        return body

    def delete_line_item(self, lineitem_url: str, token: str) -> bool:
        """Delete a line item the tool created twice by accident; return whether it went."""
        response = self.http.delete(lineitem_url, headers=self._auth(token, "*/*"), timeout=self.timeout)
        return response.status_code in (200, 204)
