from django.urls import path

from core.views import under_construction

app_name = "dispatch"

urlpatterns = [
    path("", under_construction, name="meeting_list"),
    path("<int:pk>/", under_construction, name="meeting_detail"),
]
