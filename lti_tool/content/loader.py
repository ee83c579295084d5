"""Build one package (in one language) from its files into immutable objects, collecting every issue."""

from __future__ import annotations

import re
from typing import Any

from . import model as m
from . import schemas as s
from .builder import BuildResult, CaseCheck, PendingRef, raw_id
from .profile_loader import CASE_STORY_WORDS, ProfileParts
from .render import text_direction
from .sources import TEXT_SUFFIXES

__all__ = ["BuildResult", "CaseCheck", "PendingRef", "PackageBuilder", "CASE_STORY_WORDS", "MIN_CHAPTER_WORDS",
           "MIN_MODULE_WORDS", "MIN_QUIZ_QUESTIONS"]

MIN_MODULE_WORDS = 1200
MIN_CHAPTER_WORDS = 1000
MIN_QUIZ_QUESTIONS = 8
#: A "Further reading" heading (## or ###): every chapter needs one, and so does one page of every module
#: (the shipped course puts it on the last page; tests/content/test_sources.py holds it to that).
#: Translations use the heading of their language (one regular expression: any of these, in any package).
FURTHER_READING_HEADINGS = {"en": "Further reading", "fr": "Pour aller plus loin", "pt": "Leituras complementares"}
FURTHER_READING = re.compile(r"^#{2,3} (?:%s)\s*$" % "|".join(map(re.escape, FURTHER_READING_HEADINGS.values())),
                             re.MULTILINE)
KIND_FILES = {"course": ("course.yaml", "glossary.yaml"), "manual": ("manual.yaml", "glossary.yaml"),
              "instrument": ("instrument.yaml",), "case-set": ()}
KIND_FOLDERS = {"course": "modules", "manual": "chapters", "instrument": None, "case-set": "cases"}
IGNORED_TOP_LEVEL = ("README.md", "CHANGELOG.md", "LICENSE.md")


