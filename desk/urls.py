"""Routes of the composed pages. The project pages keep their `projects:` names (a URL namespace
names what the reader sees, not the app that draws it)."""

from django.urls import path

from desk import views

home_patterns = [
    path("", views.home, name="home"),
    path("accounts/profile/", views.profile, name="profile"),
]

project_patterns = (
    [
        path("", views.project_list, name="list"),
        path("<int:pk>/", views.project_detail, name="detail"),
    ],
    "projects",
)
