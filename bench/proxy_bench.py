#!/usr/bin/python3
"""Redis proxy benchmark: direct redis-server, twemproxy (nutcracker) and bulwark-agent side by side.

Runs redis-benchmark against each target in interleaved rounds (the order rotates every round, so drift
on a noisy machine hits all three alike) and reports medians of throughput and latency percentiles with
the ratio to direct. With --callgrind it also counts instructions per proxied GET for the agent and for
twemproxy under valgrind, which is repeatable where wall time is not.

Usage: bench/proxy_bench.py [--build build] [--rounds 5] [--requests 200000] [--callgrind] [--smoke]
"""

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


class Servers:
    """redis-server, nutcracker and bulwark-agent on free loopback ports, stopped on exit."""

    def __init__(self, build, workdir, agent_prefix=(), twem_prefix=(), workers=1):
        self.procs = []
        self.workdir = workdir
        self.redis = free_port()
        self.twem = free_port()
        self.agent = free_port()
        self.metrics = free_port()
        self.build = build
        self.agent_prefix = list(agent_prefix)
        self.twem_prefix = list(twem_prefix)
        self.workers = workers

    def start_redis(self):
        self._spawn(["redis-server", "--port", str(self.redis), "--bind", "127.0.0.1", "--save", "",
                     "--appendonly", "no", "--daemonize", "no", "--dir", self.workdir], "redis.log")
        assert wait_port(self.redis), "redis-server did not start"

    def start_twemproxy(self):
        conf = os.path.join(self.workdir, "nutcracker.yml")
        with open(conf, "w") as f:
            f.write("bench:\n  listen: 127.0.0.1:%d\n  hash: fnv1a_64\n  distribution: ketama\n  redis: true\n"
                    "  auto_eject_hosts: false\n  timeout: 1000\n  servers:\n   - 127.0.0.1:%d:1\n"
                    % (self.twem, self.redis))
        self._spawn(self.twem_prefix + ["nutcracker", "-c", conf, "-s", str(free_port()), "-a", "127.0.0.1",
                                        "-v", "3"], "nutcracker.log")
        assert wait_port(self.twem, 60), "nutcracker did not start"

    def start_agent(self):
        policies = os.path.join(self.workdir, "policies")
        os.makedirs(policies, exist_ok=True)
        # Limits far above what the benchmark offers, with the bulkhead and the breaker on: the cost of
        # enforcement is measured, not its refusals.
        with open(os.path.join(policies, "bench.yaml"), "w") as f:
            f.write("""apiVersion: bulwark.io/v1alpha1
kind: ResiliencePolicy
metadata: {name: bench, namespace: bench}
spec:
  target: {protocol: redis, upstream: {host: 127.0.0.1, port: %d}, listenPort: %d}
  rateLimit:
    requestsPerSecond: 100000000
    burst: 10000000
    rules: [{name: no-scans, match: {commands: [KEYS, FLUSHALL]}, action: deny}]
  concurrency: {maxInFlight: 100000}
  circuitBreaker: {minimumCalls: 100}
""" % (self.redis, self.agent))
        self._spawn(self.agent_prefix + [os.path.join(self.build, "bin", "bulwark-agent"), "--policy-dir", policies,
                                         "--metrics-addr", "127.0.0.1:%d" % self.metrics, "--bind-address",
                                         "127.0.0.1", "--workers", str(self.workers), "--log-level", "warn"],
                    "agent.log")
        assert wait_port(self.agent, 60), "bulwark-agent did not start"

    def _spawn(self, argv, log):
        out = open(os.path.join(self.workdir, log), "w")
        self.procs.append(subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT))

    def stop(self, index=None):
        procs = self.procs if index is None else [self.procs[index]]
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def redis_cpu_seconds(port):
    out = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port), "INFO", "cpu"], capture_output=True,
                         text=True, timeout=10).stdout
    fields = dict(l.split(":", 1) for l in out.splitlines() if ":" in l)
    return float(fields["used_cpu_sys"]) + float(fields["used_cpu_user"])


def process_cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def redis_benchmark(port, test, pipeline, requests, clients, size):
    out = subprocess.run(["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-t", test, "-n", str(requests),
                          "-c", str(clients), "-P", str(pipeline), "-d", str(size), "--csv", "--precision", "3"],
                         capture_output=True, text=True, timeout=600)
    lines = [l for l in out.stdout.splitlines() if l.startswith('"')]
    header = [h.strip('"') for h in lines[0].split(",")]
    row = [v.strip('"') for v in lines[1].split(",")]
    rec = dict(zip(header, row))
    return {"rps": float(rec["rps"]), "p50": float(rec["p50_latency_ms"]), "p99": float(rec["p99_latency_ms"])}


