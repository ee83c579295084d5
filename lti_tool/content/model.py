"""Immutable content objects built by the loader. Features read these, never raw YAML.

HTML attributes (``html``, ``introduction_html``, ``guidance_html``, ``story_html``) hold sanitised HTML rendered
once at load time. Their ``ref:`` links point at ``#ref-<package>-<item>`` anchors (with ``data-ref``);
:meth:`ContentLibrary.html` (or the ``content_html`` template filter) swaps in the URLs the features register.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping, Union

from .errors import ContentNotFound
from .profile_model import (Action, Case, CaseSet, Choice, Domain, Instrument, Person, Rating, Scale, ScaleValue,
                            Suggestion)
from .schemas import SCORED_TYPES

__all__ = ["Action", "Activity", "Author", "Body", "Case", "CaseSet", "Chapter", "Choice", "Course", "Domain", "Entry",
           "GlossaryTerm", "Instrument", "Manual", "Module", "Option", "Package", "Page", "Person", "Question", "Quiz",
           "Rating", "RefTarget", "Scale", "ScaleValue", "Suggestion", "Translation", "frozen_map"]


def frozen_map(data: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    """Return a read-only mapping."""
    return MappingProxyType(dict(data or {}))


@dataclass(frozen=True)
class Page:
    """A learning page (module page, activity) or manual chapter body."""

    id: str
    title: str
    content_note: str | None
    file: str  # path inside the package, e.g. modules/m01-foundations/01-words-matter.md
    html: str
    words: int
    lang: str
    direction: str


@dataclass(frozen=True)
class Activity(Page):
    """The case-based activity of a module."""

    reflection_prompts: tuple[str, ...] = ()
    case: str | None = None  # package-id/case-id
    debrief_html: str = ""  # model answer or commentary, shown after the learner saves a reflection


@dataclass(frozen=True)
class Chapter(Page):
    """A chapter of the manual."""

    number: int = 0
    summary: str = ""
    related: tuple[str, ...] = ()


@dataclass(frozen=True)
class Option:
    """A choice option with its feedback."""

    id: str
    text: str
    correct: bool
    feedback: str


@dataclass(frozen=True)
class Entry:
    """An ordering item (``id``, ``text``) or matching pair (``id``, ``left``, ``right``)."""

    id: str
    text: str = ""
    left: str = ""
    right: str = ""


@dataclass(frozen=True)
class Question:
    """One quiz question; fields not used by its ``type`` are empty."""

    id: str
    type: str
    prompt: str
    points: int = 1
    options: tuple[Option, ...] = ()
    answer: bool | None = None  # true_false
    explanation: str | None = None  # true_false
    items: tuple[Entry, ...] = ()  # ordering, in the correct order
    pairs: tuple[Entry, ...] = ()  # matching
    feedback: str | None = None  # ordering, matching
    model_answer: str | None = None  # short_answer
    scenario: bool = False  # sets out a practice situation

    @property
    def scored(self) -> bool:
        """Tell whether the question counts towards the score (short answers do not)."""
        return self.type in SCORED_TYPES

    @property
    def correct_option_ids(self) -> frozenset[str]:
        """Return the ids of the correct options (choice questions)."""
        return frozenset(o.id for o in self.options if o.correct)


@dataclass(frozen=True)
class Quiz:
    """A module quiz."""

    id: str
    module_id: str
    title: str
    pass_mark: float
    max_attempts: int | None
    keep: str
    time_limit_minutes: int | None
    shuffle: bool
    questions: tuple[Question, ...]
    draw: int | None = None  # scored questions drawn per attempt; None: all of them

    @property
    def scored_questions(self) -> tuple[Question, ...]:
        """Return the questions that count towards the score (the bank a draw is taken from)."""
        return tuple(q for q in self.questions if q.scored)

    @property
    def questions_per_attempt(self) -> int:
        """Return how many questions one attempt shows (the draw plus every unscored question)."""
        unscored = len(self.questions) - len(self.scored_questions)
        return (self.draw if self.draw is not None else len(self.scored_questions)) + unscored

    def question(self, question_id: str) -> Question:
        """Return a question by id."""
        for question in self.questions:
            if question.id == question_id:
                return question
        raise ContentNotFound(f"quiz {self.id} has no question {question_id}")

    @property
    def max_points(self) -> int:
        """Return the total points of the scored questions."""
        return sum(q.points for q in self.questions if q.scored)


@dataclass(frozen=True)
class Module:
    """A course module: pages in reading order, one activity, one quiz."""

    id: str
    number: int
    title: str
    summary: str
    duration_minutes: int
    objectives: tuple[str, ...]
    content_notes: tuple[str, ...]
    pages: tuple[Page, ...]
    activity: Activity
    quiz: Quiz
    related: tuple[str, ...]
    #: The module's statement in the pre- and post-course confidence self-assessment (may be empty).
    confidence: str = ""

    @property
    def words(self) -> int:
        """Return the word count of the learning pages (not the activity)."""
        return sum(page.words for page in self.pages)

    def page(self, page_id: str) -> Page:
        """Return a learning page or the activity by id."""
        for page in (*self.pages, self.activity):
            if page.id == page_id:
                return page
        raise ContentNotFound(f"module {self.id} has no page {page_id}")


@dataclass(frozen=True)
class GlossaryTerm:
    """A glossary entry."""

    id: str
    term: str
    definition: str


@dataclass(frozen=True)
class Course:
    """The course: modules in order and the course home text."""

    title: str
    introduction_html: str
    modules: tuple[Module, ...]
    glossary: tuple[GlossaryTerm, ...] = ()

    def module(self, module_id: str) -> Module:
        """Return a module by id."""
        for module in self.modules:
            if module.id == module_id:
                return module
        raise ContentNotFound(f"no module {module_id}")


@dataclass(frozen=True)
class Manual:
    """The manual: chapters in order and the glossary."""

    title: str
    introduction_html: str
    chapters: tuple[Chapter, ...]
    glossary: tuple[GlossaryTerm, ...]

    def chapter(self, chapter_id: str) -> Chapter:
        """Return a chapter by id."""
        for chapter in self.chapters:
            if chapter.id == chapter_id:
                return chapter
        raise ContentNotFound(f"no chapter {chapter_id}")


Body = Union[Course, Manual, Instrument, CaseSet]


@dataclass(frozen=True)
class Author:
    """An author, reviewer, translator or editor."""

    name: str
    role: str


@dataclass(frozen=True)
class Translation:
    """A translation declared in package.yaml."""

    language: str
    status: str
    reviewed_by: str | None = None


@dataclass(frozen=True)
class RefTarget:
    """What a ``ref:package-id/item-id`` link points at."""

    package_id: str
    item_id: str
    kind: str  # module, page, activity, quiz, chapter, case, domain or instrument
    item: Any
    parent_id: str | None = None  # the module of a page, activity or quiz

    @property
    def ref(self) -> str:
        """Return ``package-id/item-id``."""
        return f"{self.package_id}/{self.item_id}"


@dataclass(frozen=True)
class Package:
    """One content package in one language, with an index of its ``ref:`` targets."""

    id: str
    kind: str
    version: str
    title: str
    summary: str
    language: str  # the source language
    license: str
    authors: tuple[Author, ...]
    translations: tuple[Translation, ...]
    content_hash: str
    lang: str  # the language of this view (source or a translation)
    direction: str
    body: Body
    items: Mapping[str, RefTarget] = field(repr=False, default_factory=frozen_map)

    @property
    def status(self) -> str:
        """Return ``source`` for the source language, else this translation's declared status (complete, partial...)."""
        if self.lang == self.language:
            return "source"
        return next((t.status for t in self.translations if t.language == self.lang), "partial")

    @property
    def languages(self) -> tuple[str, ...]:
        """Return the source language followed by the declared translations."""
        return (self.language, *(t.language for t in self.translations))

    def item(self, item_id: str) -> RefTarget:
        """Return a ref target (module, page, quiz, chapter, case, domain...) by id."""
        try:
            return self.items[item_id]
        except KeyError:
            raise ContentNotFound(f"{self.id} has no item {item_id}") from None
