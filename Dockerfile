# Production image: web (gunicorn + whitenoise), Celery worker and beat all run from it.
# See docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

RUN groupadd --system --gid 1000 dudao \
 && useradd --system --uid 1000 --gid dudao --home-dir /app --no-create-home --shell /usr/sbin/nologin dudao

WORKDIR /app

# Dependencies first, so code changes do not reinstall them: every package pinned with its hashes.
COPY requirements.lock .
RUN pip install --require-hashes -r requirements.lock

COPY . .

# Static files are collected into the image (whitenoise serves them, hashed and compressed).
# The settings need these variables to import; the values are placeholders used only here.
RUN DJANGO_SECRET_KEY=collectstatic-only \
    DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/collectstatic.sqlite3 \
    REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput \
 && mkdir -p /app/media \
 && chown dudao:dudao /app/media

USER dudao

EXPOSE 8000
CMD ["bin/docker-entrypoint"]
