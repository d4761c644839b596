"""What the benchmark scripts share: Django setup, the emulator in a process of its own, A/B
alternation, statistics, the machine description and the JSON results ``bench/run.py`` reads.

Method (every comparison): warm-up rounds first (not recorded), then ``rounds`` rounds; in each
round every side runs ``n`` operations, the sides in a rotating order (A B, then B A, …) so that
drift on a shared machine hits both alike. Each round gives one ratio A/B; the result is the
median of those ratios and their interquartile range. Absolute times are context only.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import platform
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / ".out"
DATA = BENCH / ".data"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SDK_APP_ID = "1400000000"
APP_KEY = "bench-app-key"


def setup_django(**env: str) -> None:
    """Configure ``bench.settings`` from ``env`` (see its docstring) and set Django up."""
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()


def ensure_postgres_database(alias: str = "default") -> None:
    """Create the PostgreSQL database of ``alias`` when it does not exist (after setup_django)."""
    import psycopg
    from django.conf import settings
    from psycopg import sql

    conf = settings.DATABASES[alias]
    params = {
        "host": conf.get("HOST"),
        "port": conf.get("PORT"),
        "user": conf.get("USER"),
        "password": conf.get("PASSWORD"),
    }
    params = {k: v for k, v in params.items() if v}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [conf["NAME"]])
        if not exists.fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(conf["NAME"])))


def setup_log_database(db: str, sqlite_name: str, network: Any) -> None:
    """Django set up for a client behind ``network``, the log on ``db``: ``"sqlite"`` (a fresh
    file ``sqlite_name`` in WAL mode) or ``"postgres"`` (created when missing)."""
    if db == "sqlite":
        DATA.mkdir(exist_ok=True)
        path = DATA / sqlite_name
        for suffix in ("", "-journal", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        env = {"BENCH_DB": "sqlite", "BENCH_SQLITE_PATH": str(path), "BENCH_SQLITE_JOURNAL": "wal"}
    else:
        env = {"BENCH_DB": "postgres"}
    setup_django(**env, BENCH_SMS_API_URL=network.api_url, BENCH_SMS_CA_BUNDLE=str(network.trust))
    if db == "postgres":
        ensure_postgres_database()


def migrate(database: str = "default") -> None:
    from django.core.management import call_command

    call_command("migrate", database=database, verbosity=0, interactive=False)


def empty_log() -> None:
    """Delete every ``SmsLog`` row (and, on PostgreSQL, the rows that refer to them).

    On PostgreSQL with ``TRUNCATE … CASCADE``: ``QuerySet.delete()`` loads every row into this
    process first, which after a bulk run (hundreds of thousands of rows) takes long and leaves
    the process hundreds of MB larger. Elsewhere (a benchmark's own SQLite file) ``delete()``.
    """
    from django.db import connection

    from django_tencent_sms.models import SmsLog

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {SmsLog._meta.db_table} CASCADE")
            cursor.execute(f"VACUUM ANALYZE {SmsLog._meta.db_table}")
    else:
        SmsLog.objects.all().delete()


# The emulator --------------------------------------------------------------------------------


@contextlib.contextmanager
def emulator(mode: str = "process") -> Iterator[str]:
    """The Tencent emulator, yielding its ``API_URL``.

    ``process`` (default): ``python -m django_tencent_sms.sandbox`` in a process of its own, as a
    real API is: its work does not compete for the benchmark's GIL. ``thread``: ``Sandbox`` in a
    thread of this process (``tests/test_sandbox.py``'s way), for comparison.
    """
    if mode == "thread":
        from django_tencent_sms.sandbox import Sandbox

        with Sandbox(sdk_app_id=SDK_APP_ID, app_key=APP_KEY, templates=None) as sandbox:
            yield sandbox.url
        return
    port = free_port()
    env = {**os.environ, "TENCENT_SMS_APP_KEY": APP_KEY, "TENCENT_SMS_SDK_APP_ID": SDK_APP_ID}
    # No frequency limits: a benchmark sends to the same numbers many times within 30 s.
    command = ["-m", "django_tencent_sms.sandbox", "--port", port, "--limits", "off"]
    with _helper(command, port, env=env):
        yield f"http://127.0.0.1:{port}/v5/tlssmssvr"


@dataclass
class Network:
    """The emulator behind TLS and the latency proxy (``secure_network``): where to send."""

    #: ``https://127.0.0.1:<proxy port>``: API 3.0's endpoint (``POST /``).
    base: str
    #: ``base + "/v5/tlssmssvr"``: the legacy API's ``API_URL``.
    api_url: str
    #: ``127.0.0.1:<proxy port>``: what Tencent Cloud's SDK takes as ``HttpProfile.endpoint``.
    host: str
    #: The CA bundle clients must trust (the machine's usual bundle plus the bench CA).
    trust: Path
    #: Seconds added each way.
    delay: float
    #: Filled in when the chain stops: how exact the proxy's delay was (latency_proxy.Stats).
    proxy_stats: dict[str, Any] = field(default_factory=dict)


@contextlib.contextmanager
def secure_network(api_url: str, delay_ms: float = 25.0) -> Iterator[Network]:
    """Put the emulator at ``api_url`` behind TLS and a latency proxy, each a process of its own:

        client ──TLS──▶ bench/latency_proxy.py (+delay each way) ──▶ bench/tls.py serve ──▶ emulator

    The certificates are made afresh into ``bench/.out/tls/run-<pid>/`` (``bench/tls.py``), a
    directory of this run's own (two benchmarks at once must not swap keys), removed when the
    chain stops. The TLS handshake crosses the proxy, so it pays the round trips a real one does.
    """
    import shutil

    import tls

    host, port = urlsplit_host_port(api_url)
    directory = OUT / "tls" / f"run-{os.getpid()}"
    shutil.rmtree(directory, ignore_errors=True)
    files = tls.make_certificates(directory)
    stats_path = directory / "proxy-stats.json"
    tls_port, proxy_port = free_port(), free_port()
    with contextlib.ExitStack() as stack:
        stack.enter_context(
            _helper(
                [
                    BENCH / "tls.py",
                    "serve",
                    "--port",
                    tls_port,
                    "--upstream",
                    f"{host}:{port}",
                    "--dir",
                    directory,
                ],
                tls_port,
            )
        )
        stack.enter_context(
            _helper(
                [
                    BENCH / "latency_proxy.py",
                    "--port",
                    proxy_port,
                    "--upstream",
                    f"127.0.0.1:{tls_port}",
                    "--delay-ms",
                    delay_ms,
                    "--stats",
                    stats_path,
                ],
                proxy_port,
            )
        )
        base = f"https://127.0.0.1:{proxy_port}"
        network = Network(
            base=base,
            api_url=base + "/v5/tlssmssvr",
            host=f"127.0.0.1:{proxy_port}",
            trust=files.trust,
            delay=delay_ms / 1e3,
        )
        try:
            yield network
        finally:
            stack.close()
            with contextlib.suppress(OSError, ValueError):
                network.proxy_stats = json.loads(stats_path.read_text())
            shutil.rmtree(directory, ignore_errors=True)


def urlsplit_host_port(url: str) -> tuple[str, int]:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or (443 if parts.scheme == "https" else 80)


@contextlib.contextmanager
def _helper(
    arguments: list[Any], port: int, *, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen]:
    """``python <arguments>`` in a process of its own (environment ``env``, default this one's),
    once it accepts connections on ``port``; stopped with SIGTERM (the helpers write their
    statistics then)."""
    name = " ".join(str(a) for a in arguments[:2])
    proc = subprocess.Popen(  # noqa: S603 - this interpreter, our scripts
        [sys.executable, *(str(a) for a in arguments)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited: {proc.stderr.read().decode()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not start within 30 s") from None
                time.sleep(0.05)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def bare_session(scheme: str, *, pool_size: int = 1) -> Any:
    """The control sides' client: a ``requests.Session`` with the backends' headers, a pool of
    ``pool_size`` keep-alive connections for ``scheme`` (``"http"``, ``"https"``), no retries."""
    import requests
    from requests.adapters import HTTPAdapter

    from django_tencent_sms.backends.http import USER_AGENT

    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=0)
    session.mount(f"{scheme}://", adapter)
    session.headers.update({"User-Agent": USER_AGENT, "Content-Type": "application/json"})
    return session


def bare_post(session: Any, build: Callable[..., Any], message: Any, api_url: str, **kw: Any):
    """Sign ``message`` afresh with ``build`` (``protocol.v5.build_sendsms`` or
    ``build_sendmultisms2``: a new random, the current time) and post it on ``session`` with the
    backends' timeout and no redirects; ``kw`` goes to ``post`` (``verify=``). Returns the
    response."""
    from django_tencent_sms.backends.tencent import new_random

    request = build(
        message,
        api_url=api_url,
        sdk_app_id=SDK_APP_ID,
        app_key=APP_KEY,
        random=new_random(),
        now=int(time.time()),
    )
    return session.post(
        request.url, data=request.body, timeout=(3.05, 10.0), allow_redirects=False, **kw
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Alternation and statistics ------------------------------------------------------------------


@dataclass
class Spread:
    median: float
    q1: float
    q3: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        values = list(values)
        if len(values) >= 2:
            q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
        else:
            q1 = q3 = values[0]
        return cls(statistics.median(values), q1, q3, len(values))

    def __str__(self) -> str:
        return f"{self.median:.2f} (IQR {self.q1:.2f}–{self.q3:.2f}, {self.n} rounds)"


def alternate(
    sides: dict[str, Callable[[], float]], *, rounds: int, warmup: int = 2, quiet: bool = False
) -> dict[str, list[float]]:
    """Run every side once per round, in a rotating order; return each side's round times.

    A side is a callable that does one round of work and returns the seconds it measured (so it
    can leave its own set-up out), or a ``Timing``. Warm-up rounds are run the same way and
    dropped. The CPU seconds of ``Timing`` sides are returned under ``"<side> cpu"``, the whole
    machine's (every process: the database, the emulator, the TLS terminator and the proxy too)
    under ``"<side> machine cpu"``.
    """
    names = list(sides)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(-warmup, rounds):
        shift = r % len(names)
        order = names[shift:] + names[:shift]
        for name in order:
            gc.collect()
            elapsed = sides[name]()
            if r < 0:
                continue
            if isinstance(elapsed, Timing):
                times[name].append(elapsed.wall)
                times.setdefault(f"{name} cpu", []).append(elapsed.cpu)
                times.setdefault(f"{name} machine cpu", []).append(elapsed.machine)
            else:
                times[name].append(elapsed)
        if not quiet and r >= 0 and (r + 1) % 10 == 0:
            print(f"  … {r + 1}/{rounds} rounds", file=sys.stderr, flush=True)
    return times


@dataclass
class Timing:
    """Wall-clock seconds, this process's CPU seconds and the whole machine's (every process's,
    ``machine_cpu``) of one round."""

    wall: float
    cpu: float
    machine: float = 0.0


def machine_cpu() -> float:
    """CPU seconds every process of this machine has used since it booted (``/proc/stat``, in
    clock ticks of 10 ms; 0.0 where there is none): what two cores can give is the floor of a
    round whose work, all processes together, keeps them busy."""
    try:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()[1:8]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq = (int(f) for f in fields)
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def timing() -> Iterator[Timing]:
    """``with timing() as t: …`` then ``t.wall``, ``t.cpu``, ``t.machine``
    (``time.perf_counter``, ``time.process_time``, ``machine_cpu``)."""
    result = Timing(0.0, 0.0)
    wall, cpu, machine = time.perf_counter(), time.process_time(), machine_cpu()
    try:
        yield result
    finally:
        result.cpu = time.process_time() - cpu
        result.wall = time.perf_counter() - wall
        result.machine = machine_cpu() - machine


def ratios(times: dict[str, list[float]], a: str, b: str) -> Spread:
    return Spread.of([x / y for x, y in zip(times[a], times[b], strict=True)])


def per_op(times: Sequence[float], n: int, scale: float = 1e6) -> Spread:
    """Round times as time per operation (µs by default)."""
    return Spread.of([t / n * scale for t in times])


class ThreadPool:
    """``size`` worker threads, each with its own database connection, that share the
    operations of a round: ``run(operation, n)`` calls ``operation(i)`` for ``i`` in
    ``range(n)``, thread ``k`` taking every ``size``-th ``i`` from ``k``, and times the round from
    handing out the work to the last call returning. The first error is raised after the round.
    """

    def __init__(self, size: int) -> None:
        import queue
        import threading

        self.size = size
        self.inbox: list[queue.Queue] = [queue.Queue() for _ in range(size)]
        self.done: queue.Queue = queue.Queue()
        self.threads = [
            threading.Thread(target=self._work, args=(k, box), daemon=True)
            for k, box in enumerate(self.inbox)
        ]
        for thread in self.threads:
            thread.start()

    def _work(self, k: int, box: Any) -> None:
        from django.db import connection

        while True:
            job = box.get()
            if job is None:
                connection.close()
                return
            operation, n = job
            try:
                for i in range(k, n, self.size):
                    operation(i)
                self.done.put(None)
            except BaseException as exc:  # raised by run()
                self.done.put(exc)

    def run(self, operation: Callable[[int], Any], n: int) -> Timing:
        with timing() as t:
            for box in self.inbox:
                box.put((operation, n))
            errors = [self.done.get() for _ in self.inbox]
        for error in errors:
            if error is not None:
                raise error
        return t

    def close(self) -> None:
        for box in self.inbox:
            box.put(None)
        for thread in self.threads:
            thread.join()


# Query counting ------------------------------------------------------------------------------


class QueryCounter:
    """``connection.execute_wrapper`` that counts queries and the time spent in them."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self.statements: list[str] = []
        self.durations: list[float] = []
        self.keep = False

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            self.seconds += elapsed
            self.count += 1
            if self.keep:
                self.statements.append(sql)
                self.durations.append(elapsed)


def sql_shape(sql: str, width: int = 90) -> str:
    """A statement shortened for a report: its verb and table, without the column lists."""
    sql = re.sub(r"\s+", " ", sql)
    sql = re.sub(r"SELECT .*? FROM", "SELECT … FROM", sql, count=1)
    sql = re.sub(r"\(([^()]{40,})\)", "(…)", sql)
    return sql if len(sql) <= width else sql[: width - 1] + "…"


# The machine ---------------------------------------------------------------------------------


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def postgres_version() -> str | None:
    """The server version of the ``default`` alias when it is PostgreSQL."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0].split()[0]


def machine(database: str | None = None) -> dict[str, Any]:
    import django

    info: dict[str, Any] = {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": django.get_version(),
        "sqlite": sqlite3.sqlite_version,
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    with contextlib.suppress(Exception):
        info["postgresql"] = postgres_version()
    if database:
        info["database"] = database
    return info


def machine_line(info: dict[str, Any]) -> str:
    parts = [
        f"{info['cpu']}, {info['cores']} cores, {info['os']}",
        f"Python {info['python']}, Django {info['django']}",
        f"SQLite {info['sqlite']}",
    ]
    if info.get("postgresql"):
        parts.append(f"PostgreSQL {info['postgresql']}")
    parts.append(f"load average {info['load']}")
    return "; ".join(parts)


# Results -------------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the results table."""

    benchmark: str
    measure: str
    value: str
    target: str = ""
    met: bool | None = None
    context: str = ""


@dataclass
class Result:
    name: str
    machine: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, *args: Any, **kwargs: Any) -> Row:
        row = Row(*args, **kwargs)
        self.rows.append(row)
        return row

    def print(self) -> None:
        print(f"\n== {self.name} ({self.seconds:.0f} s) on {machine_line(self.machine)}")
        print_table(self.rows)

    def save(self, path: str | os.PathLike | None) -> None:
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False))


