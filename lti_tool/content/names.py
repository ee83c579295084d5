"""Every fictional person is named once across all packages (``content validate``).

The content tree keeps a registry, ``NAMES.yaml`` next to the package folders. It lists each person
the texts name: the name, one line on who they are, and every file (relative to the tree) that names
them. A case's person is declared by the case itself (``person.pseudonym``) and must have an entry
that lists the case file. Real people named by a first name (an author, for example) are listed too,
with ``real: true``.

The check reads every Markdown and YAML file of the packages and looks for capitalised personal first
names: those in :data:`FIRST_NAMES` (a curated list of common first names of many origins) and those
in the registry. It reports:

* a name with two entries (two people share it);
* a name in a file its entry does not list (a second person with the same name, or a missing file);
* a name from the curated list with no entry at all;
* an entry whose files do not exist or no longer name the person;
* a case whose person has no entry listing the case file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import ContentIssue

REGISTRY = "NAMES.yaml"
SKIPPED = {"FORMAT.md", REGISTRY}

# Common personal first names of many origins. A name here that appears in the content must have an
# entry in NAMES.yaml. Names that are also ordinary English words ("Will", "Hope", "May", "Mark") are
# left out on purpose: they would be found in every sentence that uses the word.
FIRST_NAMES = frozenset("""
Aaron Abdul Abdullah Adam Adrian Agata Agnieszka Ahmed Aida Aisha Alba Albert Aleksander Aleksandra Alex Alexander
Alexandra Ali Alice Alina Amina Amir Ana Anders Andrea Andreas Andrei Andrzej Anita Anna Anne Antonio Arben Aron
Astrid Bartosz Beatriz Ben Bilal Bogdan Boris Carla Carlos Chiara Chloe Christian Claire Clara Daniel Dario David
Denis Desislava Dimitar Dorota Ebru Edin Elena Elif Elin Elsa Emil Emilia Emma Enes Erik Eva Fatima Ferenc Filip
Florin Francesca Gabriel Georgi Giulia Giuseppe Grace Greta Gunnar Hamza Hana Hanna Hannah Hassan Helena Henrik
Hugo Ibrahim Idris Ilir Ines Ingrid Irena Irina Isabel Ivan Ivana Ivo Jakub Jamal Jamie Jan Jana Jens Joanna
Johan Jonas Joseph Josef Julia Julien Kai Karel Karim Karin Katarina Kevin Khalid Kitti Krasimir Lars Laura
Leila Lena Leon Liam Lina Lotte Lucas Luka Lukas Marco Marek Margit Marguerite Maria Marie Marius Marko Marta
Martin Mateo Maureen Mehmet Mila Milan Mimoza Miriam Mohamed Mohammed Muhammad Nadia Niamh Nikola Nina Noor
Oliver Omar Orla Pavel Pedro Peter Petra Piotr Rami Rasmus Ruth Sami Samir Samira Sandro Sara Sarah Saskia
Sebastian Sofia Sophie Stefan Sven Tendai Tereza Tibor Tomas Tomasz Tony Valentina Vesna Viktor Yasmin Youssef
Yusuf Zoran Zsofia Étienne
""".split())

_WORD = re.compile(r"\b[A-ZÀ-Þ][\wÀ-ÿ]*\b")


@dataclass(frozen=True)
class Person:
    """One registry entry."""

    name: str
    who: str
    files: tuple[str, ...]
    real: bool = False


def _text_files(root: Path) -> list[Path]:
    files = []
    for path in sorted(root.rglob("*")):
        if path.suffix in (".md", ".yaml", ".yml") and path.is_file() and path.name not in SKIPPED:
            if not any(part.startswith(".") for part in path.relative_to(root).parts):
                files.append(path)
    return files


_TRANSLATION = re.compile(r"^([^/]+)/i18n/[^/]+/")


def source_of(rel: str) -> str:
    """The source file a translation stands for (``pkg/i18n/fr/x.md`` is ``pkg/x.md``); other paths unchanged.

    A translation names the same people as its source, so the registry lists the source file only.
    """
    return _TRANSLATION.sub(r"\1/", rel, count=1)


def load_registry(root: Path) -> tuple[list[Person], list[ContentIssue]]:
    """Read ``NAMES.yaml``; return its entries and any problem with its form."""
    path = root / REGISTRY
    if not path.is_file():
        return [], [ContentIssue(REGISTRY, "", "the registry of fictional names is missing: list every person the "
                                                 "texts name (name, who, files)")]
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        return [], [ContentIssue(REGISTRY, "", f"not valid YAML: {exc}")]
    people: list[Person] = []
    issues: list[ContentIssue] = []
    for index, entry in enumerate(data.get("people") or []):
        where = f"people[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry.get("files") \
                or not isinstance(entry.get("who"), str) or not entry["who"].strip():
            issues.append(ContentIssue(REGISTRY, where, "each entry needs a name, a one-line 'who' and a list of files"))
            continue
        people.append(Person(entry["name"], entry["who"].strip(), tuple(entry["files"]), bool(entry.get("real"))))
    return people, issues


def check_names(root: Path) -> list[ContentIssue]:
    """Return every naming problem in the content tree at ``root``."""
    people, issues = load_registry(root)
    by_name: dict[str, list[Person]] = {}
    for person in people:
        by_name.setdefault(person.name, []).append(person)
    for name, entries in by_name.items():
        if len(entries) > 1:
            whos = "; ".join(e.who for e in entries)
            issues.append(ContentIssue(REGISTRY, name, f"the name {name!r} is used for {len(entries)} different "
                                                       f"people ({whos}): give all but one a new name"))
    watched = FIRST_NAMES | set(by_name)
    found: dict[str, set[str]] = {}
    for path in _text_files(root):
        rel = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8")
        for word in set(_WORD.findall(text)) & watched:
            found.setdefault(word, set()).add(rel)
        if path.parent.name == "cases" and path.suffix == ".yaml":
            try:
                case = yaml.safe_load(text) or {}
            except yaml.YAMLError:
                continue  # the loading checks report it
            pseudonym = (case.get("person") or {}).get("pseudonym") if isinstance(case, dict) else None
            if isinstance(pseudonym, str) and not any(source_of(rel) in p.files for p in by_name.get(pseudonym, ())):
                issues.append(ContentIssue(rel, "person.pseudonym", f"{pseudonym!r} has no entry in {REGISTRY} "
                                                                    "that lists this case"))
    for name, files in sorted(found.items()):
        entries = by_name.get(name)
        if not entries:
            for rel in sorted(files):
                issues.append(ContentIssue(rel, "", f"names {name!r}, who has no entry in {REGISTRY}: add one "
                                                    "(or choose a name no one else has)"))
            continue
        listed = {f for e in entries for f in e.files}
        for rel in sorted(f for f in files if source_of(f) not in listed):
            issues.append(ContentIssue(rel, "", f"names {name!r}, but {REGISTRY} gives that name to "
                                                f"{entries[0].who!r} in other files: if this is another person, "
                                                "give them a name no one else has"))
    for person in people:
        for rel in person.files:
            if rel not in found.get(person.name, set()):
                issues.append(ContentIssue(REGISTRY, person.name, f"{rel} does not name {person.name!r} (any more): "
                                                                  "remove it from the entry"))
    return sorted(issues, key=ContentIssue.sort_key)
