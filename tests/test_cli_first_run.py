"""First run: `redress --version`, a busy port reported before any loading, the embedded
PostgreSQL stopping with the server, and `--format` names in `redress import --help`.

These run the installed `redress` command in subprocesses. The embedded server is a pgserver
cluster of the test's own in a temporary folder, never the shared server.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import httpx
import pytest

from api.settings import ROOT
from db.embedded import HANDLES, forget_dead_handles
from db.load import FORMAT_NAMES

REDRESS = Path(sys.executable).parent / "redress"


def environment(**changes: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(changes)
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


def test_version_prints_the_package_version() -> None:
    done = subprocess.run([REDRESS, "--version"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0
    assert done.stdout.strip() == f"redress {version('redress')}"


def test_a_setting_out_of_range_is_one_line_not_a_traceback() -> None:
    env = environment(REDRESS_METRICS="key", REDRESS_METRICS_KEY="short")
    done = subprocess.run([REDRESS, "serve"], capture_output=True, text=True, timeout=30, env=env)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "redress: REDRESS_METRICS=key needs REDRESS_METRICS_KEY of 16 characters or more"
    ]


def test_import_help_lists_the_format_names() -> None:
    done = subprocess.run([REDRESS, "import", "--help"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0
    flat = " ".join(done.stdout.split())
    assert ", ".join(FORMAT_NAMES) in flat


def test_a_busy_port_is_reported_before_any_loading(busy_port: int, tmp_path: Path) -> None:
    embedded = tmp_path / "pg"
    started = time.monotonic()
    done = subprocess.run(
        [REDRESS, "serve", "--prepare"],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment(
            REDRESS_PORT=str(busy_port),
            REDRESS_HOST="127.0.0.1",
            REDRESS_EMBEDDED_DIR=str(embedded),
        ),
    )
    assert done.returncode == 2
    assert time.monotonic() - started < 10
    assert f"cannot listen on 127.0.0.1:{busy_port}" in done.stderr
    assert "in use" in done.stderr
    assert not embedded.exists(), "no database was started"
    assert done.stdout == "", "nothing was loaded or served"


def postmaster_pid(folder: Path) -> int:
    return int((folder / "postmaster.pid").read_text().splitlines()[0])


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is gone for our purposes; /proc says which.
    status = Path(f"/proc/{pid}/status")
    return not status.exists() or "zombie" not in status.read_text()


def serve_until_ready(env: dict[str, str], port: int) -> subprocess.Popen[str]:
    server = subprocess.Popen(
        [REDRESS, "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            output = server.stdout.read() if server.stdout else ""
            raise AssertionError(f"redress serve exited: {output}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/schema.graphql", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    server.kill()
    raise AssertionError("redress serve did not answer /schema.graphql within 90 s")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_embedded_postgres_stops_with_the_server(
    tmp_path_factory: pytest.TempPathFactory, stop: signal.Signals
) -> None:
    # One cluster for both signals: the second run reuses it, as a second `make run` would.
    folder = tmp_path_factory.getbasetemp() / "first-run-pg"
    port = free_port()
    env = environment(
        REDRESS_PORT=str(port),
        REDRESS_HOST="127.0.0.1",
        REDRESS_EMBEDDED_DIR=str(folder),
        REDRESS_LOG_LEVEL="warning",
    )
    server = serve_until_ready(env, port)
    postgres = postmaster_pid(folder)
    assert running(postgres)
    server.send_signal(stop)
    try:
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
    deadline = time.monotonic() + 15
    while running(postgres) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not running(postgres), "the embedded PostgreSQL outlived the server"
    assert server.returncode == 0


def test_dead_handles_are_forgotten(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / HANDLES).write_text(f"[{os.getpid()}, {dead.pid}]")
    assert forget_dead_handles(tmp_path) == [dead.pid]
    assert (tmp_path / HANDLES).read_text() == f"[{os.getpid()}]"
