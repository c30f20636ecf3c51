from django.urls import path

from core.views import under_construction

app_name = "notifications"

urlpatterns = [
    path("", under_construction, name="inbox"),
]
