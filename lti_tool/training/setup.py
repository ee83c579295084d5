"""Wire training into the app: tables, the blueprint, launch routing, ``ref:`` link URLs, caches."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the training feature."""
    from . import models  # noqa: F401  (registers the tables)
    from .blueprint import bp
    from .catalog import FragmentCache, ShellCache, course_ref_url, manual_ref_url
    from .roster import RosterCache, RosterClient
    from .routing import home_links, route_launch

    ext = app.extensions["r2com"]
    settings = app.config["R2COM"]
    ext["router"].add(route_launch)
    ext["router"].add_home_link(home_links)
    ext["training_fragments"] = FragmentCache()
    ext["training_shells"] = ShellCache()
    redis_client = None
    if settings.get("REDIS_URL"):
        import redis

        redis_client = redis.Redis.from_url(settings["REDIS_URL"])
    ext["roster_cache"] = RosterCache(redis_client)
    if "grade_tokens" in ext:
        ext["roster_client"] = RosterClient(ext["grade_tokens"])
    library = ext.get("content")
    if library is not None:
        library.set_ref_resolver("course", course_ref_url)
        library.set_ref_resolver("manual", manual_ref_url)
    app.register_blueprint(bp)
    from .cli import training_cli

    app.cli.add_command(training_cli)
