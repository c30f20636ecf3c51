from django.urls import path

from core.views import under_construction

app_name = "inspections"

urlpatterns = [
    path("new/", under_construction, name="create"),
    path("<int:pk>/", under_construction, name="detail"),
]
