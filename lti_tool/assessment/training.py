"""Training mode: a learner completes the profile form on a fictional case and gets feedback.

The scoring rule (also shown to learners and trainers on the exercise pages, ``SCORING_RULE``), per
domain the reference profile rates:

* **Support need**, up to 2 points: 2 for the reference's value, 1 for one step away on the 0-3 scale,
  0 otherwise. "Not known" is a value of its own: it earns 2 points where the reference says "not known"
  (the case gives no evidence) and nothing elsewhere.
* **Strengths**, up to 1 point: 1 for the reference's value, 0 otherwise (the scale has only three
  steps, so "one step away" would reward any middle answer).
* **Evidence note**, up to 3 points: 3 when it mentions at least half of the key facts, 1 when it mentions
  fewer, minus 1 for each labelling word (a word that judges the person instead of describing what
  happened), never below 0. A note longer than 100 words earns at most 1 point: evidence notes are short,
  and pasting the story into every note must not collect the key facts. The note carries half of the points
  because writing down what was seen and said, without labels, is the core of the practice.

So a profile with the same rating in every domain scores low: the reference profiles use every value,
including "not known", and the validator checks that no uniform rating reaches 40 % on any case.
The resulting training score measures the learner's skill (never a person) and is the only score this
package sends to the LMS, through the grade outbox.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import wordlists
from ..db import utcnow
from ..errors import NotFound
from ..extensions import db
from ..lti.constants import Role
from ..lti.session import ToolSession
from . import instrument as inst
from .errors import TrainingError
from .scanner import CHARACTER_WORDS
from .schemas import draft_from_form, merge_touched, validate_draft
from .training_models import TrainingAttempt, TrainingResult

NEED_POINTS = 2
STRENGTH_POINTS = 1
EVIDENCE_POINTS = 3
POINTS_PER_DOMAIN = NEED_POINTS + STRENGTH_POINTS + EVIDENCE_POINTS
#: A uniform rating (the same need and strength in every domain) must score under this share on every case.
UNIFORM_LIMIT = 0.4
NOT_KNOWN = "not_known"
#: A longer evidence note earns at most 1 point for key facts.
NOTE_WORD_LIMIT = 100
#: Words that label or judge the person; each one in an evidence note costs a point of that domain. Words
#: that also describe facts ("weak knee", "criminal record") are left out so that a fair note never loses.
LABEL_WORDS = tuple(dict.fromkeys((*(w for w in CHARACTER_WORDS if w not in ("weak",)), "radicalised",
                                   "radicalized", "jihadist", "islamist", "nazi", "thug", "ex-con", "junkie",
                                   "addict", "crazy", "paranoid", "brainwashed", "hothead", "attention-seeking",
                                   "work-shy", "scrounger",
                                   # Notes written in the partners' languages (the cases ship in French and
                                   # Portuguese) are held to the same rule.
                                   *(w for lang, words in wordlists.CHARACTER_WORDS.items() if lang != "en"
                                     for w in words))))
SCORING_RULE = (
    _l("Each area of the profile gives up to 6 points."),
    _l("Support need, up to 2 points: 2 for the reference rating, 1 for one step away, 0 otherwise. “Not known "
       "yet” counts as its own answer: it earns the 2 points where the case gives no evidence and the reference "
       "says “not known yet”, and nothing where the case does give evidence."),
    _l("Strengths, up to 1 point: 1 for the reference rating, 0 otherwise."),
    _l("Evidence note, up to 3 points: 3 if it mentions at least half of the key facts, 1 if it mentions fewer. "
       "Each labelling word (a word that judges the person, such as “manipulative” or “fanatic”, instead of "
       "saying what happened) takes away 1 point, down to 0. A note of more than 100 words earns at most 1 point: "
       "evidence notes are short."),
    _l("Giving the same rating in every area scores low on every case: people's situations differ from one area "
       "to the next, and the reference profiles say “not known yet” where the story gives no evidence."),
)
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_WORD = re.compile(r"[\w'-]+", re.UNICODE)
_STOP = frozenset("""a an and are as at be been but by for from had has have he her his in into is it its
not of on or she so than that the their them then there they this to was were when where which who with
would about after also any been can could did does done down each few first his how just may more most much
must now off only other our out over same should some such too under very what will your yet""".split())


@dataclass(frozen=True)
class DomainFeedback:
    """How one domain of an attempt compares with the reference profile."""

    domain_id: str
    need_given: str
    need_reference: str
    need_close: bool
    strength_given: str
    strength_reference: str
    strength_close: bool
    facts_found: list[str] = field(default_factory=list)
    facts_missed: list[str] = field(default_factory=list)
    evidence_ok: bool = False
    character_words: list[str] = field(default_factory=list)
    need_points: int = 0
    strength_points: int = 0
    evidence_points: int = 0
    reason: str = ""
    note_too_long: bool = False

    @property
    def points(self) -> int:
        return self.need_points + self.strength_points + self.evidence_points


def within_one(given: str, reference: str) -> bool:
    """Tell whether a rating is within one step of the reference ("not known" never is)."""
    if not (str(given).isdigit() and str(reference).isdigit()):
        return str(given) == str(reference)
    return abs(int(given) - int(reference)) <= 1


def need_points(given: str, reference: str) -> int:
    """Return the points for a need rating: 2 exact, 1 one step away on the numeric scale, else 0."""
    if str(given) == str(reference):
        return NEED_POINTS
    if str(given).isdigit() and str(reference).isdigit() and abs(int(given) - int(reference)) == 1:
        return 1
    return 0


def strength_points(given: str, reference: str) -> int:
    """Return the points for a strengths rating: 1 for the reference value, else 0."""
    return STRENGTH_POINTS if str(given) == str(reference) else 0


def label_words(note: str) -> list[str]:
    """Return the labelling words in a note, each once, in list order."""
    norm = " " + " ".join(m.group(0).lower() for m in _WORD.finditer(note or "")) + " "
    return [w for w in LABEL_WORDS if re.search(r"\s" + re.escape(w) + r"s?\s", norm)]


def _stems(text: str) -> set[str]:
    words = [w.lower() for w in _TOKEN.findall((text or "").replace(",", ""))]
    return {w if w.isdigit() else w[:5] for w in words if w.isdigit() or (len(w) > 2 and w not in _STOP)}


def mentions(note: str, fact: str) -> bool:
    """Tell whether a note mentions a key fact: at least half of the fact's content words appear."""
    wanted = _stems(fact)
    if not wanted:
        return False
    return len(wanted & _stems(note)) * 2 >= len(wanted)


