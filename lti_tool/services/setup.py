"""Wire grade delivery into an app: the shared token cache, and the development delivery thread."""

from __future__ import annotations

import logging

import redis
from flask import Flask

from . import backoff, models  # noqa: F401  (registers the tables)
from .backoff import PauseBoard
from .outbound import GuardedSession
from .outbox import ScoreClock
from .tokens import MemoryTokenStore, RedisTokenStore, TokenProvider, TokenStore

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Create the access-token provider; start the delivery thread when ``DELIVERY_THREAD`` asks for it.

    Under ``ENV=testing`` the thread starts only when ``DELIVERY_THREAD_IN_TESTING`` is also set; maintenance
    commands (``SERVING`` false) never start it.
    """
    settings = app.config["R2COM"]
    ext = app.extensions["r2com"]
    store: TokenStore
    if settings.get("REDIS_URL"):
        store = RedisTokenStore(redis.Redis.from_url(settings["REDIS_URL"]))
    else:
        store = MemoryTokenStore()
    ext["grade_tokens"] = TokenProvider(ext["keyring"], store, http=GuardedSession(ext["outbound_policy"], pool_size=4))
    ext["grade_clock"] = ScoreClock()
    ext["platform_pauses"] = PauseBoard(redis.Redis.from_url(settings["REDIS_URL"]) if settings.get("REDIS_URL")
                                        else None)
    # Only a serving process runs it: `flask db upgrade` or `setup` must not deliver while they create the tables.
    wanted = (settings.get("DELIVERY_THREAD") and settings.get("SERVING", True)
              and (not app.testing or settings.get("DELIVERY_THREAD_IN_TESTING")))
    if wanted:
        from .worker import start_delivery_thread

        ext["delivery_thread"] = start_delivery_thread(app)
        log.info("grade delivery thread started")
