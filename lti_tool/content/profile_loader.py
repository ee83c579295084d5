"""The instrument and case-set parts of the package builder (FORMAT.md §5 and §6)."""

from __future__ import annotations

from typing import Any

from . import model as m
from . import schemas as s
from .builder import BuilderBase, CaseCheck, PendingRef, raw_id
from .reader import Loaded
from .render import text_direction
from .rules import check_instrument
from .sources import OverlaySource

CASE_STORY_WORDS = (400, 900)


class ProfileParts(BuilderBase):
    """Build the instrument and the case set."""

    def _instrument(self) -> m.Instrument | None:
        loaded = self._read("instrument.yaml", s.InstrumentSchema())
        if loaded is None:
            return None
        check_instrument(loaded.raw, lambda path, msg: self.reader.add_at(loaded, path, msg))
        if not loaded.ok:
            raw_domains = loaded.raw.get("domains")
            for index, raw in enumerate(raw_domains if isinstance(raw_domains, list) else []):
                if isinstance(raw, dict):
                    self._register(loaded, ("domains", index, "id"), "domain", None, item_id=raw.get("id"))
            return None
        d = loaded.data
        scales = {name: m.Scale(name, tuple(m.ScaleValue(v.get("value", ""), v.get("label", ""), v.get("description"))
                                            for v in rows))
                  for name, rows in (d.get("scales") or {}).items()}
        domains = []
        raw_domains = loaded.raw.get("domains") if isinstance(loaded.raw.get("domains"), list) else []
        for index, dd in enumerate(d.get("domains", [])):
            raw = raw_domains[index] if index < len(raw_domains) else {}
            first = raw.value_lines.get("guidance", 1) if hasattr(raw, "value_lines") else 1
            rendered = self.reader.render(loaded.file, dd.get("guidance", ""), first,
                                          f"domains[{dd.get('id', index + 1)}].guidance")
            self.result.refs.extend(PendingRef(t, loaded.file, "guidance", line) for t, line in rendered.refs)
            domain = m.Domain(
                id=dd.get("id", ""), number=dd.get("number", index + 1), title=dd.get("title", ""),
                client_title=dd.get("client_title", ""), levels=tuple(dd.get("level", ())),
                optional=dd.get("optional", False), guidance_html=rendered.html,
                need_prompts=tuple(dd.get("need_prompts", [])), strength_prompts=tuple(dd.get("strength_prompts", [])),
                client_prompt=dd.get("client_prompt", ""),
                suggestions=tuple(m.Suggestion(tuple(r.get("need", [])), tuple(m.Action(a["id"], a["text"])
                                                                            for a in r.get("actions", [])))
                                  for r in dd.get("suggestions", [])))
            self._register(loaded, ("domains", index, "id"), "domain", domain)
            domains.append(domain)
        self._action_ids(loaded, d)
        intro, _ = self._markdown_field(loaded, "introduction")
        instrument = m.Instrument(
            id=d.get("id", ""), title=d.get("title", ""), client_title=d.get("client_title", ""),
            statement=d.get("statement", ""), introduction_html=intro,
            occasion_types=tuple(m.Choice(c["id"], c["label"]) for c in d.get("occasion_types", [])),
            scales=m.frozen_map(scales),
            information_sources=tuple(m.ScaleValue(v["value"], v["label"], v.get("description"))
                                      for v in d.get("information_sources", [])),
            max_priorities=d.get("max_priorities", 3), domains=tuple(domains))
        self._register(loaded, ("id",), "instrument", instrument)
        return instrument

    def _action_ids(self, loaded: Loaded, d: dict[str, Any]) -> None:
        seen: dict[str, str] = {}
        for d_index, domain in enumerate(d.get("domains", [])):
            for s_index, row in enumerate(domain.get("suggestions", [])):
                for a_index, action in enumerate(row.get("actions", [])):
                    if action["id"] in seen:
                        self.reader.add_at(loaded, ("domains", d_index, "suggestions", s_index, "actions", a_index,
                                                    "id"),
                                           f"duplicate action id {action['id']!r} (already used in domain "
                                           f"{seen[action['id']]!r})")
                    seen.setdefault(action["id"], domain.get("id", ""))

    def _case_set(self) -> m.CaseSet | None:
        cases = []
        rels = [rel for rel in self.source.paths() if rel.startswith("cases/") and rel.endswith((".yaml", ".yml"))]
        if not rels:
            self.reader.add("package.yaml", "kind", "a case-set package needs at least one file in cases/")
        for rel in rels:
            loaded = self._read(rel, s.CaseSchema())
            if loaded is None:
                continue
            d = loaded.data
            html, words = self._markdown_field(loaded, "story")
            low, high = CASE_STORY_WORDS
            if self.check_counts and d.get("story") and not low <= words <= high:
                self.reader.add_at(loaded, ("story",), f"the story has {words:,} words; a case story needs {low} to "
                                                       f"{high}")
            self.result.case_checks.append(CaseCheck(loaded))
            if not loaded.ok:
                self._register(loaded, ("id",), "case", None, item_id=raw_id(loaded))
                continue
            person = d["person"]
            overlay = isinstance(self.source, OverlaySource) and self.source.translated(rel)
            lang = self.lang if overlay else self._source_lang
            case = m.Case(
                id=d.get("id", ""), fictional=d.get("fictional", False), title=d.get("title", ""),
                summary=d.get("summary", ""), context=d.get("context", ""),
                person=m.Person(person.get("pseudonym", ""), person.get("age", 0), person.get("gender", ""),
                                person.get("background", "")),
                content_notes=tuple(d.get("content_notes", [])), story_html=html, words=words,
                reference_profile=m.frozen_map({k: m.Rating(v["need"], v["strength"], tuple(v["key_facts"]),
                                                         v.get("reason") or "")
                                                for k, v in (d.get("reference_profile") or {}).items()}),
                file=rel, lang=lang, direction=text_direction(lang))
            self._register(loaded, ("id",), "case", case)
            cases.append(case)
        return m.CaseSet(tuple(cases))
