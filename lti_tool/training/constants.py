"""Item kinds, custom parameter names and the small value types shared across the training feature."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qs, urlsplit

#: Custom parameter that names what a link opens.
P_ITEM = "r2com_item"
#: Custom parameter with the module or chapter id.
P_ID = "r2com_id"
#: Custom parameter with the fictional case id of a case exercise.
P_CASE = "r2com_case"
#: Custom parameter saying how reading is reported to the gradebook (chapters and the manual).
P_REPORT = "r2com_report"
#: Custom parameter saying when a module counts as completed (sent only when not the default, "pass").
P_COMPLETE = "r2com_complete"

#: Every module quiz is reported out of 100 (the lineItem's scoreMaximum).
MODULE_SCORE_MAXIMUM = 100
#: Source kinds written to the grade outbox by this feature.
SOURCE_QUIZ = "quiz_attempt"
SOURCE_CHAPTER = "chapter_read"
SOURCE_MANUAL = "manual_read"


class ItemKind(StrEnum):
    """What a placed link opens."""

    MODULE = "module"
    CHAPTER = "chapter"
    MANUAL = "manual"
    CASE_EXERCISE = "case-exercise"
    CASEWORK = "casework"
    DASHBOARD = "dashboard"


class Report(StrEnum):
    """How reading a chapter or the manual is reported to the gradebook."""

    #: Nothing is sent; no gradebook column is created.
    NONE = "none"
    #: activityProgress Completed with no score (gradingProgress NotReady). Opt-in only: Moodle stores it as a
    #: null grade (no activity completion) and Canvas as a submission that "needs grading".
    COMPLETION = "completion"
    #: Completed and FullyGraded with scoreGiven 1 of 1: a grade in Moodle and Canvas. The picker's default.
    SCORE = "score"


class Completion(StrEnum):
    """When a module counts as completed on the trainer dashboard (every page read, and then...)."""

    #: ...the kept quiz attempt passed. A failed best attempt is never "completed". The default.
    PASS = "pass"
    #: ...a quiz attempt was submitted, whatever its score (the trainer chose this in the picker).
    SUBMIT = "submit"


class Presentation(StrEnum):
    """How the LMS should open a placed link."""

    IFRAME = "iframe"
    WINDOW = "window"


@dataclass(frozen=True)
class Item:
    """A placeable item: a kind and, for modules, chapters and cases, an id.

    Attributes:
        kind: The item kind.
        id: The module, chapter or case id; empty for the manual, casework and the dashboard.
        report: For chapters and the manual: how reading is reported.
        completion: For modules: when the module counts as completed.
    """

    kind: ItemKind
    id: str = ""
    report: Report = Report.NONE
    completion: Completion = Completion.PASS

    @property
    def key(self) -> str:
        """Return ``kind:id`` (or just ``kind``), the item's identity across links."""
        return f"{self.kind}:{self.id}" if self.id else str(self.kind)

    @property
    def graded(self) -> bool:
        """Tell whether the item gets a gradebook column (casework never does: DP-6)."""
        if self.kind in (ItemKind.MODULE, ItemKind.CASE_EXERCISE):
            return True
        if self.kind in (ItemKind.CHAPTER, ItemKind.MANUAL):
            return self.report != Report.NONE
        return False

    def custom(self) -> dict[str, str]:
        """Return the custom parameters that open this item (never empty)."""
        params = {P_ITEM: str(self.kind)}
        if self.kind == ItemKind.CASE_EXERCISE:
            params[P_CASE] = self.id
        elif self.id:
            params[P_ID] = self.id
        if self.kind in (ItemKind.CHAPTER, ItemKind.MANUAL):
            params[P_REPORT] = str(self.report)
        if self.kind == ItemKind.MODULE and self.completion != Completion.PASS:
            params[P_COMPLETE] = str(self.completion)
        return params

    @classmethod
    def parse_key(cls, key: str, report: str | None = None, completion: str | None = None) -> "Item | None":
        """Return the item of a ``kind:id`` key, or None when it names no known kind."""
        kind, _, item_id = key.partition(":")
        return cls.from_params({P_ITEM: kind, P_ID: item_id, P_CASE: item_id, P_REPORT: report or "",
                                P_COMPLETE: completion or ""})

    @classmethod
    def from_params(cls, params: dict[str, str] | None) -> "Item | None":
        """Return the item named by custom (or query) parameters, or None."""
        if not params:
            return None
        try:
            kind = ItemKind(str(params.get(P_ITEM, "")).strip())
        except ValueError:
            return None
        try:
            report = Report(str(params.get(P_REPORT) or "none"))
        except ValueError:
            report = Report.NONE
        if kind == ItemKind.CASE_EXERCISE:
            case = str(params.get(P_CASE) or "").strip()
            return cls(kind, case) if case else None
        if kind == ItemKind.MODULE:
            item_id = str(params.get(P_ID) or "").strip()
            try:
                completion = Completion(str(params.get(P_COMPLETE) or "pass"))
            except ValueError:
                completion = Completion.PASS
            return cls(kind, item_id, Report.NONE, completion) if item_id else None
        if kind == ItemKind.CHAPTER:
            item_id = str(params.get(P_ID) or "").strip()
            return cls(kind, item_id, report) if item_id else None
        return cls(kind, "", report if kind == ItemKind.MANUAL else Report.NONE)

    @classmethod
    def from_url(cls, url: str | None) -> "Item | None":
        """Return the item named in the query of a target link URL, or None."""
        if not url:
            return None
        query = parse_qs(urlsplit(url).query)
        return cls.from_params({k: v[0] for k, v in query.items() if v})
