"""docker-compose.yml and the Dockerfile: Postgres 16 plus the API, with healthchecks."""

import shutil
import subprocess

import pytest
import yaml

from api.settings import ROOT


def test_compose_file_runs_postgres_16_and_the_api_with_healthchecks():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    db, api = compose["services"]["db"], compose["services"]["api"]
    assert db["image"] == "postgres:16"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert "/readyz" in " ".join(api["healthcheck"]["test"])
    assert api["depends_on"]["db"]["condition"] == "service_healthy"
    assert api["environment"]["DATABASE_URL"].startswith("postgresql://")


def test_dockerfile_serves_the_prepared_api():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'CMD ["redress", "serve", "--prepare"]' in dockerfile
    assert "HEALTHCHECK" in dockerfile


def _compose_available() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(not _compose_available(), reason="the docker CLI with compose is absent")
def test_docker_compose_config_is_valid():
    result = subprocess.run(
        ["docker", "compose", "config", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
