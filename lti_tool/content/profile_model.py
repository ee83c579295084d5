"""Immutable objects of the instrument and case-set packages (re-exported by :mod:`.model`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .errors import ContentNotFound


@dataclass(frozen=True)
class ScaleValue:
    """One value of a rating scale with its label."""

    value: str
    label: str
    description: str | None = None


@dataclass(frozen=True)
class Scale:
    """A rating scale (need, strength, client_view, agreement, discussed)."""

    name: str
    values: tuple[ScaleValue, ...]

    def label(self, value: str) -> str:
        """Return the label of a value."""
        for entry in self.values:
            if entry.value == value:
                return entry.label
        raise ContentNotFound(f"scale {self.name} has no value {value}")

    @property
    def value_ids(self) -> tuple[str, ...]:
        """Return the values in order."""
        return tuple(entry.value for entry in self.values)


@dataclass(frozen=True)
class Action:
    """A suggested support action."""

    id: str
    text: str


@dataclass(frozen=True)
class Suggestion:
    """A row of the suggestion table: the need values it applies to and its actions."""

    need: tuple[str, ...]
    actions: tuple[Action, ...]


@dataclass(frozen=True)
class Domain:
    """An instrument domain."""

    id: str
    number: int
    title: str
    client_title: str
    levels: tuple[str, ...]
    optional: bool
    guidance_html: str
    need_prompts: tuple[str, ...]
    strength_prompts: tuple[str, ...]
    client_prompt: str
    suggestions: tuple[Suggestion, ...]

    def actions_for(self, need: str) -> tuple[Action, ...]:
        """Return the suggested actions for a need value, without duplicates, in table order."""
        seen: dict[str, Action] = {}
        for row in self.suggestions:
            if need in row.need:
                for action in row.actions:
                    seen.setdefault(action.id, action)
        return tuple(seen.values())


@dataclass(frozen=True)
class Choice:
    """An id with a label (occasion types)."""

    id: str
    label: str


@dataclass(frozen=True)
class Instrument:
    """The support profile: scales, domains in interview order, suggestions."""

    id: str
    title: str
    client_title: str
    statement: str
    introduction_html: str
    occasion_types: tuple[Choice, ...]
    scales: Mapping[str, Scale]
    information_sources: tuple[ScaleValue, ...]
    max_priorities: int
    domains: tuple[Domain, ...]

    def domain(self, domain_id: str) -> Domain:
        """Return a domain by id."""
        for domain in self.domains:
            if domain.id == domain_id:
                return domain
        raise ContentNotFound(f"no domain {domain_id}")

    @property
    def required_domains(self) -> tuple[Domain, ...]:
        """Return the domains that are not optional."""
        return tuple(d for d in self.domains if not d.optional)


@dataclass(frozen=True)
class Person:
    """The fictional person of a case."""

    pseudonym: str
    age: int
    gender: str
    background: str


@dataclass(frozen=True)
class Rating:
    """The expert reference rating of one domain."""

    need: str
    strength: str
    key_facts: tuple[str, ...]
    reason: str = ""  # what the reference saw in the story and why


@dataclass(frozen=True)
class Case:
    """A fictional case study with its reference profile."""

    id: str
    fictional: bool
    title: str
    summary: str
    context: str
    person: Person
    content_notes: tuple[str, ...]
    story_html: str
    words: int
    reference_profile: Mapping[str, Rating]
    file: str
    lang: str
    direction: str


@dataclass(frozen=True)
class CaseSet:
    """The fictional cases, in file-name order."""

    cases: tuple[Case, ...]

    def case(self, case_id: str) -> Case:
        """Return a case by id."""
        for case in self.cases:
            if case.id == case_id:
                return case
        raise ContentNotFound(f"no case {case_id}")
