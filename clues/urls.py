"""URLs of the clue pages: list, entry, detail and the disposal steps."""

from django.urls import path

from clues import views

app_name = "clues"

urlpatterns = [
    path("", views.clue_list, name="list"),
    path("new/", views.clue_create, name="create"),
    path("<int:pk>/", views.clue_detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.clue_act, name="act"),
]
