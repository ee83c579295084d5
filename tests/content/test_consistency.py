"""The shipped packages say the same thing everywhere: domain names, "11 domains plus one optional", faith.

* A domain named as such (a numbered table row or heading, a quiz matching answer, "Pressures and pulls
  from ... networks") uses the instrument's title, word for word.
* Wherever the number of domains is given, it is "11 domains plus one optional"; never "eleven" or "12".
* No text advises leaving out a faith community: belonging to one may be a strength, recorded in neutral
  words with consent. (Not recording a person's religion *as such* is the rule, and is allowed here.)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

SHIPPED = Path(__file__).resolve().parents[2] / "content_packages"
TEXT_PACKAGES = ("r2com-course", "r2com-manual", "r2com-cases")


def _domains() -> dict[int, str]:
    data = yaml.safe_load((SHIPPED / "r2com-instrument" / "instrument.yaml").read_text(encoding="utf-8"))
    return {d["number"]: d["title"] for d in data["domains"]}


def _texts(packages=TEXT_PACKAGES) -> list[tuple[str, str]]:
    files = []
    for package in packages:
        for path in sorted((SHIPPED / package).rglob("*")):
            if path.suffix in (".md", ".yaml"):
                files.append((path.relative_to(SHIPPED).as_posix(), path.read_text(encoding="utf-8")))
    return files


def _first_words(title: str, n: int = 2) -> str:
    return " ".join(title.lower().replace(",", "").split()[:n])


def domain_name_problems(files: list[tuple[str, str]], domains: dict[int, str]) -> list[str]:
    """Return every place that names a domain with words other than the instrument's title."""
    problems = []
    starts = {_first_words(title): title for title in domains.values()}
    networks = re.search(r"Pressures and pulls from (.+?) networks", domains[10])
    assert networks, domains[10]
    for rel, text in files:
        flat = re.sub(r"\s+", " ", text)
        rows = re.findall(r"^\|\s*(\d{1,2})\s*\|\s*([^|]+?)\s*\|", text, re.M)
        heads = re.findall(r"^#+\s*(\d{1,2})(?:\s*\(optional\))?\.\s+(.+?)\s*$", text, re.M)
        for number, name in rows + heads:
            title = domains.get(int(number))
            name = re.sub(r"\*\*|\s*\(optional\)$", "", name).strip()
            if title and _first_words(name, 1) == _first_words(title, 1) and name != title:
                problems.append(f"{rel}: domain {number} is called {name!r}, the instrument says {title!r}")
        for answer in re.findall(r"right:\s*\"?([^\"}\n]+?)\"?\s*}", text):
            title = starts.get(_first_words(answer))
            if title and answer.strip() != title:
                problems.append(f"{rel}: matching answer {answer!r} should be {title!r}")
        for word in re.findall(r"pressures and pulls from (\w+) networks", flat, re.I):
            if word.lower() != networks.group(1).lower():
                problems.append(f"{rel}: 'pressures and pulls from {word} networks' should say {networks.group(1)!r}")
        for old in re.findall(r"\b(?:extremist|old) networks\b", flat, re.I):
            problems.append(f"{rel}: {old!r} is not the domain's name ({domains[10]!r})")
    return problems


COUNT = re.compile(r"\b(?:11|eleven|12|twelve|twelfth)\s+(?:core\s+)?(?:life\s+)?(?:domains?|areas?)\b", re.I)
CANONICAL = "11 domains plus one optional"


def count_problems(files: list[tuple[str, str]]) -> list[str]:
    """Return every place that gives the number of domains in another way than the canonical one."""
    problems = []
    for rel, text in files:
        flat = re.sub(r"\s+", " ", text)
        for match in COUNT.finditer(flat):
            if flat[match.start():match.start() + len(CANONICAL)] != CANONICAL:
                problems.append(f"{rel}: {flat[max(0, match.start() - 30):match.end() + 30]!r} must say {CANONICAL!r}")
        problems += [f"{rel}: {m!r}" for m in re.findall(r"optional (?:12th|twelfth)", flat, re.I)]
    return problems


REFUSE = re.compile(r"leave (?:it |them |this )?out|left out|leaving out|omit|(?:do not|don't|never|not to) "
                    r"(?:record|note|write|mention)", re.I)
COMMUNITY = re.compile(r"faith communit|faith group|religious communit|church|mosque|temple|synagogue|chapel|"
                       r"place of worship|congregation", re.I)


