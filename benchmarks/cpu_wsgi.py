"""Benchmark-only WSGI wrapper: accounts the worker thread's CPU per path (GET /__cpu reads it).

Used by ``launch.py --per-endpoint``; never part of the deployed tool.
"""

from __future__ import annotations

import json
import os
import time
from collections import defaultdict

from wsgi import app as tool_app

_totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])


def app(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path == "/__cpu":
        body = json.dumps({"pid": os.getpid(), "paths": _totals}).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]
    t0 = time.thread_time()
    try:
        return list(tool_app(environ, start_response))
    finally:
        entry = _totals[path]
        entry[0] += time.thread_time() - t0
        entry[1] += 1
