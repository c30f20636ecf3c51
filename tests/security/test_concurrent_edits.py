"""Two people editing one record: the first write wins, the second is refused with a clear
conflict (service error, form error on the page, 409 in the API) — never a silent lost update."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from audit.selectors import changes_since_version
from issues import services
from issues.errors import IssueConflict
from issues.models import Issue


def _edit(issue, actor, *, expected_version, title):
    return services.issue_edit(
        issue=issue,
        actor=actor,
        expected_version=expected_version,
        title=title,
        description=issue.description,
        category=issue.category,
        severity=issue.severity,
        sign_deadline=issue.sign_deadline,
        rectification_deadline=issue.rectification_deadline,
    )


@pytest.mark.django_db
def test_two_users_editing_one_issue_one_wins_the_other_gets_a_conflict(world):
    issue = world.hand_off(title="原标题")
    seen_by_zhang = Issue.objects.get(pk=issue.pk)
    seen_by_li = Issue.objects.get(pk=issue.pk)

    _edit(seen_by_zhang, world.inspector, expected_version=seen_by_zhang.version, title="张的标题")
    with pytest.raises(IssueConflict) as conflict:
        _edit(seen_by_li, world.group_lead, expected_version=seen_by_li.version, title="李的标题")

    assert "已被他人修改" in str(conflict.value)
    issue.refresh_from_db()
    assert issue.title == "张的标题" and issue.version == seen_by_zhang.version
    assert issue.events.filter(action="edit").count() == 1


def _edit_form(issue, *, title):
    return {
        "edit-expected_version": issue.version,
        "edit-title": title,
        "edit-description": issue.description,
        "edit-category": issue.category,
        "edit-severity": issue.severity,
        "edit-sign_deadline": issue.sign_deadline.isoformat(),
        "edit-rectification_deadline": issue.rectification_deadline.isoformat(),
    }


@pytest.mark.django_db
def test_a_stale_edit_form_is_refused_with_a_form_error_and_keeps_what_was_typed(world):
    issue = world.hand_off(title="原标题")
    zhang, li = Client(), Client()
    zhang.force_login(world.inspector)
    li.force_login(world.group_lead)
    form_zhang = _edit_form(issue, title="张的标题")
    form_li = _edit_form(issue, title="李的标题")  # both opened the page at the same version

    first = zhang.post(f"/issues/{issue.pk}/act/edit/", form_zhang)
    second = li.post(f"/issues/{issue.pk}/act/edit/", form_li)

    assert first.status_code == 302
    assert second.status_code == 200
    page = second.content.decode()
    assert "已被他人修改" in page
    assert "李的标题" in page  # the loser's typing is still in the form
    issue.refresh_from_db()
    assert issue.title == "张的标题"


@pytest.mark.django_db
def test_a_stale_api_transition_answers_409(world):
    from rest_framework.authtoken.models import Token

    issue = world.hand_off()
    stale_version = issue.version
    services.issue_sign(issue=issue, actor=world.lead_liaison, expected_version=stale_version)
    token = Token.objects.create(user=world.lead_liaison)
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = api.post(
        f"/api/v1/issues/{issue.pk}/transitions/",
        {"action": "submit", "note": "已整改完毕", "expected_version": stale_version},
        content_type="application/json",
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads the audit snapshots (PostgreSQL only)")
@pytest.mark.django_db
def test_what_changed_since_the_version_the_user_saw(world):
    issue = world.hand_off(title="原标题")
    seen = issue.version
    _edit(issue, world.inspector, expected_version=seen, title="张的标题")

    changes = changes_since_version(instance=issue, version=seen)

    assert [(c.label, c.old, c.new) for c in changes] == [("问题标题", "原标题", "张的标题")]
