"""One display rule for department names on screen: the short name (简称), through
Department.display_name / the `department_name` filter — in the ledger table and its filters, the
issue page, the project page and the profile alike."""

from __future__ import annotations

import pytest

from core.templatetags.dudao import department_name

FULL, SHORT = "市自然资源和规划局", "市自然资源局"


def test_filter_prefers_the_short_name_and_falls_back_to_the_full(world):
    assert department_name(world.lead_department) == SHORT
    world.lead_department.short_name = ""
    assert department_name(world.lead_department) == FULL
    assert department_name({"name": FULL, "short_name": SHORT}) == SHORT
    assert department_name(None) == ""


@pytest.mark.parametrize("who", ["leader", "inspector", "lead_liaison"])
def test_pages_name_departments_by_their_short_name(world, client, who):
    issue = world.hand_off()
    world.project.enterprise = world.lead_department
    world.project.save()
    client.force_login(getattr(world, who))
    pages = ["/issues/", f"/issues/{issue.pk}/", "/accounts/profile/"]
    if who != "lead_liaison":
        pages.append(f"/projects/{world.project.pk}/")
    for path in pages:
        html = client.get(path).content.decode()
        if path != "/accounts/profile/" or who == "lead_liaison":
            assert SHORT in html, path
        assert FULL not in html, path