class PackageBuilder(ProfileParts):
    """Read one package folder (or a translation overlay of it) and build a :class:`~.model.Package`."""

    # -- package ---------------------------------------------------------------------------------
    def build(self) -> BuildResult:
        """Read every file of the package; the result holds the package (None if unusable) and issues."""
        manifest = self._read("package.yaml", s.PackageSchema())
        if manifest is None or not manifest.ok and "kind" not in manifest.data:
            return self.result
        d = manifest.data
        if self.translation is None and d.get("id") and d["id"] != self.folder:
            self.reader.add_at(manifest, ("id",), f"must equal the folder name {self.folder!r}")
        kind = d.get("kind")
        self.asset_base = f"{self.asset_prefix}/{self.folder}/{d.get('version', '0.0.0')}"
        self._source_lang = d.get("language", "en")
        if self.translation is None:
            self.lang = self._source_lang
            self.reader.lang = self.lang
        if kind not in KIND_FILES:
            return self.result
        self._check_top_level(kind)
        body = {"course": self._course, "manual": self._manual, "instrument": self._instrument,
                "case-set": self._case_set}[kind]()
        if body is None or not manifest.ok:
            return self.result
        self.result.package = m.Package(
            id=self.folder, kind=kind, version=d.get("version", "0.0.0"), title=d.get("title", ""),
            summary=d.get("summary", ""), language=self._source_lang, license=d.get("license", ""),
            authors=tuple(m.Author(a.get("name", ""), a.get("role", "")) for a in d.get("authors", [])),
            translations=tuple(m.Translation(t.get("language", ""), t.get("status", ""), t.get("reviewed_by"))
                               for t in d.get("translations", [])),
            content_hash="", lang=self.lang, direction=text_direction(self.lang), body=body,
            items=m.frozen_map(self.items))
        return self.result

    def _check_top_level(self, kind: str) -> None:
        allowed = {"package.yaml", *KIND_FILES[kind], *IGNORED_TOP_LEVEL}
        folders = {"assets", "i18n", KIND_FOLDERS[kind]}
        for rel in self.source.paths():
            head = rel.split("/", 1)[0]
            if "/" in rel and head in folders or rel in allowed or not rel.endswith(TEXT_SUFFIXES):
                continue
            self.reader.add(rel, "", f"unexpected file in a {kind} package (see FORMAT.md for the layout)")

    def _glossary(self, required: bool) -> tuple[m.GlossaryTerm, ...]:
        loaded = self._read("glossary.yaml", s.GlossarySchema(), required=required)
        if loaded is None:
            return ()
        return tuple(m.GlossaryTerm(t.get("id", ""), t.get("term", ""), t.get("definition", ""))
                     for t in loaded.data.get("terms", []))

    # -- course ----------------------------------------------------------------------------------
    def _course(self) -> m.Course | None:
        course = self._read("course.yaml", s.CourseSchema())
        if course is None:
            return None
        folders = sorted({rel.split("/")[1] for rel in self.source.paths()
                          if rel.startswith("modules/") and rel.count("/") >= 2})
        listed = [mid for mid in course.data.get("modules", []) if isinstance(mid, str)]
        modules = []
        for index, module_id in enumerate(listed):
            if module_id not in folders:
                self.reader.add_at(course, ("modules", index), f"no folder modules/{module_id}/ for this module")
            elif listed.index(module_id) != index:
                self.reader.add_at(course, ("modules", index), f"module {module_id!r} is listed twice")
            else:
                module = self._module(module_id, index + 1)
                if module is not None:
                    modules.append(module)
        for folder in folders:
            if folder not in listed:
                self.reader.add_at(course, ("modules",), f"module folder modules/{folder}/ is not listed here")
        intro, _ = self._markdown_field(course, "introduction")
        return m.Course(course.data.get("title", ""), intro, tuple(modules), self._glossary(required=False))

    def _module(self, folder: str, position: int) -> m.Module | None:
        base = f"modules/{folder}/"
        loaded = self._read(base + "module.yaml", s.ModuleSchema())
        if loaded is None:
            # Unreadable: the folder name is the id, so refs to the module do not cascade into more issues.
            self.items.setdefault(folder, m.RefTarget(self.folder, folder, "module", None))
            return None
        d = loaded.data
        self._register(loaded, ("id",), "module", None, item_id=folder)  # the folder name is the id
        if d.get("id") and d["id"] != folder:
            self.reader.add_at(loaded, ("id",), f"must equal the folder name {folder!r}")
        if isinstance(d.get("number"), int) and d["number"] != position:
            self.reader.add_at(loaded, ("number",), f"is {d['number']} but the module is number {position} in "
                                                    "course.yaml")
        self._refs(loaded, "related", d.get("related", []))
        used = {base + "module.yaml"}
        pages = []
        reading_found = False
        for index, name in enumerate(d.get("pages", [])):
            if not self.source.exists(base + name):
                self.reader.add_at(loaded, ("pages", index), f"page file {name} does not exist in {base}")
                continue
            used.add(base + name)
            page_file = self._read(base + name, s.PageFrontSchema(), markdown=True)
            if page_file is not None and not page_file.ok:
                self._register(page_file, ("id",), "page", None, folder, item_id=raw_id(page_file))
            if page_file is not None:
                page = self._page(page_file, m.Page)
                self._register(page_file, ("id",), "page", page, folder)
                pages.append(page)
                reading_found = reading_found or bool(FURTHER_READING.search(page_file.body))
        activity = quiz = None
        if d.get("activity"):
            used.add(base + d["activity"])
            act = self._read(base + d["activity"], s.ActivityFrontSchema(), markdown=True)
            if act is not None and not act.ok:
                self._register(act, ("id",), "activity", None, folder, item_id=raw_id(act))
            if act is not None:
                debrief = ""
                if act.data.get("debrief"):
                    debrief, _words = self._markdown_field(act, "debrief")
                elif self.check_counts and act.ok:
                    self.reader.add_at(act, ("reflection_prompts",), "the activity needs a debrief (a model answer or "
                                                                     "commentary shown after the learner answers)")
                activity = self._page(act, m.Activity, reflection_prompts=tuple(act.data.get("reflection_prompts", [])),
                                      case=act.data.get("case"), debrief_html=debrief)
                self._register(act, ("id",), "activity", activity, folder)
                if act.data.get("case"):
                    self._refs(act, "case", act.data["case"], expect="case")
        if d.get("quiz"):
            used.add(base + d["quiz"])
            quiz = self._quiz(base + d["quiz"], folder)
        self._stray_files(base, used, "module.yaml pages")
        if self.check_counts and pages and sum(p.words for p in pages) < MIN_MODULE_WORDS:
            self.reader.add_at(loaded, ("pages",), f"the learning pages have {sum(p.words for p in pages):,} words; "
                                                   f"a module needs at least {MIN_MODULE_WORDS:,}")
        if self.check_counts and pages and not reading_found:
            self.reader.add_at(loaded, ("pages",), "no page has a '## Further reading' section: list the sources of "
                                                   "the module at the end of its last page")
        if activity is None or quiz is None or not loaded.ok:
            return None
        module = m.Module(id=d["id"], number=d.get("number", position), title=d.get("title", ""),
                          summary=d.get("summary", ""), duration_minutes=d.get("duration_minutes", 0),
                          objectives=tuple(d.get("objectives", [])), content_notes=tuple(d.get("content_notes", [])),
                          pages=tuple(pages), activity=activity, quiz=quiz, related=tuple(d.get("related", [])),
                          confidence=d.get("confidence") or "")
        self._register(loaded, ("id",), "module", module, item_id=folder)
        return module

    def _quiz(self, rel: str, module_id: str) -> m.Quiz | None:
        loaded = self._read(rel, s.QuizSchema())
        if loaded is None:
            return None
        d = loaded.data
        self._register(loaded, ("id",), "quiz", None, module_id, item_id=raw_id(loaded))
        count = len(loaded.raw.get("questions") or []) if isinstance(loaded.raw, dict) else 0
        if self.check_counts and "questions" in loaded.raw and count < MIN_QUIZ_QUESTIONS:
            self.reader.add_at(loaded, ("questions",), f"has {count} questions; a quiz needs at least "
                                                       f"{MIN_QUIZ_QUESTIONS}")
        if not loaded.ok:
            return None
        draw = d.get("draw")
        if self.check_counts and draw is not None and draw < MIN_QUIZ_QUESTIONS:
            self.reader.add_at(loaded, ("draw",), f"draws {draw} questions; an attempt needs at least "
                                                  f"{MIN_QUIZ_QUESTIONS}")
        questions = tuple(_question(q) for q in d["questions"])
        attempts = d["attempts"]
        quiz = m.Quiz(id=d.get("id", ""), module_id=module_id, title=d.get("title", ""),
                      pass_mark=d.get("pass_mark", 1.0), max_attempts=attempts.get("max"),
                      keep=attempts.get("keep", "highest"), time_limit_minutes=d.get("time_limit_minutes"),
                      shuffle=d.get("shuffle", True), questions=questions, draw=draw)
        self._register(loaded, ("id",), "quiz", quiz, module_id)
        return quiz

    # -- manual ----------------------------------------------------------------------------------
    def _manual(self) -> m.Manual | None:
        manual = self._read("manual.yaml", s.ManualSchema())
        if manual is None:
            return None
        chapters = []
        used: set[str] = set()
        for index, name in enumerate(manual.data.get("chapters", [])):
            rel = "chapters/" + name
            if not self.source.exists(rel):
                self.reader.add_at(manual, ("chapters", index), f"chapter file {name} does not exist in chapters/")
                continue
            used.add(rel)
            loaded = self._read(rel, s.ChapterFrontSchema(), markdown=True)
            if loaded is None:
                continue
            d = loaded.data
            if not loaded.ok:
                self._register(loaded, ("id",), "chapter", None, item_id=raw_id(loaded))
            if isinstance(d.get("number"), int) and d["number"] != index + 1:
                self.reader.add_at(loaded, ("number",), f"is {d['number']} but the chapter is number {index + 1} in "
                                                        "manual.yaml")
            self._refs(loaded, "related", d.get("related", []))
            chapter = self._page(loaded, m.Chapter, number=d.get("number", index + 1), summary=d.get("summary", ""),
                                 related=tuple(d.get("related", [])))
            if self.check_counts and chapter.words < MIN_CHAPTER_WORDS:
                self.reader.add(rel, "body", f"the chapter has {chapter.words:,} words; a chapter needs at least "
                                             f"{MIN_CHAPTER_WORDS:,}", loaded.body_line)
            if self.check_counts and not FURTHER_READING.search(loaded.body):
                self.reader.add(rel, "body", "the chapter needs a '## Further reading' section listing its sources",
                                loaded.body_line)
            self._register(loaded, ("id",), "chapter", chapter)
            chapters.append(chapter)
        self._stray_files("chapters/", used, "manual.yaml chapters")
        intro, _ = self._markdown_field(manual, "introduction")
        return m.Manual(manual.data.get("title", ""), intro, tuple(chapters), self._glossary(required=True))


def _question(q: dict[str, Any]) -> m.Question:
    return m.Question(
        id=q.get("id", ""), type=q.get("type", ""), prompt=q.get("prompt", ""), points=q.get("points", 1),
        options=tuple(m.Option(o["id"], o["text"], o["correct"], o["feedback"]) for o in q.get("options", [])),
        answer=q.get("answer"), explanation=q.get("explanation"),
        items=tuple(m.Entry(i["id"], text=i["text"]) for i in q.get("items", [])),
        pairs=tuple(m.Entry(p["id"], left=p["left"], right=p["right"]) for p in q.get("pairs", [])),
        feedback=q.get("feedback"), model_answer=q.get("model_answer"), scenario=bool(q.get("scenario")))


