from django.urls import path

from core.views import under_construction

app_name = "reports"

urlpatterns = [
    path("dashboard/", under_construction, name="dashboard"),
    path("summaries/<int:year>-<int:month>/", under_construction, name="summary"),
]
