from config.celery_app import app


def test_celery_uses_json_time_limits_and_finds_tasks():
    app.loader.import_default_modules()
    assert app.conf.task_serializer == "json" and app.conf.accept_content == ["json"]
    assert app.conf.task_time_limit and app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert "core.tasks.heartbeat" in app.tasks
    assert app.conf.timezone == "Asia/Shanghai"


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    for name, entry in app.conf.beat_schedule.items():
        assert entry["task"] in app.tasks, name
