"""Sources in the shipped course and guide (issue 12, item 5).

Every module and every chapter ends with a "Further reading" list; every sentence that says what research,
studies or surveys found cites a source in brackets; every citation and every further-reading entry can be
found in the guide's bibliography. These tests read the shipped Markdown, so a new page that makes an
uncited "research shows" claim fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lti_tool.config import PROJECT_ROOT
from lti_tool.content.library import load_library

SHIPPED = PROJECT_ROOT / "content_packages"
#: A sentence that reports a finding of research (not one that merely mentions research).
CLAIM = re.compile(r"\b(research|researchers|studies|a study|surveys|(?:systematic|rapid evidence) reviews?|the evidence)\b[^.!?]{0,120}?"
                   r"\b(shows?|showed|found|finds?|suggests?|points? to|links?|supports?|describes?|calls?|see)\b",
                   re.IGNORECASE)
#: A citation: "(Author, 2001)", "(Author & Other, 2017; Third et al., 2020)", or a named work "(CREST, *Title*".
CITATION = re.compile(r"\([^()]*\b(1[89]\d\d|20\d\d)[a-c]?\b[^()]*\)|\((CREST|VERA-2R|Australian Institute)[^()]*\)"
                      r"|\b[A-Z][\w-]+ (?:\([^()]*\))?\s*\((1[89]\d\d|20\d\d)[a-c]?\)")
CITED = re.compile(r"([A-Z][\w'-]+(?: [a-z]+ [A-Z][\w-]+)?)[^;()]*?,? ((?:1[89]|20)\d\d)[a-c]?\b")


def _body(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return text.split("---", 2)[2] if text.startswith("---") else text


def _section(text: str, heading: str) -> str:
    match = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    return match.group(1) if match else ""


def _pages() -> list[Path]:
    library = load_library(SHIPPED)
    course = library.course()
    files = [SHIPPED / "r2com-course" / page.file for module in course.modules for page in module.pages]
    files += [SHIPPED / "r2com-manual" / chapter.file for chapter in library.manual().chapters]
    return files


def _bibliography() -> str:
    chapter = next(c for c in load_library(SHIPPED).manual().chapters if c.id == "bibliography")
    return _body(SHIPPED / "r2com-manual" / chapter.file)


def _without_reading(text: str) -> str:
    return re.sub(r"^## (Further reading|Bibliography)\s*$.*?(?=^## |\Z)", "", text, flags=re.M | re.S)


def test_every_module_ends_with_a_further_reading_list() -> None:
    course = load_library(SHIPPED).course()
    for module in course.modules:
        last = SHIPPED / "r2com-course" / module.pages[-1].file
        entries = re.findall(r"^- .+\(\d{4}[a-c]?\)|^- .+\*", _section(_body(last), "Further reading"), re.M)
        assert len(entries) >= 3, f"{module.id}: its last page needs a 'Further reading' list of 3 or more works"


def test_every_chapter_ends_with_further_reading() -> None:
    for chapter in load_library(SHIPPED).manual().chapters:
        text = _body(SHIPPED / "r2com-manual" / chapter.file)
        headings = re.findall(r"^## (.+?)\s*$", text, re.M)
        assert "Further reading" in headings, f"chapter {chapter.id} has no 'Further reading' section"
        if chapter.id != "bibliography":
            assert headings[-1] == "Further reading", f"chapter {chapter.id}: 'Further reading' must come last"
            assert re.search(r"^- ", _section(text, "Further reading"), re.M), chapter.id


def test_research_claims_cite_a_source() -> None:
    uncited = []
    for path in _pages():
        for paragraph in re.split(r"\n\s*\n", _without_reading(_body(path))):
            for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z*\"])", paragraph.replace("\n", " ")):
                if CLAIM.search(sentence) and "in brackets" not in sentence and not CITATION.search(sentence) and not CITATION.search(paragraph):
                    uncited.append(f"{path.relative_to(SHIPPED)}: {sentence[:120]}")
    assert not uncited, "claims about research without a source:\n" + "\n".join(uncited)


def test_the_claim_check_can_fail() -> None:
    sentence = "Research shows that people who feel hopeful are more likely to stop offending."
    assert CLAIM.search(sentence) and not CITATION.search(sentence)
    assert CITATION.search(sentence[:-1] + " (Maruna, 2001).")


def test_citations_and_further_reading_are_in_the_bibliography() -> None:
    bibliography = _bibliography()
    entries = re.findall(r"^- (.+)$", _section(bibliography, "Bibliography"), re.M)
    assert len(entries) >= 40
    missing = []
    for path in _pages():
        text = _body(path)
        for item in re.findall(r"^- (.+)$", _section(text, "Further reading"), re.M):
            if item not in entries:
                missing.append(f"{path.name}: further reading not in the bibliography: {item[:80]}")
        for group in re.findall(r"\(([^()]*\b(?:1[89]|20)\d\d[a-c]?[^()]*)\)", _without_reading(text)):
            for author, year in CITED.findall(group):
                first = author.split()[0]
                if not any(first in entry and year in entry for entry in entries):
                    missing.append(f"{path.name}: citation {first} {year} is not in the bibliography")
    assert not missing, "\n".join(sorted(set(missing)))


@pytest.mark.parametrize("entry", ["Maruna, S. (2001)", "Regulation (EU) 2016/679", "Lösel, F."])
def test_bibliography_holds_the_core_sources(entry: str) -> None:
    assert entry in _bibliography()


def test_validate_requires_further_reading_in_chapters_and_modules(tree: Path) -> None:
    from .conftest import COURSE, edit, issues_of

    assert issues_of(tree) == []
    edit(tree / "demo-manual/chapters/01-first-steps.md", "## Further reading", "## More")
    edit(tree / COURSE / "01-start.md", "## Further reading", "## More")
    assert issues_of(tree) == [
        f"{COURSE}/module.yaml:9: pages: no page has a '## Further reading' section: list the sources of the module "
        "at the end of its last page",
        "demo-manual/chapters/01-first-steps.md:9: body: the chapter needs a '## Further reading' section listing its "
        "sources",
    ]
