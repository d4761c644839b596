#!/usr/bin/env python3
"""Run every benchmark and print one table of results; ``--write`` records it in BENCHMARKS.md.

    python3 bench/run.py            # sets up .venv (dev.py's), installs bench/requirements.txt
    python3 bench/run.py --write    # … and rewrites the results block of BENCHMARKS.md
    python3 bench/run.py --only admin,otp --quick --profile

Standard library only: it runs with any python3 and re-runs each benchmark script with the
development virtualenv's interpreter. PostgreSQL comes from ``BENCH_DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432/bench``); the benchmarks that need it are skipped, and say
so, when it cannot be reached. Benchmarks are not tests: nothing here fails on a missed target.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / ".out"
DOC = ROOT / "BENCHMARKS.md"
START, END = "<!-- bench/run.py results: start -->", "<!-- bench/run.py results: end -->"

#: name → (script, arguments, arguments with --quick, needs PostgreSQL)
BENCHMARKS = {
    "overhead-sqlite-wal": (
        "overhead.py",
        ["--db", "sqlite", "--sqlite-journal", "wal", "--rounds", "30", "-n", "100"],
        ["--rounds", "6", "-n", "30", "--warmup", "1"],
        False,
    ),
    "overhead-sqlite-default": (
        "overhead.py",
        ["--db", "sqlite", "--sqlite-journal", "default", "--rounds", "30", "-n", "50"],
        ["--rounds", "6", "-n", "20", "--warmup", "1"],
        False,
    ),
    "overhead-postgres": (
        "overhead.py",
        ["--db", "postgres", "--rounds", "30", "-n", "50"],
        ["--rounds", "6", "-n", "20", "--warmup", "1"],
        True,
    ),
    "throughput-postgres": (
        "throughput.py",
        ["--db", "postgres", "--threads", "8", "--rounds", "5", "-n", "200"],
        ["--rounds", "2", "-n", "80", "--warmup", "1"],
        True,
    ),
    "throughput-sqlite-wal": (
        "throughput.py",
        ["--db", "sqlite", "--threads", "8", "--rounds", "5", "-n", "200"],
        ["--rounds", "2", "-n", "80", "--warmup", "1"],
        False,
    ),
    "bulk": (
        "bulk.py",
        ["--db", "postgres", "--rounds", "5", "-n", "10000", "--memory-n", "100000"],
        ["--rounds", "2", "-n", "2000", "--memory-n", "10000", "--warmup", "1"],
        True,
    ),
    "otp": (
        "otp.py",
        ["--threads", "8", "--rounds", "15", "-n", "80"],
        ["--rounds", "4", "-n", "40", "--warmup", "1"],
        True,
    ),
    "async": (
        "async_send.py",
        ["--db", "postgres", "--rounds", "7", "-n", "256"],
        ["--rounds", "2", "-n", "128", "--warmup", "1"],
        True,
    ),
    "admin": (
        "admin_scale.py",
        ["--pages", "all", "--rounds", "30", "-n", "5"],
        ["--rounds", "6", "-n", "3", "--warmup", "1"],
        True,
    ),
    "dashboard": (
        "dashboard_scale.py",
        ["--rounds", "15", "-n", "3"],
        ["--sizes", "10000,1000000", "--rounds", "3", "-n", "2", "--warmup", "1"],
        True,
    ),
}
GROUPS = {
    "overhead": [k for k in BENCHMARKS if k.startswith("overhead")],
    "throughput": [k for k in BENCHMARKS if k.startswith("throughput")],
}


def log(text: str) -> None:
    print(f"==> {text}", flush=True)


def bench_python() -> Path:
    """dev.py's virtualenv (created or updated as ``dev.py test`` does), with
    bench/requirements.txt installed into it (again only when that file changed)."""
    sys.path.insert(0, str(ROOT))
    from dev import venv_python

    py = venv_python("test,postgres,lint")
    requirements = BENCH / "requirements.txt"
    stamp = py.parent.parent / ".bench-installed"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text() != digest:
        log(f"Installing {requirements.relative_to(ROOT)} into {py.parent.parent.name}")
        subprocess.run(  # noqa: S603 - the venv's pip, fixed arguments
            [py, "-m", "pip", "--disable-pip-version-check", "-q", "install", "-r", requirements],
            check=True,
        )
        stamp.write_text(digest)
    return py


def postgres_reachable() -> str | None:
    """None when PostgreSQL answers at BENCH_DATABASE_URL, else why not."""
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench")
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), 3):
            return None
    except OSError as exc:
        return f"PostgreSQL at {parts.hostname}:{parts.port or 5432} is not reachable ({exc})"


def markdown(results: list[dict], skipped: list[str], command: str, seconds: float) -> str:
    machine = next((r["machine"] for r in results if r["machine"].get("postgresql")), None)
    machine = machine or (results[0]["machine"] if results else {})
    loads = ", ".join(f"{r['name']} {r['machine']['load']}" for r in results)
    lines = [
        START,
        "",
        f"Run on {datetime.date.today().isoformat()} with `{command}` ({seconds / 60:.1f} min).",
        "",
        f"- Machine: {machine.get('cpu')}, {machine.get('cores')} cores, {machine.get('os')}",
        f"- Python {machine.get('python')}, Django {machine.get('django')}, "
        f"SQLite {machine.get('sqlite')}"
        + (f", PostgreSQL {machine['postgresql']}" if machine.get("postgresql") else ""),
        f"- Load average (1, 5, 15 min) when each benchmark started: {loads}",
        "",
        "| Benchmark | Measure | Median (IQR) | Target | | Context |",
        "|---|---|---|---|---|---|",
    ]
    for result in results:
        for row in result["rows"]:
            met = "" if row["met"] is None else ("met" if row["met"] else "**missed**")
            cells = [row["benchmark"], row["measure"], row["value"], row["target"], met]
            cells.append(row["context"])
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    for note in skipped:
        lines.append(f"\nSkipped: {note}")
    lines += ["", END]
    return "\n".join(lines)


def write(block: str) -> None:
    text = DOC.read_text() if DOC.exists() else ""
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n## Latest results\n\n" + block + "\n"
    DOC.write_text(text)
    log(f"Wrote the results into {DOC.relative_to(ROOT)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="rewrite BENCHMARKS.md's results")
    parser.add_argument("--quick", action="store_true", help="few rounds: a smoke run")
    parser.add_argument("--profile", action="store_true", help="write profiles to bench/.out/")
    parser.add_argument(
        "--only",
        help=f"comma-separated, of: {', '.join([*BENCHMARKS, *GROUPS])} (default: all)",
    )
    args = parser.parse_args()
    chosen = list(BENCHMARKS)
    if args.only:
        chosen = []
        for name in args.only.split(","):
            if name not in BENCHMARKS and name not in GROUPS:
                parser.error(f"unknown benchmark {name!r}")
            chosen += GROUPS.get(name, [name])
    py = bench_python()
    no_postgres = postgres_reachable()
    started = time.perf_counter()
    OUT.mkdir(exist_ok=True)
    results, skipped = [], []
    for name in chosen:
        script, arguments, quick, needs_postgres = BENCHMARKS[name]
        if needs_postgres and no_postgres:
            skipped.append(f"{name}: {no_postgres}")
            log(f"Skipping {name}: {no_postgres}")
            continue
        output = OUT / f"{name}.json"
        output.unlink(missing_ok=True)
        command = [str(py), str(BENCH / script), *arguments, "--json", str(output)]
        command += quick if args.quick else []
        command += ["--profile"] if args.profile else []
        log(f"{name}: {' '.join(command[1:]).replace(str(ROOT) + '/', '')}")
        code = subprocess.run(command, cwd=ROOT).returncode  # noqa: S603 - our scripts
        if code or not output.exists():
            skipped.append(f"{name}: the script failed (exit status {code})")
            continue
        results.append(json.loads(output.read_text()))
    seconds = time.perf_counter() - started

    sys.path.insert(0, str(BENCH))
    import common

    print()
    log(f"All results ({seconds / 60:.1f} min)")
    if results:
        print(f"Machine: {common.machine_line(results[-1]['machine'])}")
        common.print_table([common.Row(**row) for result in results for row in result["rows"]])
    for note in skipped:
        print(f"Skipped: {note}")
    if args.write:
        argv = " ".join(a for a in sys.argv[1:])
        command = "python3 bench/run.py" + (f" {argv}" if argv else "")
        write(markdown(results, skipped, re.sub(r"\s+", " ", command), seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
