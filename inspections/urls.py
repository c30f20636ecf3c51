"""URLs of site visits: create, detail, edit, archive and attached files."""

from django.urls import path

from inspections import views

app_name = "inspections"

urlpatterns = [
    path("new/", views.visit_create, name="create"),
    path("drafts/", views.visit_drafts, name="drafts"),
    path("<int:pk>/", views.visit_detail, name="detail"),
    path("<int:pk>/edit/", views.visit_edit, name="edit"),
    path("<int:pk>/archive/", views.visit_archive, name="archive"),
    path("files/<int:pk>/", views.attachment_download, name="attachment"),
]
