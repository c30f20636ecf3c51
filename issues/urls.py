from django.urls import path

from issues import views

app_name = "issues"

urlpatterns = [
    path("<int:pk>/", views.issue_detail, name="detail"),
]
