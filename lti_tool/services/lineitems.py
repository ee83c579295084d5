"""Find the line item (gradebook column) of a score without a ``lineitem`` claim, and remember it.

Order: a URL remembered earlier (:class:`LineItemLink`), the resource link's last ``lineitem`` claim,
a search of the line-items container by resource link or resourceId, and finally creating one when
the launch granted the ``lineitem`` scope. Whatever is found or created is remembered per context.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..lti.constants import SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY
from ..lti.models import ResourceLink
from .ags import AgsClient
from .models import LineItemLink
from .outbox import NO_LINE_ITEM

log = logging.getLogger(__name__)


class NoLineItem(Exception):
    """No line item can be found or created for a row; the message is for the trainer."""


def link_key(row: Any) -> str:
    """Return the LineItemLink key of a row: by resourceId when it has one, else by resource link."""
    return f"res:{row.resource_id}" if row.resource_id else f"rl:{row.resource_link_id}"


def resolve(row: Any, scopes: list[str], token: str, ags: AgsClient,
            cache: dict[tuple[int, str], tuple[str, bool]]) -> tuple[str, bool]:
    """Return (line item URL, whether it came from a remembered link) for a row without one.

    Raises:
        NoLineItem: When none exists and the tool may not create one.
        AgsHttpError, requests.RequestException: When the platform fails while searching or creating.
    """
    key = link_key(row)
    cache_key = (row.context_id, key)
    if cache_key in cache:
        return cache[cache_key]
    url = db.session.execute(select(LineItemLink.lineitem_url).where(
        LineItemLink.context_id == row.context_id, LineItemLink.link_key == key)).scalar()
    link = db.session.get(ResourceLink, row.resource_link_id) if row.resource_link_id else None
    if url:
        cache[cache_key] = (url, True)
    elif link is not None and link.lineitem_url and not row.resource_id:
        cache[cache_key] = (link.lineitem_url, False)
    else:
        cache[cache_key] = (find_or_create(row, scopes, token, ags, link), True)
    return cache[cache_key]


def find_or_create(row: Any, scopes: list[str], token: str, ags: AgsClient, link: ResourceLink | None) -> str:
    """Search the container for the row's line item, or create it when allowed; remember the result."""
    if not row.lineitems_url:
        raise NoLineItem(NO_LINE_ITEM)
    rl_ref = link.resource_link_id if link is not None and not row.resource_id else None
    if {SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY} & set(scopes):
        found = ags.find_line_item(row.lineitems_url, token, resource_link_id=rl_ref, resource_id=row.resource_id)
        if found:
            return remember(row, link, str(found["id"]), created=False, token=token, ags=ags)
    if SCOPE_LINEITEM not in scopes:
        raise NoLineItem(NO_LINE_ITEM)
    item: dict[str, Any] = {"label": row.label or (link.title if link and link.title else "R2COM activity"),
                            "scoreMaximum": row.payload.get("scoreMaximum") or 1}
    for name, value in (("resourceLinkId", rl_ref), ("resourceId", row.resource_id), ("tag", row.tag)):
        if value:
            item[name] = value
    created = ags.create_line_item(row.lineitems_url, token, item)
    if not created.get("id"):
        raise NoLineItem("The platform created a gradebook column but did not say where it is.")
    return remember(row, link, str(created["id"]), created=True, token=token, ags=ags)


def remember(row: Any, link: ResourceLink | None, url: str, *, created: bool, token: str, ags: AgsClient) -> str:
    """Store a resolved URL (commits); if another worker stored one first, use theirs and delete ours."""
    key = link_key(row)
    try:
        db.session.add(LineItemLink(context_id=row.context_id, link_key=key, lineitem_url=url,
                                    resource_link_id=link.id if link is not None and not row.resource_id else None,
                                    resource_id=row.resource_id, created_by_tool=created))
        db.session.commit()
        return url
    except IntegrityError:
        db.session.rollback()
    winner: str = db.session.execute(select(LineItemLink.lineitem_url).where(
        LineItemLink.context_id == row.context_id, LineItemLink.link_key == key)).scalar_one()
    if created and winner != url:
        try:
            ags.delete_line_item(url, token)
        except requests.RequestException:
            log.warning("could not delete duplicate line item %s", url)
    return winner


def forget(row: Any) -> None:
    """Drop a remembered line item the platform no longer has (404), so a retry looks again. Commits."""
    db.session.execute(delete(LineItemLink).where(
        LineItemLink.context_id == row.context_id, LineItemLink.link_key == link_key(row)))
    db.session.commit()
