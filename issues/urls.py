"""URLs of issues: list, creation, deadline preview, detail, workflow actions and evidence files."""

from django.urls import path

from issues import views

app_name = "issues"

urlpatterns = [
    path("", views.issue_ledger, name="ledger"),
    path("new/", views.issue_create, name="create"),
    path("new/deadlines/", views.handoff_deadlines, name="handoff_deadlines"),
    path("<int:pk>/", views.issue_detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.issue_act, name="act"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("rechecks/photos/<int:pk>/", views.recheck_photo_download, name="recheck_photo"),
]
