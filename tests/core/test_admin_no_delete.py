"""Nothing a user wrote is hard-deleted: the admin offers no delete for domain records."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

DOMAIN_APPS = {"accounts", "projects", "inspections", "issues", "dispatch", "talks"}


@pytest.mark.django_db
def test_admin_cannot_delete_domain_records(world):
    request = RequestFactory().get("/admin/")
    request.user = world.admin
    checked = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in DOMAIN_APPS:
            continue
        assert not model_admin.has_delete_permission(request), model._meta.label
        for inline in model_admin.get_inline_instances(request):
            if inline.model._meta.model_name in ("groupmembership", "grouppartnerunit"):
                continue  # group composition is configuration; its changes stay in the audit trail
            deletable = inline.can_delete and inline.has_delete_permission(request)
            assert not deletable, f"{model._meta.label} inline {inline.model._meta.label}"
        checked.append(model._meta.label)
    assert {"issues.Issue", "projects.Project", "dispatch.MonthlySummary", "issues.EvidenceFile"} <= set(checked)