def met_label(met: bool | None) -> str:
    return "" if met is None else ("met" if met else "MISSED")


def print_table(rows: Sequence[Row]) -> None:
    header = ("benchmark", "measure", "value", "target", "", "context")
    table = [header] + [
        (r.benchmark, r.measure, r.value, r.target, met_label(r.met), r.context) for r in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(header) - 1)]
    for line in table:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(line[:-1])]
        print("  ".join(cells) + "  " + line[-1])


@contextlib.contextmanager
def profiled(path: Path) -> Iterator[None]:
    """Profile the block with pyinstrument (bench/requirements.txt) into ``path`` (text)."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("  (pyinstrument is not installed: bench/run.py installs it)", file=sys.stderr)
        yield
        return
    profiler = Profiler(interval=0.0005)
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
        print(f"  profile: {path.relative_to(ROOT)}", file=sys.stderr)


def common_arguments(parser: Any, *, rounds: int, n: int) -> None:
    parser.add_argument("--rounds", type=int, default=rounds, help="recorded rounds")
    parser.add_argument("--warmup", type=int, default=2, help="rounds run first and dropped")
    parser.add_argument("-n", type=int, default=n, help="operations per side per round")
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument(
        "--profile", action="store_true", help="profile the app's side (pyinstrument)"
    )
