"""The whole course as an IMS Common Cartridge 1.3 (``.imscc``) of LTI links, for import into Moodle or Canvas.

An LMS administrator or trainer imports one file and gets every module, every guide chapter (and the whole
guide) and every fictional case exercise placed as a link to this tool, in three folders. Each link is a
Common Cartridge LTI link resource (type ``imsbasiclti_xmlv1p3``, a ``cartridge_basiclti_link`` document) whose
launch URL and custom parameters are exactly what Deep Linking sends for the same item (:func:`deeplink.
content_item`): ``/lti/launch?r2com_item=...`` and ``r2com_item``/``r2com_id``/``r2com_case``/``r2com_report``.
The tool must already be registered in the LMS (LTI 1.3); the import only places links to it.

Grading: modules and case exercises are scored out of 100, as Deep Linking declares them. A cartridge cannot
create LTI 1.3 line items, so each link says so in a ``blti:extensions`` block (platform ``r2com``, for
people and tools reading the file) and the tool creates its own line item through AGS, with the same
``resourceId`` and ``tag`` as a deep-linked item, on the first result (``services.lineitems.find_or_create``).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

from .catalog import cases, describe, package_of
from .constants import MODULE_SCORE_MAXIMUM, Item, ItemKind
from .grading import resource_id, tag

NS_CC = "http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1"
NS_LOM = "http://ltsc.ieee.org/xsd/imsccv1p3/LOM/manifest"
NS_LTICC = "http://www.imsglobal.org/xsd/imslticc_v1p3"
NS_BLTI = "http://www.imsglobal.org/xsd/imsbasiclti_v1p0"
NS_LTICM = "http://www.imsglobal.org/xsd/imslticm_v1p0"
NS_LTICP = "http://www.imsglobal.org/xsd/imslticp_v1p0"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
LTI_LINK_TYPE = "imsbasiclti_xmlv1p3"
MANIFEST_LOCATIONS = (f"{NS_CC} http://www.imsglobal.org/profile/cc/ccv1p3/ccv1p3_imscp_v1p2_v1p0.xsd "
                      f"{NS_LOM} http://www.imsglobal.org/profile/cc/ccv1p3/LOM/ccv1p3_lommanifest_v1p0.xsd")
LINK_LOCATIONS = (f"{NS_LTICC} http://www.imsglobal.org/xsd/lti/ltiv1p3/imslticc_v1p3.xsd "
                  f"{NS_BLTI} http://www.imsglobal.org/xsd/lti/ltiv1p0/imsbasiclti_v1p0p1.xsd "
                  f"{NS_LTICM} http://www.imsglobal.org/xsd/lti/ltiv1p0/imslticm_v1p0.xsd "
                  f"{NS_LTICP} http://www.imsglobal.org/xsd/lti/ltiv1p0/imslticp_v1p0.xsd")

for _prefix, _uri in (("imscc", NS_CC), ("lticc", NS_LTICC), ("lomimscc", NS_LOM), ("blti", NS_BLTI), ("lticm", NS_LTICM),
                      ("lticp", NS_LTICP), ("xsi", NS_XSI)):
    ET.register_namespace(_prefix, _uri)


def _serialise(root: ET.Element, default_prefix: str) -> bytes:
    """Return the document with ``default_prefix``'s namespace as the default one, as cartridges usually are.

    (ElementTree cannot write a default namespace next to unqualified attributes; element text is escaped, so
    ``<prefix:`` only ever occurs in tags.)
    """
    text = ET.tostring(root, encoding="unicode")
    text = text.replace(f"<{default_prefix}:", "<").replace(f"</{default_prefix}:", "</")
    text = text.replace(f"xmlns:{default_prefix}=", "xmlns=", 1)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + text).encode("utf-8")


@dataclass(frozen=True)
class Link:
    """One LTI link of the cartridge."""

    identifier: str
    item: Item
    title: str
    text: str

    @property
    def custom(self) -> dict[str, str]:
        """Return the custom parameters (the same as Deep Linking sends)."""
        return self.item.custom()

    def launch_url(self, base_url: str) -> str:
        """Return the launch URL (the same as Deep Linking's ``url``)."""
        return base_url.rstrip("/") + "/lti/launch?" + urlencode(self.custom)

    @property
    def score_maximum(self) -> int | None:
        """Return the score maximum when the item is graded."""
        if not self.item.graded:
            return None
        return MODULE_SCORE_MAXIMUM if self.item.kind in (ItemKind.MODULE, ItemKind.CASE_EXERCISE) else 1


def course_links(lang: str | None = None) -> list[tuple[str, list[Link]]]:
    """Return the cartridge's folders and links: modules, guide, case exercises (when installed)."""
    folders: list[tuple[str, list[Link]]] = []
    course = package_of("course", lang).body
    modules = [Item(ItemKind.MODULE, mod.id) for mod in course.modules]  # type: ignore[union-attr]
    manual = package_of("manual", lang).body
    guide = [Item(ItemKind.MANUAL)] + [Item(ItemKind.CHAPTER, c.id) for c in manual.chapters]  # type: ignore
    exercises = [Item(ItemKind.CASE_EXERCISE, case.id) for case in cases(lang)]
    from flask_babel import gettext as _

    groups = [(course.title, modules), (manual.title, guide)]  # type: ignore[union-attr]
    if exercises:
        groups.append((_("Fictional case exercises"), exercises))
    number = 0
    for title, items in groups:
        links = []
        for item in items:
            number += 1
            name, text = describe(item, lang)
            links.append(Link(f"R2COM_L{number:03d}", item, name, text))
        folders.append((title, links))
    return folders


def _sub(parent: ET.Element, ns: str, tag_name: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ns}}}{tag_name}", attrs)
    if text is not None:
        element.text = text
    return element