def compare_domain(domain_id: str, answers: Mapping[str, Any], reference: Mapping[str, Any]) -> DomainFeedback:
    """Compare one domain's answers with its reference entry (see the module docstring for the rule)."""
    note = str(answers.get("evidence_note", "") or "")
    facts = [str(f) for f in reference.get("key_facts", [])]
    found = [f for f in facts if mentions(note, f)]
    labels = label_words(note)
    enough = bool(facts) and len(found) >= math.ceil(len(facts) / 2)
    too_long = len(_WORD.findall(note)) > NOTE_WORD_LIMIT
    earned = EVIDENCE_POINTS if enough else 1 if found else 0
    evidence = max(0, (min(earned, 1) if too_long else earned) - len(labels))
    need_given = str(answers.get("need", NOT_KNOWN) or NOT_KNOWN)
    strength_given = str(answers.get("strength", NOT_KNOWN) or NOT_KNOWN)
    need_ref, strength_ref = str(reference["need"]), str(reference["strength"])
    return DomainFeedback(
        domain_id=domain_id,
        need_given=need_given, need_reference=need_ref, need_close=within_one(need_given, need_ref),
        strength_given=strength_given, strength_reference=strength_ref,
        strength_close=strength_given == strength_ref,
        facts_found=found, facts_missed=[f for f in facts if f not in found],
        evidence_ok=enough, character_words=labels,
        need_points=need_points(need_given, need_ref), strength_points=strength_points(strength_given, strength_ref),
        evidence_points=evidence, reason=str(reference.get("reason") or ""), note_too_long=too_long,
    )


