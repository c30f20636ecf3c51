"""docker-compose.yml is a valid production-like stack: postgres, redis, web, worker, one beat."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from core.tasks import heartbeat

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = shutil.which("docker-compose")


@pytest.mark.skipif(COMPOSE is None, reason="docker-compose is not installed (apt-get install docker-compose)")
def test_compose_file_validates_and_has_the_whole_stack():
    env = {**os.environ, "DJANGO_SECRET_KEY": "x" * 50, "DJANGO_ALLOWED_HOSTS": "dudao.example.gov.cn"}
    result = subprocess.run(
        [COMPOSE, "-f", str(ROOT / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1
    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["DJANGO_SETTINGS_MODULE"] == "config.settings.production"


@pytest.mark.skipif(COMPOSE is None, reason="docker-compose is not installed (apt-get install docker-compose)")
def test_compose_refuses_to_start_without_a_secret_key():
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SECRET_KEY"}
    result = subprocess.run(
        [COMPOSE, "-f", str(ROOT / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_heartbeat_task_touches_the_database():
    assert heartbeat() == "ok"


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line and not line.startswith("-"):
            name, version = line.split("==", 1)
            pins[name.split("[", 1)[0].strip().lower().replace("_", "-")] = version.split(";", 1)[0].strip(" \\")
    return pins


@pytest.mark.parametrize(
    ("chosen", "lock"), [("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")]
)
def test_the_lock_holds_every_chosen_pin_each_with_its_hashes(chosen, lock):
    root = Path(__file__).resolve().parents[2]
    locked = _pins(root / lock)
    wanted = _pins(root / chosen)
    if chosen == "requirements-dev.txt":
        wanted |= _pins(root / "requirements.txt")
    stale = {name: (version, locked.get(name)) for name, version in wanted.items() if locked.get(name) != version}
    assert not stale, f"requirements changed without `make lock`: {stale}"
    # every locked package is followed by at least one hash line (pip --require-hashes needs them all)
    entries = (root / lock).read_text().split("\n")
    for number, line in enumerate(entries):
        if "==" in line and not line.lstrip().startswith("#"):
            assert entries[number + 1].strip().startswith("--hash=sha256:"), f"{lock}: {line} has no hash"
