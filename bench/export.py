"""Measure bulk export (docs/export.md) on the benchmark database: seconds, MB/s and peak RSS.

Usage:
    .venv/bin/python bench/export.py [--database-url URL] [--name redress_bench]
        [--entities vote-positions,votes] [--port 8771] [--json bench/out/export.json]

URL is a PostgreSQL server (default: DATABASE_URL); `--name` the database on it that
`bench/generate.py` made (about 587,000 vote positions at the default size). Each export is
measured twice:

- over HTTP: a fresh `redress serve` process (uvicorn, one worker, REDRESS_ENV=production,
  rate limit off, the default 30 s request timeout) per case, one `GET /export/E.F`
  streamed and discarded by an httpx client in this process; with gzip the client asks for
  it and counts the compressed bytes on the wire. Peak RSS is the server's VmHWM from
  /proc/<pid>/status after the download, next to its VmHWM before it (started, idle).
- by the CLI: `redress export DIR --entities E --format F [--gzip]` into a temporary folder;
  peak RSS is the child's ru_maxrss (os.wait4).

MB/s is the file's content (uncompressed) over the seconds, MB = 10^6 bytes. The server,
PostgreSQL and this client share the machine.
"""

import argparse
import hashlib
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
CASES = (("ndjson", False), ("csv", False), ("ndjson", True), ("csv", True))


@dataclass
class Result:
    """One measured export."""

    via: str
    entity: str
    format: str
    gzip: bool
    records: int
    content_mb: float
    wire_mb: float
    seconds: float
    mb_per_s: float
    idle_rss_mb: float | None
    peak_rss_mb: float


def with_database(url: str, name: str) -> str:
    """`url` pointing at database `name` instead."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def vm_hwm_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM), in MB (2^20 bytes)."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    assert found is not None, "no VmHWM in /proc/<pid>/status"
    return int(found.group(1)) / 1024


def serve(url: str, port: int) -> subprocess.Popen[bytes]:
    """A fresh `redress serve` on 127.0.0.1:`port`, once it is ready."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDRESS_ENV": "production",
        "REDRESS_PORT": str(port),
        "REDRESS_LOG_LEVEL": "warning",
        "REDRESS_RATE_LIMIT_ANONYMOUS": "0",
    }
    process = subprocess.Popen(
        [str(PYTHON), "-m", "api.cli", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/livez", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.terminate()
    raise RuntimeError("the server did not become ready")


def over_http(url: str, port: int, entity: str, fmt: str, gzip: bool) -> Result:
    """One export downloaded from a fresh server process."""
    process = serve(url, port)
    try:
        idle = vm_hwm_mb(process.pid)
        headers = {"Accept-Encoding": "gzip" if gzip else "identity"}
        started = time.perf_counter()
        wire = content = 0
        digest = hashlib.sha256()
        with httpx.stream(
            "GET", f"http://127.0.0.1:{port}/export/{entity}.{fmt}", headers=headers, timeout=60
        ) as response:
            assert response.status_code == 200, response.read()
            assert (response.headers.get("content-encoding") == "gzip") == gzip
            for chunk in response.iter_bytes():
                content += len(chunk)
                digest.update(chunk)
            wire = response.num_bytes_downloaded
            records = int(response.headers["X-Redress-Records"])
        seconds = time.perf_counter() - started
        peak = vm_hwm_mb(process.pid)
    finally:
        process.terminate()
        process.wait(10)
    return Result(
        "http", entity, fmt, gzip, records, content / 1e6, wire / 1e6, seconds,
        content / 1e6 / seconds, idle, peak,
    )  # fmt: skip


def by_cli(url: str, entity: str, fmt: str, gzip: bool) -> Result:
    """One export written by `redress export` into a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="redress-export-bench-") as folder:
        argv = [str(PYTHON), "-m", "api.cli", "export", folder, "--entities", entity]
        argv += ["--format", fmt] + (["--gzip"] if gzip else [])
        started = time.perf_counter()
        process = subprocess.Popen(
            argv, cwd=ROOT, env={**os.environ, "DATABASE_URL": url}, stdout=subprocess.DEVNULL
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        assert status == 0, f"redress export failed ({status})"
        entry = json.loads((Path(folder) / "manifest.json").read_text())["files"][0]
    content = entry["bytes"] / 1e6
    wire = entry.get("compressedBytes", entry["bytes"]) / 1e6
    return Result(
        "cli", entity, fmt, gzip, entry["records"], content, wire, seconds, content / seconds,
        None, usage.ru_maxrss / 1024,
    )  # fmt: skip


def manifest_seconds(url: str, port: int) -> tuple[float, float]:
    """Seconds for the first `GET /export/manifest.json` of a fresh server (every file
    streamed through SHA-256) and for the second (cached for the data version)."""
    process = serve(url, port)
    try:
        timings = []
        for _ in range(2):
            started = time.perf_counter()
            response = httpx.get(f"http://127.0.0.1:{port}/export/manifest.json", timeout=120)
            assert response.status_code == 200, response.text
            timings.append(time.perf_counter() - started)
    finally:
        process.terminate()
        process.wait(10)
    return timings[0], timings[1]


def table(results: list[Result]) -> str:
    """The results as a Markdown table."""
    lines = [
        "| via | entity | format | records | content MB | sent MB | s | MB/s | RSS idle | RSS peak"
        " |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        idle = f"{r.idle_rss_mb:.0f}" if r.idle_rss_mb is not None else "-"
        lines.append(
            f"| {r.via} | {r.entity} | {r.format}{' gzip' if r.gzip else ''} | {r.records:,}"
            f" | {r.content_mb:.1f} | {r.wire_mb:.1f} | {r.seconds:.2f} | {r.mb_per_s:.1f}"
            f" | {idle} | {r.peak_rss_mb:.0f} |"
        )
    return "\n".join(lines)


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    options.add_argument("--name", default="redress_bench")
    options.add_argument("--entities", default="vote-positions,votes")
    options.add_argument("--port", type=int, default=8771)
    options.add_argument("--json", type=Path)
    args = options.parse_args()
    if not args.database_url:
        print("bench/export.py: set DATABASE_URL or --database-url", file=sys.stderr)
        return 2
    url = with_database(args.database_url, args.name)
    results = []
    for entity in args.entities.split(","):
        for fmt, gzip in CASES:
            results.append(over_http(url, args.port, entity, fmt, gzip))
            results.append(by_cli(url, entity, fmt, gzip))
            print("\n".join(table(results[-2:]).splitlines()[-2:]), flush=True)
    first, cached = manifest_seconds(url, args.port)
    cores, load = os.cpu_count(), os.getloadavg()[0]
    print(
        f"\n{date.today()}, {platform.machine()}, {cores} cores, database {args.name},"
        f" load average {load:.1f} at the end\n"
    )
    print(table(results))
    print(f"\nmanifest.json: {first:.2f} s computed, {cached:.3f} s cached")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        report = {"results": [asdict(r) for r in results], "manifest_s": [first, cached]}
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
