"""Production: everything secret comes from the environment; nothing insecure is defaulted."""

from .base import *  # noqa: F403

DEBUG = False
# load_demo would create `admin` with the published demo password: refused unless a demo server
# says so explicitly.
DUDAO_DEMO_DATA_ALLOWED = env.bool("DUDAO_DEMO_DATA_ALLOWED", default=False)  # noqa: F405
SECRET_KEY = env("DJANGO_SECRET_KEY")  # noqa: F405  (no default: refuse to start without one)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")  # noqa: F405
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])  # noqa: F405
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405  (reused connections are pinged first)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)  # noqa: F405
# The load balancer probes /healthz over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)  # noqa: F405
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")  # noqa: F405
EMAIL_HOST = env("DJANGO_EMAIL_HOST", default="localhost")  # noqa: F405
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)  # noqa: F405
EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER", default="")  # noqa: F405
EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD", default="")  # noqa: F405
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=False)  # noqa: F405

# Logs: one JSON object per line with the request id, for the log shipper.
LOGGING["handlers"]["console"]["formatter"] = env("DJANGO_LOG_FORMAT", default="json")  # noqa: F405

# Behind the reverse proxy the client's address is in X-Forwarded-For. It is believed only from the
# proxies named here (their addresses or networks, comma-separated, e.g. "10.0.0.2" or
# "10.0.0.0/24"), with DJANGO_PROXY_COUNT proxies in a row in front of gunicorn (nginx alone: 1; a
# load balancer and nginx: 2). Set it wherever a proxy stands in front: left empty, every client
# looks like the proxy, so five wrong passwords for one account from anywhere lock that account
# out for everyone behind it, and the login and API throttles count the whole city as one address.
# Empty is right only when clients reach gunicorn directly. See core/client_ip.py.
DUDAO_TRUSTED_PROXIES = env.list("DJANGO_TRUSTED_PROXIES", default=[])  # noqa: F405
DUDAO_PROXY_COUNT = env.int("DJANGO_PROXY_COUNT", default=1)  # noqa: F405