def throughput(args):
    work = tempfile.mkdtemp(prefix="bulwark-bench-")
    srv = Servers(args.build, work, workers=args.workers)
    try:
        srv.start_redis()
        srv.start_twemproxy()
        srv.start_agent()
        targets = [("direct", srv.redis), ("twemproxy", srv.twem), ("bulwark", srv.agent)]
        pids = {"direct": None, "twemproxy": srv.procs[1].pid, "bulwark": srv.procs[2].pid}
        cases = [(t, p) for p in (1, 16) for t in ("get", "set")]
        results = {}  # (target, test, pipeline) -> list of runs
        for r in range(args.rounds):
            order = targets[r % 3:] + targets[:r % 3]
            for test, pipeline in cases:
                n = args.requests * (4 if pipeline > 1 else 1)
                for name, port in order:
                    redis_before = redis_cpu_seconds(srv.redis)
                    proxy_before = process_cpu_seconds(pids[name]) if pids[name] else 0.0
                    res = redis_benchmark(port, test, pipeline, n, args.clients, 64)
                    # CPU per request, in microseconds: where the time goes besides instructions.
                    res["redis_us"] = (redis_cpu_seconds(srv.redis) - redis_before) * 1e6 / n
                    res["proxy_us"] = ((process_cpu_seconds(pids[name]) - proxy_before) * 1e6 / n) if pids[name] else 0.0
                    results.setdefault((name, test, pipeline), []).append(res)
            print("round %d/%d done" % (r + 1, args.rounds), file=sys.stderr)
        return results
    finally:
        srv.stop()


def report(results, args):
    lines = ["| test | pipeline | target | rps (median) | ratio to direct | p50 ms | p99 ms | redis CPU µs/req | proxy CPU µs/req |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for pipeline in (1, 16):
        for test in ("get", "set"):
            direct = statistics.median(x["rps"] for x in results[("direct", test, pipeline)])
            for name in ("direct", "twemproxy", "bulwark"):
                runs = results[(name, test, pipeline)]
                rps = statistics.median(x["rps"] for x in runs)
                lines.append("| %s | %d | %s | %.0f | %.2f | %.3f | %.3f | %.2f | %s |" % (
                    test.upper(), pipeline, name, rps, rps / direct,
                    statistics.median(x["p50"] for x in runs), statistics.median(x["p99"] for x in runs),
                    statistics.median(x["redis_us"] for x in runs),
                    "-" if name == "direct" else "%.2f" % statistics.median(x["proxy_us"] for x in runs)))
    return "\n".join(lines)


def instructions(args, proxy):
    """Instructions per proxied GET: (total with N GETs - total with none) / N, under callgrind."""
    totals = []
    for n in (0, args.callgrind_requests):
        work = tempfile.mkdtemp(prefix="bulwark-cg-")
        out = os.path.join(work, "callgrind.out")
        prefix = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out]
        srv = Servers(args.build, work, agent_prefix=prefix if proxy == "bulwark" else (),
                      twem_prefix=prefix if proxy == "twemproxy" else (), workers=1)
        try:
            srv.start_redis()
            if proxy == "bulwark":
                srv.start_agent()
                port = srv.agent
            else:
                srv.start_twemproxy()
                port = srv.twem
            time.sleep(1)
            if n:
                redis_benchmark(port, "get", 1, n, 1, 64)
        finally:
            srv.stop(1)
            srv.stop()
        with open(out) as f:
            total = sum(int(m.group(1)) for m in re.finditer(r"^summary: (\d+)", f.read(), re.M))
        totals.append(total)
    return (totals[1] - totals[0]) / args.callgrind_requests


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--workers", type=int, default=1, help="agent worker threads (twemproxy has one)")
    ap.add_argument("--callgrind", action="store_true")
    ap.add_argument("--callgrind-requests", type=int, default=20000)
    ap.add_argument("--smoke", action="store_true", help="one tiny round: checks the harness, measures nothing")
    args = ap.parse_args()
    if args.smoke:
        args.rounds, args.requests, args.callgrind_requests = 1, 2000, 200
    print("redis-benchmark -c %d -d 64, -P 1 and -P 16 (4x requests), %d rounds, agent workers %d" % (
        args.clients, args.rounds, args.workers))
    print(report(throughput(args), args))
    if args.callgrind:
        for proxy in ("twemproxy", "bulwark"):
            print("instructions per proxied GET, %s: %.0f" % (proxy, instructions(args, proxy)))


if __name__ == "__main__":
    main()
