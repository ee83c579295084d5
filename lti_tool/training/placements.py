"""What a launch opens, and which items are placed in a course.

An item comes from, in this order: the link's custom parameters, the query of its target link URL, or a
placement a trainer set up on the link inside the tool.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..lti.models import ResourceLink
from ..lti.session import ToolSession
from .constants import Completion, Item, ItemKind, Presentation, Report
from .models import Placement

log = logging.getLogger(__name__)


def item_of_session(session: ToolSession, *, hot: bool = False) -> Item | None:
    """Return the item the session's resource link was placed for, or None.

    ``hot``: read a placement set up in the tool with one plain statement on the launch hot path's
    connections (committed rows only), as the launch itself does, instead of through the ORM.
    """
    item = Item.from_params(session.data.get("custom") or {})
    if item is None:
        item = Item.from_url(session.data.get("target_link_uri"))
    if item is None and session.resource_link_id and hot:
        from flask import current_app

        store = current_app.extensions["r2com"]["hotpath"]
        found = store.fetch_one("SELECT item_kind, item_id, report, completion FROM learning_placement "
                                f"WHERE resource_link_id = {store.placeholder}", (session.resource_link_id,))
        if found is not None:
            kind, item_id, report, completion = found
            item = Item.parse_key(f"{kind}:{item_id}" if item_id else kind, report, completion)
        return item
    if item is None and session.resource_link_id:
        row = db.session.execute(select(Placement).where(Placement.resource_link_id == session.resource_link_id)
                                 ).scalar()
        if row is not None:
            item = _item_of_row(row)
    return item


def _item_of_row(row: Placement) -> Item | None:
    return Item.parse_key(f"{row.item_kind}:{row.item_id}" if row.item_id else row.item_kind, row.report,
                          row.completion)


@dataclass(frozen=True)
class PlacedItem:
    """An item placed in a course, with where its placement came from."""

    item: Item
    title: str
    source: str  # "deep_link", "tool" or "launch"


def placed_items(context_id: int) -> list[PlacedItem]:
    """Return the distinct items placed in a course: picked by deep linking, set up in the tool, or launched."""
    found: dict[str, PlacedItem] = {}
    rows = db.session.execute(select(Placement).where(Placement.context_id == context_id)
                              .order_by(Placement.id)).scalars()
    for row in rows:
        item = _item_of_row(row)
        if item is not None:
            found[item.key] = PlacedItem(item, row.title, row.source)
    links = db.session.execute(select(ResourceLink.title, ResourceLink.custom)
                               .where(ResourceLink.context_id == context_id, ResourceLink.custom.is_not(None)))
    for title, custom in links:
        item = Item.from_params(custom if isinstance(custom, dict) else None)
        if item is not None and item.key not in found:
            found[item.key] = PlacedItem(item, title or "", "launch")
        elif item is not None and (item.report != Report.NONE or item.completion != Completion.PASS):
            found[item.key] = PlacedItem(item, found[item.key].title, found[item.key].source)
    return list(found.values())


def placement_of(context_id: int, item: Item) -> PlacedItem | None:
    """Return the placement of ``item`` (matched by key) in a course, or None when it is not placed."""
    return next((p for p in placed_items(context_id) if p.item.key == item.key), None)


def record_deep_link(session: ToolSession, items: list[tuple[Item, str, Presentation]]) -> None:
    """Remember what a trainer picked for the course (the platform creates the links later). Flushes."""
    for item, title, presentation in items:
        db.session.add(Placement(context_id=session.context_id, item_kind=str(item.kind), item_id=item.id,
                                 report=str(item.report), completion=str(item.completion),
                                 presentation=str(presentation), title=title[:400],
                                 source="deep_link", created_by=session.user_id))
    db.session.flush()
    from .seen import forget

    forget(session.context_id)
    log.info("user %s deep-linked %d item(s) in context %s", session.user_id, len(items), session.context_id)


def set_up_link(session: ToolSession, item: Item, title: str) -> Placement:
    """Set up the session's resource link (placed without an item) to open ``item``. Flushes.

    Raises:
        ValueError: The session has no resource link.
    """
    if not session.resource_link_id:
        raise ValueError("this launch has no resource link to set up")
    row = db.session.execute(select(Placement).where(Placement.resource_link_id == session.resource_link_id)).scalar()
    if row is None:
        row = Placement(context_id=session.context_id, resource_link_id=session.resource_link_id, source="tool")
        db.session.add(row)
    row.item_kind, row.item_id, row.report = str(item.kind), item.id, str(item.report)
    row.completion = str(item.completion)
    row.title, row.created_by = title[:400], session.user_id
    db.session.flush()
    log.info("user %s set up link %s to open %s", session.user_id, session.resource_link_id, item.key)
    return row


def is_item_link(session: ToolSession, item: Item) -> bool:
    """Tell whether the session was launched from a link placed for ``item`` (same kind and id)."""
    own = item_of_session(session)
    return own is not None and own.kind == item.kind and own.id == item.id


def launchable_kinds() -> tuple[ItemKind, ...]:
    """Return the kinds this feature opens itself (the assessment feature opens the others)."""
    return (ItemKind.MODULE, ItemKind.CHAPTER, ItemKind.MANUAL, ItemKind.DASHBOARD)