def compare(reference_profile: Mapping[str, Any], answers: Mapping[str, Mapping[str, Any]],
            domain_ids: Iterable[str] | None = None) -> tuple[list[DomainFeedback], int, int]:
    """Compare an attempt with a reference profile; return (feedback per domain, points, maximum).

    Domains come in ``domain_ids`` order (default: the installed instrument's interview order); domains
    the reference does not rate are left out.
    """
    feedback = []
    for domain_id in (inst.domain_ids() if domain_ids is None else domain_ids):
        reference = reference_profile.get(domain_id)
        if reference is None:
            continue
        ref = reference if isinstance(reference, Mapping) else asdict(reference)
        feedback.append(compare_domain(domain_id, answers.get(domain_id, {}), ref))
    points = sum(f.points for f in feedback)
    return feedback, points, POINTS_PER_DOMAIN * len(feedback)


def uniform_scores(reference_profile: Mapping[str, Any], need_values: Iterable[str], strength_values: Iterable[str],
                   domain_ids: Iterable[str]) -> dict[tuple[str, str], float]:
    """Return the share of the maximum that each uniform rating earns (same need and strength everywhere).

    The notes are left empty: this measures what the ratings alone give away.
    """
    ids = list(domain_ids)
    out: dict[tuple[str, str], float] = {}
    strengths = list(strength_values)
    for need in need_values:
        for strength in strengths:
            answers = {d: {"need": need, "strength": strength, "evidence_note": ""} for d in ids}
            _feedback, points, maximum = compare(reference_profile, answers, ids)
            out[(need, strength)] = points / maximum if maximum else 0.0
    return out


# -- attempts --------------------------------------------------------------------------------------
def open_attempt(session: ToolSession, case_id: str) -> TrainingAttempt:
    """Return the learner's unfinished attempt at a case in this course, or start one. Flushes."""
    inst.get_case(case_id)
    attempt = db.session.execute(select(TrainingAttempt).where(
        TrainingAttempt.user_id == session.user_id, TrainingAttempt.context_id == session.context_id,
        TrainingAttempt.case_id == case_id, TrainingAttempt.submitted_at.is_(None))
        .order_by(TrainingAttempt.id.desc())).scalar()
    if attempt is None:
        attempt = TrainingAttempt(platform_id=session.platform_id, user_id=session.user_id,
                                  context_id=session.context_id, resource_link_id=session.resource_link_id,
                                  case_id=case_id, draft={})
        db.session.add(attempt)
        db.session.flush()
    return attempt


def get_attempt(session: ToolSession, attempt_id: int) -> TrainingAttempt:
    """Load one of the session user's own attempts."""
    attempt = db.session.get(TrainingAttempt, attempt_id)
    if attempt is None or attempt.user_id != session.user_id or attempt.platform_id != session.platform_id:
        raise NotFound(code="attempt_not_found")
    return attempt


def _editable(attempt: TrainingAttempt) -> None:
    if attempt.submitted_at is not None:
        raise TrainingError(_("This attempt has already been submitted."), code="attempt_submitted")


def autosave(attempt: TrainingAttempt, form: Mapping[str, Any]) -> list[str]:
    """Merge changed fields into the attempt's draft."""
    _editable(attempt)
    draft = dict(attempt.draft or {})
    applied = merge_touched(draft, form)
    if applied:
        attempt.draft = draft
        db.session.flush()
    return applied


def save_draft(attempt: TrainingAttempt, form: Mapping[str, Any]) -> None:
    """Store the whole form as the draft (no-JavaScript Save)."""
    _editable(attempt)
    attempt.draft = draft_from_form(form)
    db.session.flush()


