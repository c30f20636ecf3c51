"""Routes of the composed pages. The project pages keep their `projects:` names (a URL namespace
names what the reader sees, not the app that draws it)."""

from django.urls import path

from desk import rechecks, views
from projects import views as record_views

home_patterns = [
    path("", views.home, name="home"),
    path("accounts/profile/", views.profile, name="profile"),
]

project_patterns = (
    [
        path("", views.project_list, name="list"),
        path("<int:pk>/", views.project_detail, name="detail"),
        path("<int:pk>/stages/new/", record_views.stage_create, name="stage_create"),
        path("<int:pk>/stages/<int:stage_pk>/", record_views.stage_edit, name="stage_edit"),
        path("<int:pk>/factors/new/", record_views.factor_create, name="factor_create"),
        path("<int:pk>/factors/<int:factor_pk>/", record_views.factor_edit, name="factor_edit"),
    ],
    "projects",
)

recheck_patterns = (
    [
        path("issue/<int:pk>/new/", rechecks.recheck_create, name="create"),
        path("visit/<int:pk>/", rechecks.visit_rechecks, name="visit"),
    ],
    "rechecks",
)
