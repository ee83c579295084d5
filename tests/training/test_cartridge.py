"""The course as a Common Cartridge 1.3: the manifest and links validate, match Deep Linking, and launch.

The schemas in ``schemas/`` are written here from the specification's required elements (the official XSDs
cannot be downloaded in this environment; see ``schemas/README.md``).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree as ET

import pytest
import xmlschema

from lti_tool.devplatform.driver import Browser
from lti_tool.devplatform.models import ResourceLink as PlatformLink
from lti_tool.training.constants import Item, Presentation
from lti_tool.training.deeplink import content_item

SCHEMAS = Path(__file__).parent / "schemas"
CC = "{http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1}"
BLTI = "{http://www.imsglobal.org/xsd/imsbasiclti_v1p0}"
LTICM = "{http://www.imsglobal.org/xsd/imslticm_v1p0}"


@pytest.fixture(scope="module")
def manifest_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / "cc13_manifest.xsd"))


@pytest.fixture(scope="module")
def link_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / "lticc13.xsd"))


def _links(archive: zipfile.ZipFile) -> list[dict]:
    """Return each link of a cartridge: folder, title, custom parameters, launch URL, extensions."""
    manifest = ET.fromstring(archive.read("imsmanifest.xml"))
    files = {r.get("identifier"): r.find(f"{CC}file").get("href") for r in manifest.iter(f"{CC}resource")}
    found = []
    root = manifest.find(f"{CC}organizations/{CC}organization/{CC}item")
    for folder in root.findall(f"{CC}item"):
        for item in folder.findall(f"{CC}item"):
            doc = ET.fromstring(archive.read(files[item.get("identifierref")]))
            found.append({
                "folder": folder.findtext(f"{CC}title"), "title": item.findtext(f"{CC}title"),
                "link_title": doc.findtext(f"{BLTI}title"), "url": doc.findtext(f"{BLTI}launch_url"),
                "custom": {p.get("name"): p.text for p in doc.iter(f"{LTICM}property")
                           if p in list(doc.find(f"{BLTI}custom"))},
                "ext": {p.get("name"): p.text for p in doc.find(f"{BLTI}extensions")},
                "identifier": item.get("identifierref")})
    return found


def _cartridge(client, token) -> zipfile.ZipFile:
    resp = client.get("/training/cartridge.imscc", query_string={"ltik": token})
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == "application/vnd.ims.imsccv1p3" and "r2com-course.imscc" in resp.headers[
        "Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(resp.data))


def test_cartridge_validates_and_its_links_are_what_deep_linking_sends(world, client, manifest_schema,
                                                                       link_schema):
    trainer = world.session("tess", role="instructor")
    course_page = client.get("/training/course", query_string={"ltik": trainer}).get_data(as_text=True)
    assert "/training/cartridge.imscc?" in course_page
    assert client.get("/training/cartridge.imscc", query_string={"ltik": world.session("ana")}).status_code == 403
    archive = _cartridge(client, trainer)
    assert archive.namelist()[0] == "imsmanifest.xml"
    manifest_schema.validate(archive.read("imsmanifest.xml").decode())
    manifest = ET.fromstring(archive.read("imsmanifest.xml"))
    resources = list(manifest.iter(f"{CC}resource"))
    for resource in resources:
        assert resource.get("type") == "imsbasiclti_xmlv1p3"
        href = resource.find(f"{CC}file").get("href")
        assert href in archive.namelist()
        link_schema.validate(archive.read(href).decode())
    library = world.app.extensions["r2com"]["content"]
    course, manual = library.course(), library.manual()
    links = _links(archive)
    assert len(resources) == len(links) == len({link["identifier"] for link in links})
    folders = [link["folder"] for link in links]
    assert folders.count(course.title) == len(course.modules)
    assert folders.count(manual.title) == len(manual.chapters) + 1
    assert folders.count("Fictional case exercises") >= 1
    with world.app.test_request_context():
        for link in links:
            item = Item.from_params(link["custom"])
            assert item is not None, link
            sent = content_item(item, link["title"], "", Presentation.IFRAME, base_url="http://tool.test")
            assert link["custom"] == sent["custom"] and link["url"] == sent["url"], link
            assert link["title"] == link["link_title"] == sent["title"]
            if "lineItem" in sent:
                assert link["ext"]["score_maximum"] == str(sent["lineItem"]["scoreMaximum"])
                assert link["ext"]["resource_id"] == sent["lineItem"]["resourceId"]
                assert link["ext"]["tag"] == sent["lineItem"]["tag"]
            else:
                assert "score_maximum" not in link["ext"]
    module_links = [link for link in links if link["custom"]["r2com_item"] == "module"]
    assert all(link["ext"]["score_maximum"] == "100" for link in module_links)


def test_a_broken_manifest_fails_the_schema(world, client, manifest_schema):
    archive = _cartridge(client, world.session("tess", role="instructor"))
    text = archive.read("imsmanifest.xml").decode()
    for broken in (text.replace("1.3.0", "1.1.0"), text.replace('identifierref="R2COM_L001"',
                                                                  'identifierref="NOWHERE"'),
                   text.replace("rooted-hierarchy", "flat")):
        with pytest.raises(xmlschema.XMLSchemaValidationError):
            manifest_schema.validate(broken)


def test_the_command_line_writes_the_same_cartridge(runner, tmp_path, link_schema):
    out = tmp_path / "course.imscc"
    result = runner.invoke(args=["training", "export-cartridge", str(out), "--base-url", "https://tool.example"])
    assert result.exit_code == 0, result.output
    assert "https://tool.example/lti/launch" in result.output
    archive = zipfile.ZipFile(out)
    first = _links(archive)[0]
    assert first["url"] == "https://tool.example/lti/launch?r2com_item=module&r2com_id=m01-foundations"
    doc = archive.read("lti/R2COM_L001.xml").decode()
    link_schema.validate(doc)
    assert "<blti:secure_launch_url>https://tool.example/lti/launch" in doc
    help_text = runner.invoke(args=["training", "export-cartridge", "--help"]).output
    assert "Common Cartridge" in help_text


@pytest.mark.e2e
def test_every_link_launched_from_the_platform_opens_the_item_it_names(connected, tmp_path):
    tool, platform, cid, dep = connected
    with tool.app.test_request_context():
        from lti_tool.training.cartridge import build_cartridge

        data = build_cartridge(tool.url)
    links = _links(zipfile.ZipFile(io.BytesIO(data)))
    expected = {"module": "/training/modules/{id}", "chapter": "/training/manual/chapters/{id}",
                "manual": "/training/manual", "case-exercise": "/assessment/training/cases/{id}"}
    with Browser() as browser:
        for number, link in enumerate(links):
            link_id = f"cc-{number}"
            platform.add_resource_link(PlatformLink(link_id=link_id, course_id="course-101", title=link["title"],
                                                    client_id=cid, url=link["url"], custom=link["custom"]))
            resp = browser.launch(platform.base_url, cid, dep, user="learner", link=link_id)
            custom = link["custom"]
            item_id = custom.get("r2com_id") or custom.get("r2com_case") or ""
            path = urlsplit(resp.url).path
            assert resp.status_code == 200 and "ltik" in parse_qs(urlsplit(resp.url).query), (link, resp.url)
            if custom["r2com_item"] == "case-exercise":
                # The exercise opens the learner's attempt at that case, headed with the case's title.
                assert path.startswith("/assessment/training/"), (link, resp.url)
                assert link["title"].split(": ", 1)[1] in resp.text, (link, resp.text[:300])
            else:
                assert path == expected[custom["r2com_item"]].format(id=item_id), (link, resp.url)
