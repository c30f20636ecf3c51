"""`make run`: a developer's machine. SQLite and a disk broker unless DATABASE_URL / REDIS_URL."""

from .base import *  # noqa: F403

DEBUG = env.bool("DJANGO_DEBUG", default=True)  # noqa: F405
ALLOWED_HOSTS = ["*"]
# A developer's database: `make run` loads the demo scenario into it.
DUDAO_DEMO_DATA_ALLOWED = env.bool("DUDAO_DEMO_DATA_ALLOWED", default=True)  # noqa: F405
