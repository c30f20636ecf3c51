from django.urls import path

from dispatch import views

app_name = "dispatch"

urlpatterns: list = []