def submit(session: ToolSession, attempt: TrainingAttempt, form: Mapping[str, Any]) -> dict[str, str] | TrainingResult:
    """Validate and submit an attempt, score it and queue the training score for the LMS.

    Returns:
        Field errors (the draft is kept), or the result. The caller commits the result and the
        outbox row together.
    """
    save_draft(attempt, form)
    answers, _fields, errors = validate_draft(attempt.draft)
    if errors:
        return errors
    # Key facts are looked for in the language the learner read the case in (the notes are written in it).
    case = inst.get_case(attempt.case_id, inst.reading_language())
    feedback, points, maximum = compare(case.reference_profile, answers)
    attempt.answers = answers
    attempt.submitted_at = utcnow()
    result = TrainingResult(attempt_id=attempt.id, score_given=float(points), score_maximum=float(maximum),
                            feedback={"domains": [asdict(f) | {"points": f.points} for f in feedback]})
    db.session.add(result)
    db.session.flush()
    grading = grading_session(session, case.id)
    if grading is not None:
        from ..services.outbox import enqueue_score

        close = sum(1 for f in feedback if f.need_points == NEED_POINTS and f.strength_close)
        facts = sum(1 for f in feedback if f.evidence_ok)
        enqueue_score(grading, source_kind="case-exercise", source_id=f"training-attempt-{attempt.id}",
                      score_given=float(points), score_maximum=float(maximum), activity_progress="Completed",
                      grading_progress="FullyGraded", started_at=attempt.started_at,
                      submitted_at=attempt.submitted_at,
                      comment=(f"Fictional case exercise: ratings matching the reference in {close} of "
                               f"{len(feedback)} domains; key facts noted in {facts}."),
                      # One gradebook column name for every learner, whatever language they read the case in.
                      label=inst.get_case(case.id).title, resource_id=case.id, tag="case-exercise")
        result.reported = True
    return result


def _is_case_link(session: ToolSession, case_id: str) -> bool:
    """Tell whether the session was launched from a link placed for this case exercise."""
    try:
        from ..training.constants import Item, ItemKind
        from ..training.placements import is_item_link
    except ImportError:  # the training feature is not installed: custom parameters only
        custom = session.data.get("custom") or {}
        return custom.get("r2com_item") == "case-exercise" and str(custom.get("r2com_case")) == case_id
    return is_item_link(session, Item(ItemKind.CASE_EXERCISE, case_id))


def _is_placed(session: ToolSession, case_id: str) -> bool:
    """Tell whether the case exercise is placed in the session's course (by deep linking or set-up)."""
    try:
        from ..training.constants import Item, ItemKind
        from ..training.placements import placement_of
    except ImportError:
        return False
    return placement_of(session.context_id, Item(ItemKind.CASE_EXERCISE, case_id)) is not None


def grading_session(session: ToolSession, case_id: str) -> ToolSession | None:
    """Return the session to send a learner's training score with, or None when it goes nowhere.

    A score goes to the launch's line item only when the launch's link is this exercise; when the
    exercise is placed elsewhere in the course, the outbox finds its column by ``resourceId``; practice
    on cases not placed in the course, and trainers' previews, are not sent.
    """
    from ..services.outbox import is_gradable

    if session.role != Role.LEARNER or not is_gradable(session):
        return None  # trainers, administrators and observers (e.g. Canvas membership#Mentor) get no score
    if _is_case_link(session, case_id):
        return session
    if _is_placed(session, case_id):
        ags = {k: v for k, v in (session.data.get("ags") or {}).items() if k != "lineitem"}
        return dataclasses.replace(session, data={**session.data, "ags": ags or None}, resource_link_id=None)
    return None


def result_of(attempt: TrainingAttempt) -> TrainingResult | None:
    """Return the result of a submitted attempt."""
    return db.session.execute(select(TrainingResult).where(TrainingResult.attempt_id == attempt.id)).scalar()
