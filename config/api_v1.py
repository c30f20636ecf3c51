"""Routes of /api/v1/. Each app contributes its viewsets in its api.py."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

urlpatterns = router.urls
