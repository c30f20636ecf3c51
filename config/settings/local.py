"""`make run`: a developer's machine. SQLite and a disk broker unless DATABASE_URL / REDIS_URL."""

from .base import *  # noqa: F403

DEBUG = env.bool("DJANGO_DEBUG", default=True)  # noqa: F405
ALLOWED_HOSTS = ["*"]
