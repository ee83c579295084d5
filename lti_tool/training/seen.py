"""Which picked items the LMS really has: a placement counts once the LMS launches it or its line item exists.

A trainer can pick items in the Deep Linking picker and then cancel in the LMS (Moodle hands the item to its
"add activity" form, which the trainer may abandon). Those picks must not become dashboard columns that no
one can ever complete. Evidence that the LMS has an item, cheapest first:

- a launch from a link that opens it (the tool recorded the resource link with its custom parameters);
- a line item with its ``resourceId`` that the grade worker found or created (``grade_line_item_link``);
- the platform's own list of line items (AGS, read with the lineitem or lineitem.readonly scope), cached
  briefly like the roster.
"""

from __future__ import annotations

import logging
import threading
import time

import requests
from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..lti.constants import SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY
from ..lti.models import Context, ResourceLink
from ..services.ags import AgsClient, AgsHttpError
from ..services.models import LineItemLink
from ..services.tokens import TokenError
from .constants import Item

log = logging.getLogger(__name__)
CACHE_SECONDS = 120
_lock = threading.Lock()


def _cache() -> dict[tuple[int, str], tuple[float, frozenset[str]]]:
    """Return this app's cache of listed resourceIds by (context row, line items URL)."""
    ext = current_app.extensions["r2com"]
    with _lock:
        return ext.setdefault("training_line_item_ids", {})  # type: ignore[no-any-return]


def forget(context_id: int) -> None:
    """Drop the course's cached line-item list (the trainer just picked items: look again next time)."""
    cache = _cache()
    with _lock:
        for key in [k for k in cache if k[0] == context_id]:
            cache.pop(key, None)


def launched_keys(context_id: int) -> set[str]:
    """Return the keys of the items that links in the course opened at a launch."""
    found = set()
    for (custom,) in db.session.execute(select(ResourceLink.custom).where(
            ResourceLink.context_id == context_id, ResourceLink.custom.is_not(None))):
        item = Item.from_params(custom if isinstance(custom, dict) else None)
        if item is not None:
            found.add(item.key)
    return found


def known_resource_ids(context_id: int) -> set[str]:
    """Return the resourceIds of line items the grade worker found or created in the course."""
    return {rid for (rid,) in db.session.execute(select(LineItemLink.resource_id).where(
        LineItemLink.context_id == context_id, LineItemLink.resource_id.is_not(None)))}


def platform_resource_ids(platform_id: int, context: Context, *, refresh: bool = False) -> frozenset[str] | None:
    """Return the resourceIds of the course's line items on the platform, or None when they cannot be read."""
    scopes = set((context.ags_scopes or "").split())
    usable = [s for s in (SCOPE_LINEITEM_READONLY, SCOPE_LINEITEM) if s in scopes]
    if not context.lineitems_url or not usable:
        return None
    now = time.time()
    cache = _cache()
    key = (context.id, context.lineitems_url)
    cached = cache.get(key)
    if cached and not refresh and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    ext = current_app.extensions["r2com"]
    info = ext["platforms"].by_id(platform_id)
    if info is None:
        return None
    try:
        with requests.Session() as http:
            token = ext["grade_tokens"].get(info, usable[:1], http)
            ids = frozenset(str(item["resourceId"]) for item in
                            AgsClient(http, (3.05, 10.0)).iter_line_items(context.lineitems_url, token)
                            if isinstance(item, dict) and item.get("resourceId"))
    except (TokenError, AgsHttpError, requests.RequestException, ValueError) as exc:
        log.info("line items of context %s could not be read: %s", context.id, exc.__class__.__name__)
        return None
    with _lock:
        if len(cache) > 500:
            cache.clear()
        cache[key] = (now, ids)
    return ids
