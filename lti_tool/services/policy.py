"""How to read a platform's answer to a score: done, retry later, or refused for good (with plain words)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Literal

import requests

#: Longest Retry-After we honour, in seconds.
MAX_RETRY_AFTER = 24 * 3600.0


@dataclass(frozen=True)
class Verdict:
    """The judgement of one answer: ``done``, ``transient`` or ``permanent``, with a reason for trainers."""

    kind: Literal["done", "transient", "permanent"]
    reason: str | None = None
    status: int | None = None
    retry_after: float | None = None


def backoff_seconds(attempts: int, base: float, cap: float) -> float:
    """Return ``min(cap, base * 2**attempts)`` with jitter of 0.5 to 1.5 times."""
    return min(cap, base * (2 ** min(attempts, 40))) * random.uniform(0.5, 1.5)


def retry_after_seconds(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Parse a Retry-After header (seconds or an HTTP date) into seconds from now."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
        seconds = (when - (now or dt.datetime.now(dt.timezone.utc))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _excerpt(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:200]
    if isinstance(body, dict):
        return str(body.get("error_description") or body.get("reason") or body.get("error") or body)[:200]
    return str(body)[:200]


def judge(response: requests.Response, *, what: str = "sending the score") -> Verdict:
    """Classify an AGS answer; 409 counts as done (we, or a newer score, got there first)."""
    status = response.status_code
    if 200 <= status < 300:
        return Verdict("done", None, status)
    if status == 409:
        return Verdict("done", "The platform already had this score or a newer one (409), so nothing more "
                               "needed sending.", status)
    if status == 429:
        return Verdict("transient", "The platform asked the tool to slow down (429); the score will be sent "
                                    "shortly.", status, retry_after_seconds(response.headers.get("Retry-After")))
    if status == 401:
        return Verdict("transient", f"The platform refused the tool's access token while {what} (401); "
                                    "the tool will sign in again and retry.", status)
    if status in (408,) or status >= 500:
        return Verdict("transient", f"The platform had a temporary problem while {what} ({status}); the score "
                                    "will be sent when it recovers.", status,
                       retry_after_seconds(response.headers.get("Retry-After")))
    if status == 400 and response.text.strip() == "[]":
        return Verdict("permanent", "The platform cannot grade this person in this course, for example because "
                                    "they are a teacher or no longer enrolled as a learner, so it refused the "
                                    "score (400).", status)
    if status == 400:
        return Verdict("permanent", f"The platform refused the score as invalid (400): {_excerpt(response)}", status)
    if status == 403:
        return Verdict("permanent", "The platform does not allow the tool to send grades here (403). An "
                                    "administrator must allow grade passback for the tool.", status)
    if status == 404:
        return Verdict("permanent", f"The gradebook column was not found on the platform while {what} (404); "
                                    "it may have been deleted.", status)
    if status == 422:
        return Verdict("permanent", f"The platform could not process the score (422): {_excerpt(response)}", status)
    return Verdict("permanent", f"The platform refused the request while {what} ({status}): "
                                f"{_excerpt(response)}", status)
