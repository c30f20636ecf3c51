from django.urls import path

from core.views import under_construction

app_name = "projects"

urlpatterns = [
    path("", under_construction, name="list"),
    path("<int:pk>/", under_construction, name="detail"),
]
