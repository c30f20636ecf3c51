"""URLs of the dashboard, monthly summaries and their exports, issue exports and letters."""

from django.urls import path, register_converter

from reports import export_views, views
from reports.figures import Month

app_name = "reports"


class MonthConverter:
    """yyyy-mm, zero-padded both ways: /summaries/2026-03/ (an impossible month is a 404)."""

    regex = r"\d{4}-\d{2}"

    def to_python(self, value: str) -> Month:
        return Month.parse(value)

    def to_url(self, value: Month | str) -> str:
        return str(value if isinstance(value, Month) else Month.parse(value))


register_converter(MonthConverter, "yyyymm")

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("summaries/", views.summary_current, name="summary_current"),
    path("summaries/<yyyymm:month>/", views.summary, name="summary"),
    path("summaries/<yyyymm:month>/export.docx", views.summary_docx, name="summary_docx"),
    path("summaries/<yyyymm:month>/export.xlsx", views.summary_xlsx, name="summary_xlsx"),
    path("issues/export.xlsx", views.ledger_xlsx, name="ledger_xlsx"),
    path("exports/", export_views.export_list, name="export_list"),
    path("exports/new/", export_views.export_create, name="export_create"),
    path("exports/<int:pk>/", export_views.export_detail, name="export_detail"),
    path("exports/<int:pk>/download/", export_views.export_download, name="export_download"),
    path("issues/letters/", views.issue_letters, name="issue_letters"),
    path("issues/<int:pk>/letter.docx", views.issue_letter_docx, name="issue_letter_docx"),
    path("issues/<int:pk>/supervision.docx", views.issue_supervision_docx, name="issue_supervision_docx"),
    path("meetings/<int:pk>/minutes.docx", views.meeting_minutes_docx, name="meeting_minutes_docx"),
]
