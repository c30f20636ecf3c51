"""The Celery app: reads CELERY_* from Django settings and finds each app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("dudao")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Pending mail is queued again whenever the worker's broker connection comes back (notifications).
from notifications.tasks import RequeueEmailsOnReconnect  # noqa: E402

app.steps["consumer"].add(RequeueEmailsOnReconnect)
