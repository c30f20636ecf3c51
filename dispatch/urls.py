"""URLs of dispatch meetings: list, detail, rescheduling, minutes, decisions and meeting rules."""

from django.urls import path

from dispatch import views

app_name = "dispatch"

urlpatterns = [
    path("", views.meeting_list, name="meeting_list"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/reschedule/", views.meeting_reschedule, name="meeting_reschedule"),
    path("<int:pk>/minutes/", views.meeting_minutes, name="meeting_minutes"),
    path("<int:pk>/held/", views.meeting_held, name="meeting_held"),
    path("<int:pk>/decisions/", views.decision_add, name="decision_add"),
    path("<int:pk>/decisions/<int:decision_pk>/done/", views.decision_done, name="decision_done"),
    path("rules/<int:group_pk>/", views.rule_edit, name="rule_edit"),
]