def link_xml(link: Link, base_url: str, tool_name: str) -> bytes:
    """Return the ``cartridge_basiclti_link`` document of one link."""
    root = ET.Element(f"{{{NS_LTICC}}}cartridge_basiclti_link", {f"{{{NS_XSI}}}schemaLocation": LINK_LOCATIONS})
    _sub(root, NS_BLTI, "title", link.title)
    _sub(root, NS_BLTI, "description", link.text)
    custom = _sub(root, NS_BLTI, "custom")
    for name, value in link.custom.items():
        _sub(custom, NS_LTICM, "property", value, name=name)
    extensions = _sub(root, NS_BLTI, "extensions", platform="r2com")
    _sub(extensions, NS_LTICM, "property", "1.3.0", name="lti_version")
    if link.score_maximum is not None:
        _sub(extensions, NS_LTICM, "property", str(link.score_maximum), name="score_maximum")
        _sub(extensions, NS_LTICM, "property", resource_id(link.item), name="resource_id")
        _sub(extensions, NS_LTICM, "property", tag(link.item), name="tag")
    url = link.launch_url(base_url)
    _sub(root, NS_BLTI, "launch_url", url)
    if url.startswith("https://"):
        _sub(root, NS_BLTI, "secure_launch_url", url)
    vendor = _sub(root, NS_BLTI, "vendor")
    _sub(vendor, NS_LTICP, "code", "r2com-aftercare-toolkit")
    _sub(vendor, NS_LTICP, "name", tool_name)
    _sub(vendor, NS_LTICP, "url", base_url.rstrip("/") + "/")
    return _serialise(root, "lticc")


def manifest_xml(folders: Iterable[tuple[str, list[Link]]], *, title: str, description: str, lang: str,
                 identifier: str) -> bytes:
    """Return ``imsmanifest.xml``: metadata, one rooted organisation of folders and links, the resources."""
    root = ET.Element(f"{{{NS_CC}}}manifest", {"identifier": identifier,
                                                f"{{{NS_XSI}}}schemaLocation": MANIFEST_LOCATIONS})
    metadata = _sub(root, NS_CC, "metadata")
    _sub(metadata, NS_CC, "schema", "IMS Common Cartridge")
    _sub(metadata, NS_CC, "schemaversion", "1.3.0")
    lom = _sub(metadata, NS_LOM, "lom")
    general = _sub(lom, NS_LOM, "general")
    _sub(_sub(general, NS_LOM, "title"), NS_LOM, "string", title, language=lang)
    _sub(general, NS_LOM, "language", lang)
    _sub(_sub(general, NS_LOM, "description"), NS_LOM, "string", description, language=lang)
    organizations = _sub(root, NS_CC, "organizations")
    organization = _sub(organizations, NS_CC, "organization", identifier="R2COM_ORG", structure="rooted-hierarchy")
    top = _sub(organization, NS_CC, "item", identifier="R2COM_ROOT")
    resources = _sub(root, NS_CC, "resources")
    for number, (folder_title, links) in enumerate(folders, start=1):
        folder = _sub(top, NS_CC, "item", identifier=f"R2COM_F{number:02d}")
        _sub(folder, NS_CC, "title", folder_title)
        for link in links:
            item = _sub(folder, NS_CC, "item", identifier=f"{link.identifier}_ITEM", identifierref=link.identifier)
            _sub(item, NS_CC, "title", link.title)
            resource = _sub(resources, NS_CC, "resource", identifier=link.identifier, type=LTI_LINK_TYPE)
            _sub(resource, NS_CC, "file", href=f"lti/{link.identifier}.xml")
    return _serialise(root, "imscc")


def build_cartridge(base_url: str, lang: str | None = None, *, tool_name: str = "R2COM Aftercare Toolkit") -> bytes:
    """Return the ``.imscc`` file (a zip with ``imsmanifest.xml`` first and one XML file per link)."""
    course_package = package_of("course", lang)
    folders = course_links(lang)
    manifest = manifest_xml(folders, title=course_package.title, description=course_package.summary,
                            lang=course_package.lang, identifier=f"R2COM_{course_package.id}_{course_package.version}"
                            .replace(".", "_").replace("-", "_"))
    out = io.BytesIO()
    stamp = dt.datetime.now(dt.timezone.utc).timetuple()[:6]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("imsmanifest.xml", stamp), manifest)
        for _title, links in folders:
            for link in links:
                archive.writestr(zipfile.ZipInfo(f"lti/{link.identifier}.xml", stamp),
                                 link_xml(link, base_url, tool_name))
    return out.getvalue()
