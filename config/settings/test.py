"""pytest: fast hashing, local memory email, and the services CI requires."""

import os
from urllib.parse import urlsplit, urlunsplit

from .base import *  # noqa: F403
from .base import REDIS_URL

# The suite's Redis is a database of its own (10, or 10 + n for the n-th parallel process under
# pytest-xdist; pytest-django gives each process its own test database): a developer's worker on
# REDIS_URL never takes the tests' tasks, the integration tests' worker (tests/integration) listens
# where the services queue, and two processes never share counters or queues. Subprocesses a test
# starts inherit it. Media folders are kept apart the same way.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
XDIST_INDEX = int(XDIST_WORKER[2:]) if XDIST_WORKER.startswith("gw") else 0
if REDIS_URL:
    _parts = urlsplit(REDIS_URL)
    REDIS_URL = urlunsplit((_parts.scheme, _parts.netloc, f"/{10 + XDIST_INDEX}", _parts.query, ""))
    os.environ["REDIS_URL"] = REDIS_URL
    CELERY_BROKER_URL = REDIS_URL

DEBUG = False
SECRET_KEY = "test-only-secret"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {  # noqa: F405
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / ".test-media" / (XDIST_WORKER or "main")  # noqa: F405
STORAGES["default"] = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": MEDIA_ROOT}}
DATABASES["default"]["ATOMIC_REQUESTS"] = True  # noqa: F405
# Test transactions roll back, so the data version never moves inside one: see core/dataversion.py.
DUDAO_CACHE_BY_DATA_VERSION = False
# Tests run in one process: the throttles' counters in a local cache that every test starts with
# empty (tests/conftest.py). Clearing a Redis cache would flush the broker's database under the
# Celery integration tests; tests/security/test_throttling.py runs the counters on Redis itself.
CACHES["shared"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shared"}  # noqa: F405
# The API's rates as in production would stop schemathesis' thousands of calls; tests of the
# throttles set their own.
DUDAO_API_THROTTLE_RATES = {"anon": "100000/minute", "user": "100000/minute"}
DUDAO_DEMO_DATA_ALLOWED = True
