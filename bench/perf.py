"""Helpers of bench/perf.sh: cold starts (exec -> first 200) and the results table."""
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


signal.signal(signal.SIGTERM, _terminate)
signal.signal(signal.SIGINT, _terminate)


def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                key, _, value = line.partition("=")
                env[key] = value
    return env


def status_of(port, path):
    """The status code of one GET, or None when nothing answers yet."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.settimeout(5)
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
            first = s.recv(64).split(b"\r\n", 1)[0].split()
            return int(first[1]) if len(first) > 1 else None
    except (OSError, ValueError):
        return None


def coldstart(args):
    """coldstart ENV_FILE PORT PATH RUNS LOG_PREFIX CMD...: prints JSON with each start's stages."""
    env_file, port, path, runs, log_prefix, *cmd = args
    port, runs = int(port), int(runs)
    env = read_env(env_file)
    env["ASPNETCORE_URLS"] = f"http://127.0.0.1:{port}"
    starts = []
    for run in range(runs):
        stamps = {}
        with open(f"{log_prefix}-{run}.log", "w") as log:
            t0 = time.monotonic()
            proc = subprocess.Popen(cmd, env=env, cwd=os.path.dirname(cmd[0]), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

            def reader():
                for line in proc.stdout:
                    now = time.monotonic() - t0
                    log.write(f"{now * 1000:8.1f} ms  {line}")
                    stamps.setdefault("first log line", now)
                    if "Now listening on" in line:
                        stamps.setdefault("listening", now)
                    if "Application started" in line:
                        stamps.setdefault("application started", now)
                    served = re.search(r'"duration_ms":([\d.]+)', line)
                    if served and f'"path":"{path}"' in line:
                        stamps.setdefault("first request in the server", float(served.group(1)) / 1000)

            thread = threading.Thread(target=reader, daemon=True)
            thread.start()
            try:
                deadline = t0 + 30
                while True:
                    if proc.poll() is not None:
                        sys.exit(f"cold start {run}: {cmd[0]} exited with {proc.returncode} before answering 200 (log: {log_prefix}-{run}.log)")
                    if time.monotonic() > deadline:
                        sys.exit(f"cold start {run}: no 200 on {path} within 30 s (log: {log_prefix}-{run}.log)")
                    status = status_of(port, path)
                    if status == 200:
                        stamps["first 200"] = time.monotonic() - t0
                        with open(f"/proc/{proc.pid}/status") as st:
                            stamps["rss MiB at first 200"] = next(int(l.split()[1]) for l in st if l.startswith("VmRSS:")) / 1024
                        break
                    if status is not None:
                        stamps.setdefault("first answer", time.monotonic() - t0)
                    time.sleep(0.005)
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                thread.join(timeout=2)
        starts.append(stamps)
    print(json.dumps(starts))


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * UNITS[m.group(2)] if m else None


def parse_wrk(path):
    text = open(path).read()
    result = {"non2xx": 0, "errors": 0}
    for line in text.splitlines():
        fields = line.split()
        if line.strip().startswith("Latency") and len(fields) >= 4:
            result["max"] = ms(fields[3])
        elif fields[:1] == ["99%"]:
            result["p99"] = ms(fields[1])
        elif line.startswith("Requests/sec:"):
            result["rps"] = float(fields[1])
        elif "requests in" in line:
            result["requests"] = int(fields[0])
        elif line.strip().startswith("Non-2xx or 3xx responses:"):
            result["non2xx"] = int(fields[-1])
        elif line.strip().startswith("Socket errors:"):
            result["errors"] = sum(int(n) for n in re.findall(r"\d+", line))
    return result


def profile(work, name):
    """Statements per request of one profiled path: pg_stat_statements calls / wrk requests."""
    requests = parse_wrk(f"{work}/profile/{name}.wrk.txt").get("requests") or 0
    statements = []
    with open(f"{work}/profile/{name}.tsv") as f:
        for line in f:
            if "|" in line:
                calls, query = line.rstrip("\n").split("|", 1)
                statements.append((int(calls), query))
    return requests, statements


def mappings(args):
    """Resident memory of a process by kind (KiB), from /proc/PID/smaps: what the RSS is made of."""
    pid, app_dir = args
    kinds = {}
    name = "anonymous"
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            field = line.split()
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                name = field[5] if len(field) > 5 else "anonymous"
            elif field[0] == "Rss:":
                kind = memory_kind(name, app_dir)
                kinds[kind] = kinds.get(kind, 0) + int(field[1])
    json.dump(kinds, sys.stdout)


MEMORY_KINDS = ["managed heap and native allocations", "JIT code and type data (double-mapped)",
                ".NET and ASP.NET Core assemblies", "the program's own assemblies (publish directory)",
                "native libraries", "other"]


def memory_kind(name, app_dir):
    if name in ("anonymous", "[heap]", "[stack]") or name.startswith("[anon"):
        return MEMORY_KINDS[0]
    if name.startswith("/memfd:doublemapper"):
        return MEMORY_KINDS[1]
    if name.startswith(app_dir + "/"):
        return MEMORY_KINDS[3]
    if "/shared/Microsoft." in name:
        return MEMORY_KINDS[2] if name.endswith(".dll") else MEMORY_KINDS[4]
    if re.search(r"\.so(\.|$)", name):
        return MEMORY_KINDS[4]
    return MEMORY_KINDS[5]


def memory_table(work):
    """RSS of the host by kind, idle and after the load, beside the SELECT 1 ceiling's idle RSS."""
    host, loaded, ceiling = (json.load(open(f"{work}/memory-{name}.json")) for name in ("host", "host-loaded", "ceiling"))
    lines = [f"{'RSS by kind, MiB (from /proc/PID/smaps)':<50} {'host idle':>9}  {'after load':>10}  {'ceilings idle':>13}"]
    for kind in MEMORY_KINDS:
        if host.get(kind) or loaded.get(kind) or ceiling.get(kind):
            lines.append(f"  {kind:<48} {host.get(kind, 0) / 1024:9.0f}  {loaded.get(kind, 0) / 1024:10.0f}  {ceiling.get(kind, 0) / 1024:13.0f}")
    lines.append(f"  {'total':<48} {sum(host.values()) / 1024:9.0f}  {sum(loaded.values()) / 1024:10.0f}  {sum(ceiling.values()) / 1024:13.0f}")
    rss = read_env(f"{work}/rss.env")
    lines.append(f"  {'threads':<48} {rss.get('HOST_THREADS_IDLE', '?'):>9}  {rss.get('HOST_THREADS_LOADED', '?'):>10}")
    return lines


def table(args):
    work, = args
    cfg = read_env(f"{work}/bench.env")
    rows = []

    def row(figure, host, ceiling, ratio, goal, ok):
        rows.append((figure, host, ceiling, ratio, goal, "" if ok is None else ("pass" if ok else "MISS")))

    def rate(target, conns):
        r = parse_wrk(f"{work}/wrk/{target}-{conns}.txt")
        bad = r["non2xx"] + r["errors"]
        return r, (f" ({bad} bad)" if bad else "")

    pairs = [("/health/live/", "live", "bare", "bare", 0.35),
             ("/health/", "health", "select1", "SELECT 1", 0.60),
             ("/api/auth/me/", "me", "select1", "SELECT 1", 0.50)]
    for conns in cfg["CONNECTIONS"].split():
        for label, target, ceiling, ceiling_label, goal in pairs:
            h, hbad = rate(target, conns)
            c, cbad = rate(ceiling, conns)
            ratio = h["rps"] / c["rps"]
            row(f"{label} req/s @{conns}", f"{h['rps']:,.0f}{hbad}", f"{c['rps']:,.0f} {ceiling_label}{cbad}",
                f"{ratio:.0%}", f">= {goal:.0%}", ratio >= goal and not hbad)
    for conns in cfg["CONNECTIONS"].split():
        h, hbad = rate("select1reset", conns)
        c, cbad = rate("select1", conns)
        row(f"SELECT 1 + Npgsql reset req/s @{conns}", f"{h['rps']:,.0f}{hbad}", f"{c['rps']:,.0f} SELECT 1{cbad}", f"{h['rps'] / c['rps']:.0%}", "", None)
    for conns in cfg["CONNECTIONS"].split():
        for label, target, ceiling, ceiling_label, _ in pairs:
            h, _ = rate(target, conns)
            c, _ = rate(ceiling, conns)
            p99_goal = target == "health" and conns == "16"
            row(f"{label} p99 ms @{conns}", f"{h['p99']:.2f}", f"{c['p99']:.2f} {ceiling_label}", f"{h['p99'] / c['p99']:.1f}x",
                "<= 10 ms" if p99_goal else "", h["p99"] <= 10 if p99_goal else None)
            max_goal = target == "health"
            row(f"{label} max ms @{conns}", f"{h['max']:.1f}", f"{c['max']:.1f} {ceiling_label}", f"{h['max'] / c['max']:.1f}x",
                "<= 100 ms" if max_goal else "", h["max"] <= 100 if max_goal else None)

    cold = {name: json.load(open(f"{work}/cold-{name}.json")) for name in ("host", "ceiling")}
    median = {name: statistics.median(s["first 200"] for s in starts) for name, starts in cold.items()}
    row(f"cold start s (median of {len(cold['host'])})", f"{median['host']:.3f}", f"{median['ceiling']:.3f} SELECT 1",
        f"{median['host'] / median['ceiling']:.1f}x", "<= 0.8 s", median["host"] <= 0.8)
    for stage in ("first log line", "listening", "application started", "first answer", "first request in the server"):
        values = [s[stage] for s in cold["host"] if stage in s]
        if values:
            label = f"  host: first /health/ inside the server s" if stage == "first request in the server" else f"  host: exec -> {stage} s"
            row(label, f"{statistics.median(values):.3f}", "", "", "", None)
    row("  RSS MiB at the first 200", f"{statistics.median(s['rss MiB at first 200'] for s in cold['host']):.0f}",
        f"{statistics.median(s['rss MiB at first 200'] for s in cold['ceiling']):.0f} SELECT 1", "", "", None)

    rss = read_env(f"{work}/rss.env")
    mib = lambda key: int(rss[key]) / 1024
    row("RSS idle MiB", f"{mib('HOST_IDLE'):.0f}", f"{mib('CEILING_IDLE'):.0f} ceilings", f"{mib('HOST_IDLE') / mib('CEILING_IDLE'):.1f}x", "<= 100", mib("HOST_IDLE") <= 100)
    row("RSS peak MiB (VmHWM)", f"{mib('HOST_PEAK'):.0f}", f"{mib('CEILING_PEAK'):.0f} ceilings", f"{mib('HOST_PEAK') / mib('CEILING_PEAK'):.1f}x", "<= 200", mib("HOST_PEAK") <= 200)
    if "HOST_POSTSOAK" in rss:
        growth = mib("HOST_POSTSOAK") - mib("HOST_PRESOAK")
        row(f"RSS growth MiB over {cfg['SOAK']} s soak", f"{growth:+.0f} ({mib('HOST_PRESOAK'):.0f} -> {mib('HOST_POSTSOAK'):.0f})",
            "", "", "<= +5", growth <= 5)

    def cpu(name):
        c = read_env(f"{work}/profile/{name}.cpu")
        requests = parse_wrk(f"{work}/profile/{name}.wrk.txt").get("requests") or 1
        per = 1000 / int(c["HZ"]) / requests
        return int(c["PROCESS"]) * per, int(c["POSTGRES"]) * per, int(c["REDIS"]) * per

    for label, name, ceiling, ceiling_label in (("/health/live/", "live", "bare", "bare"), ("/health/", "health", "select1", "SELECT 1"),
                                                 ("/api/auth/me/", "me", "select1", "SELECT 1")):
        (h, hpg, hrd), (c, cpg, _) = cpu(name), cpu(ceiling)
        row(f"{label} CPU ms/request (process)", f"{h:.3f}", f"{c:.3f} {ceiling_label}", f"{h / c:.1f}x" if c else "", "", None)
        if name != "live":
            row(f"{label} CPU ms/request (postgres, redis)", f"{hpg:.3f}, {hrd:.3f}", f"{cpg:.3f}, 0 {ceiling_label}", f"{hpg / cpg:.1f}x" if cpg else "", "", None)

    notes = []
    for name, label in (("select1", "ceiling /select1/"), ("select1reset", "ceiling /select1-reset/"), ("health", "/health/"), ("me", "/api/auth/me/")):
        requests, statements = profile(work, name)
        if not requests:
            continue
        total = sum(calls for calls, _ in statements) / requests
        discard = sum(calls for calls, query in statements if query.strip().upper().startswith("DISCARD")) / requests
        row(f"{label} statements/request", f"{total:.2f}", "1 SELECT 1" if name != "select1" else "", "", "", None)
        row(f"{label} DISCARD ALL/request", f"{discard:.2f}", "", "", "", None)
        notes.append(f"{label}: {requests} requests (wrk -c4), statements per request:")
        notes.extend(f"  {calls / requests:5.2f}  {query[:150]}" for calls, query in statements if calls / requests >= 0.05)

    widths = [max(len(r[i]) for r in rows + [("figure", "host", "ceiling", "ratio", "goal", "")]) for i in range(6)]
    line = lambda r: "  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip()
    print(line(("figure", "host", "ceiling", "ratio", "goal", "")))
    print(line(tuple("-" * w for w in widths)))
    for r in rows:
        print(line(r))
    misses = sum(1 for r in rows if r[5] == "MISS")
    goals = sum(1 for r in rows if r[5])
    print(f"\n{goals - misses} of {goals} goals met")
    print("\n" + "\n".join(memory_table(work)))
    print("\n" + "\n".join(notes))


if __name__ == "__main__":
    {"coldstart": coldstart, "mappings": mappings, "table": table}[sys.argv[1]](sys.argv[2:])
