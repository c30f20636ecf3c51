"""URLs of the talk pages: list, record, detail, confirming a commitment, a department's talks."""

from django.urls import path

from talks import views

app_name = "talks"

urlpatterns = [
    path("", views.talk_list, name="list"),
    path("new/", views.talk_create, name="create"),
    path("<int:pk>/", views.talk_detail, name="detail"),
    path("<int:pk>/commitments/<int:commitment_pk>/fulfil/", views.commitment_fulfil, name="commitment_fulfil"),
    path("departments/<int:pk>/", views.department_talks, name="department"),
]
