"""Routes of /api/v1/. Each app contributes its viewsets in its api.py."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from accounts.api import DepartmentViewSet
from clues.api import ClueViewSet
from dispatch.api import MeetingViewSet
from inspections.api import VisitAttachmentFileView, VisitViewSet
from issues.api import EvidenceFileView, IssueViewSet
from notifications.api import NotificationViewSet
from projects.api import GroupViewSet, ProjectViewSet
from reports.api import SummaryView
from talks.api import TalkViewSet

router = DefaultRouter()
router.include_root_view = False  # the index is /api/docs/; a second, undocumented one helps nobody
# JSON only: the ".json" suffix routes added nothing and crashed the @action endpoints (500,
# "unexpected keyword argument 'format'"), found by the access matrix.
router.include_format_suffixes = False
router.register("departments", DepartmentViewSet, basename="department")
router.register("projects", ProjectViewSet, basename="project")
router.register("groups", GroupViewSet, basename="group")
router.register("visits", VisitViewSet, basename="visit")
router.register("issues", IssueViewSet, basename="issue")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("clues", ClueViewSet, basename="clue")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("talks", TalkViewSet, basename="talk")

urlpatterns = [
    path("summaries/<str:yyyy_mm>/", SummaryView.as_view(), name="summary"),
    # Any segment reaches the views, so a malformed id gets the JSON 404 (core.api.API_LOOKUP).
    path("evidence/<str:pk>/", EvidenceFileView.as_view(), name="evidence-file"),
    path("attachments/<str:pk>/", VisitAttachmentFileView.as_view(), name="attachment-file"),
    *router.urls,
]
