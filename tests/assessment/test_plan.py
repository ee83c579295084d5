"""The support plan: agreed actions first, suggestions folded per area and added with one button, and actions
past their date shown as overdue (on the plan and in the caseload)."""

from __future__ import annotations

import re
from typing import Any

from .conftest import World, full_case


def text(resp: Any) -> str:
    return resp.get_data(as_text=True)


def test_actions_come_first_and_overdue_ones_lead(as_, world: World) -> None:
    p = as_("practitioner")
    case = full_case(p)
    url = f"/assessment/clients/{case.client_id}/plan"
    for description, due in (("Undated step", ""), ("Later step", "2999-01-01"), ("Late step", "2020-01-01")):
        assert p.post(url, {"description": description, "owner": "client", "due_date": due}).status_code == 303
    page = text(p.get(url))
    # the agreed actions come before priorities and suggestions
    assert page.index("Agreed actions") < page.index("Agreed priorities") < page.index("Suggestions to choose")
    order = re.findall(r"<h3>(Undated step|Later step|Late step)</h3>", page)
    assert order == ["Late step", "Later step", "Undated step"]
    assert "1 action is past its date." in page and "Overdue: due 2020-01-01" in page
    # done actions are no longer overdue, and move to the end
    late_id = re.search(r'id="action-([\w-]+)">\s*<h3>Late step', page).group(1)
    p.post(f"{url}/actions/{late_id}", {"status": "done", "owner": "client", "due_date": "2020-01-01"})
    page = text(p.get(url))
    assert "past its date" not in page and "Overdue" not in page
    assert re.findall(r"<h3>(Undated step|Later step|Late step)</h3>", page)[-1] == "Late step"


def test_the_caseload_shows_overdue_actions(as_, world: World) -> None:
    p = as_("practitioner")
    case = full_case(p)
    p.post(f"/assessment/clients/{case.client_id}/plan", {"description": "Late", "owner": "client",
                                                          "due_date": "2020-01-01"})
    caseload = text(p.get("/assessment/"))
    assert "1 overdue" in caseload and f"/assessment/clients/{case.client_id}/plan" in caseload


def test_suggestions_are_folded_per_area_and_added_with_one_button(as_, world: World) -> None:
    p = as_("practitioner")
    case = full_case(p)  # the latest occasion has need 1 in every area
    url = f"/assessment/clients/{case.client_id}/plan"
    page = text(p.get(url))
    # one form for all suggestions, one details element per area, one button per suggestion
    assert page.count('class="suggestion-area"') >= 2
    assert page.count('<form method="post" action="/assessment/clients/') <= 3
    button = re.search(r'<button type="submit" name="suggestion_id" value="([\w-]+)"', page)
    assert button
    resp = p.post(url, {"suggestion_id": button.group(1)})  # only the button: owner defaults to the practitioner
    assert resp.status_code == 303
    page = text(p.get(url))
    assert f'value="{button.group(1)}"' not in page and "No date" in page and "Practitioner" in page
