"""URLs of the Excel 问题清单 import: template, upload, preview/detail, confirm, abandon, letters."""

from django.urls import path

from intake import views

app_name = "intake"

urlpatterns = [
    path("", views.batch_list, name="batches"),
    path("template.xlsx", views.template_download, name="template"),
    path("new/", views.upload, name="upload"),
    path("<int:pk>/", views.batch_detail, name="detail"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/abandon/", views.abandon, name="abandon"),
    path("<int:pk>/file/", views.source_file, name="file"),
    path("<int:pk>/letters/<int:department_pk>.docx", views.letter_docx, name="letter"),
    path("<int:pk>/letters/<int:department_pk>/job", views.letter_job, name="letter_job"),
]
