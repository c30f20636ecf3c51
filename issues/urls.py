from django.urls import path

from core.views import under_construction
from issues import views

app_name = "issues"

urlpatterns = [
    path("", under_construction, name="ledger"),
    path("new/", under_construction, name="create"),
    path("<int:pk>/", views.issue_detail, name="detail"),
]