def faith_problems(files: list[tuple[str, str]]) -> list[str]:
    """Return every clause that tells the reader to leave out or not record a faith community."""
    problems = []
    for rel, text in files:
        for clause in re.split(r"[.;!?\n]", re.sub(r"[ \t]+", " ", text)):
            if REFUSE.search(clause) and COMMUNITY.search(clause):
                problems.append(f"{rel}: {clause.strip()!r}")
    return problems


ALL = ("r2com-course", "r2com-manual", "r2com-cases", "r2com-instrument")


def test_every_domain_is_called_by_the_instruments_name() -> None:
    assert domain_name_problems(_texts(ALL), _domains()) == []


def test_the_domain_count_is_said_the_same_way_everywhere() -> None:
    files = _texts()
    assert count_problems(files) == []
    said = [rel for rel, text in files if CANONICAL in re.sub(r"\s+", " ", text)]
    assert len(said) >= 10  # the course and the guide do give the count, in the canonical words
    assert any(rel.startswith("r2com-course/") for rel in said) and any(rel.startswith("r2com-manual/") for rel in said)


def test_no_text_advises_leaving_out_a_faith_community() -> None:
    files = _texts(ALL)
    assert faith_problems(files) == []
    # ... and the course, the guide and the instrument each say it may be recorded as a strength.
    strength = re.compile(r"faith communit[^.]*?(strength|counts like any other group)", re.I)
    for package in ALL[:2] + ALL[3:]:
        assert any(strength.search(re.sub(r"\s+", " ", t)) for rel, t in files if rel.startswith(package)), package


@pytest.mark.parametrize("text, found", [
    ("| 10 | Pressures and pulls from extremist networks and narratives | x |", 3),
    ("## 10. Pressures and pulls from old networks and narratives\n", 3),
    ("- {id: p4, left: A, right: Pressures and pulls from networks}\n", 1),
    ("| 4 | Family and friends | x |", 1),
    ("| 4 | Family and close relationships | x |\n| 4 | Week one | x |", 0),
])
def test_the_domain_name_check_can_fail(text: str, found: int) -> None:
    assert len(domain_name_problems([("x.md", text)], _domains())) == found


@pytest.mark.parametrize("text, found", [
    ("The profile covers 11 domains.", 1), ("in eleven areas of life", 1), ("the optional twelfth domain", 2),
    ("across the 11 domains plus one optional of the profile", 0), ("the 12 areas of the profile", 1),
])
def test_the_count_check_can_fail(text: str, found: int) -> None:
    assert len(count_problems([("x.md", text)])) == found


@pytest.mark.parametrize("text, found", [
    ("If he goes to a mosque, leave it out of the profile.", 1),
    ("Do not record that she goes to church.", 1),
    ("Do not record religion. A faith community may be a strength, noted with consent.", 0),
])
def test_the_faith_check_can_fail(text: str, found: int) -> None:
    assert len(faith_problems([("x.md", text)])) == found


def _instrument() -> dict:
    return yaml.safe_load((SHIPPED / "r2com-instrument" / "instrument.yaml").read_text(encoding="utf-8"))


def test_each_client_prompt_asks_one_thing() -> None:
    """The person answers on one scale, so their prompt asks one question, not two joined by "and"."""
    two_part = [(d["id"], d["client_prompt"]) for d in _instrument()["domains"]
                if d["client_prompt"].count("?") != 1 or re.search(r",\s*(and|or)\s+(is|are|what|how|do|will)\b",
                                                                     d["client_prompt"])]
    assert not two_part, two_part


def test_no_family_meeting_without_asking_about_violence_or_control_first() -> None:
    """Module 6 teaches it: a family meeting or mediation is offered only after a private check for abuse."""
    for domain in _instrument()["domains"]:
        for group in domain.get("suggestions") or []:
            for action in group["actions"]:
                if re.search(r"mediation|family meeting", action["text"], re.I):
                    assert re.search(r"alone|in private", action["text"]) and \
                        re.search(r"hurts|threatens|controls|violen|abuse", action["text"]), action


def test_pressure_from_the_former_group_goes_to_safeguarding() -> None:
    networks = next(d for d in _instrument()["domains"] if d["number"] == 10)
    guidance = " ".join(networks["guidance"].split())
    assert re.search(r"(pressing|threatening|coercing)[^.]*former group|former group[^.]*(pressing|threatening|coerc)",
                     guidance) and "safeguarding route" in guidance, guidance
