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


#: Waiting for an unpublished assignment (Canvas 422): the first retry comes after ``WAITING_FIRST`` and each
#: later one after as long again as the row has already waited, so the gaps double (1 h, 1 h, 2 h, 4 h, 8 h,
#: 16 h, 32 h, 64 h), up to ``WAITING_CAP`` (3 days) between tries; after ``WAITING_LIMIT`` (60 days) of
#: waiting the row fails and the trainer may send it again by hand.
WAITING_FIRST = 3600.0
WAITING_CAP = 3 * 86400.0
WAITING_LIMIT = 60 * 86400.0


@dataclass(frozen=True)
class Verdict:
    """The judgement of one answer, with a reason for trainers.

    ``done``; ``transient`` (retry soon); ``waiting`` (the platform cannot take the score until someone
    there acts, e.g. publishes the assignment: retry on the long schedule); ``permanent``.
    """

    kind: Literal["done", "transient", "waiting", "permanent"]
    reason: str | None = None
    status: int | None = None
    retry_after: float | None = None


def backoff_seconds(attempts: int, base: float, cap: float) -> float:
    """Return ``min(cap, base * 2**attempts)`` with jitter of 0.5 to 1.5 times."""
    return min(cap, base * (2 ** min(attempts, 40))) * random.uniform(0.5, 1.5)


def waiting_seconds(waited: float, first: float = WAITING_FIRST, cap: float = WAITING_CAP) -> float:
    """Return the pause before the next try of a row that has been waiting ``waited`` seconds (no jitter).

    ``max(first, waited)`` capped at ``cap``: tries at 1 h, 2 h, 4 h, 8 h... after the first refusal.
    """
    return min(cap, max(first, waited))


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
        return _judge_422(response)
    return Verdict("permanent", f"The platform refused the request while {what} ({status}): "
                                f"{_excerpt(response)}", status)


def _judge_422(response: requests.Response) -> Verdict:
    """Canvas answers 422 for an unpublished assignment (deep-linked ones start unpublished), for people who
    are not students there, and for a concluded course. Only the first goes away by itself: it is retried on
    the long waiting schedule and arrives once a teacher publishes the assignment.
    """
    text = response.text.lower()
    if "not a student" in text or "user not found" in text:
        return Verdict("permanent", "The platform cannot grade this person in this course (422): it does not list "
                                    "them as a student, for example because they observe or teach the course.", 422)
    if "concluded" in text:
        return Verdict("permanent", "The course has ended on the platform, so it takes no more scores (422).", 422)
    if "unpublished" in text:
        return Verdict("waiting", "Waiting for the assignment to be published: the platform takes scores only for "
                                  "published assignments (422). The score is sent by itself after a teacher "
                                  "publishes it.", 422)
    return Verdict("waiting", f"The platform could not take the score yet (422: {_excerpt(response)}). This "
                              "usually means the assignment is not published yet; the tool tries again for a "
                              "while, and a teacher can publish the assignment and press “Send now”.", 422)
