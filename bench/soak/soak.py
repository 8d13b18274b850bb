#!/usr/bin/env python3
"""A soak of the whole system on 127.0.0.1: the source and three cache nodes under a mixed load
(hits, misses, peer loads, writes through a node and at the source) for a fixed time, one node
killed (SIGKILL) and restarted every few minutes. Each minute it samples every process's RSS, open
file descriptors and threads, and the load's answers; at the end it prints a Markdown table and
writes the samples as JSON. Everything it starts, it stops by PID.

    dotnet build src/SourceApp -c Release && dotnet build src/CacheApp -c Release
    python3 bench/soak/soak.py --minutes 30 --kill-every 5 --out bench/results/soak.json
"""
import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HOST = "127.0.0.1"


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_healthy(url, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as r:
                if r.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    return False


def proc_sample(pid):
    """RSS in MiB, open file descriptors, threads of a live process; None when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            status = dict(line.split(":", 1) for line in f if ":" in line)
        rss_kib = int(status["VmRSS"].split()[0])
        threads = int(status["Threads"].strip())
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        return {"rssMiB": round(rss_kib / 1024, 1), "fds": fds, "threads": threads}
    except (FileNotFoundError, ProcessLookupError, KeyError):
        return None


class Cluster:
    def __init__(self, workdir, secret):
        self.workdir = workdir
        self.secret = secret
        self.source_port = free_port()
        self.nodes = [{"api": free_port(), "gc": free_port(), "proc": None, "name": f"node{i + 1}"} for i in range(3)]
        self.source = None
        self.release = os.path.join(ROOT, "src/{0}/bin/Release/net10.0/{0}.dll")

    @property
    def source_url(self):
        return f"http://{HOST}:{self.source_port}"

    def api(self, i):
        return f"http://{HOST}:{self.nodes[i]['api']}"

    def start_source(self):
        notify = ",".join(self.api(i) for i in range(3))
        log = open(os.path.join(self.workdir, "source.log"), "ab")
        env = dict(os.environ, SOURCEAPP_NOTIFY_SECRET=self.secret)
        self.source = subprocess.Popen(
            ["dotnet", self.release.format("SourceApp"), "-db", os.path.join(self.workdir, "soak.db"),
             "-http", f"{HOST}:{self.source_port}", "-notify", notify],
            stdout=log, stderr=subprocess.STDOUT, env=env)
        if not wait_healthy(self.source_url):
            raise RuntimeError("the source did not become healthy")

    def start_node(self, i):
        node = self.nodes[i]
        peers = ",".join(self.api(j) for j in range(3) if j != i)
        env = dict(os.environ, SELF_HOST=HOST, BIND_HOST=HOST, API_PORT=str(node["api"]), GROUPCACHE_PORT=str(node["gc"]),
                   SOURCEAPP_SERVICE_URL=self.source_url, INITIAL_PEERS=peers, NODE_NAME=node["name"],
                   CLUSTER_SECRET=self.secret, CACHE_BYTES="32MB", MEMBER_DEAD_AFTER="3s")
        env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
        log = open(os.path.join(self.workdir, node["name"] + ".log"), "ab")
        node["proc"] = subprocess.Popen(["dotnet", self.release.format("CacheApp")], stdout=log, stderr=subprocess.STDOUT, env=env)
        if not wait_healthy(self.api(i)):
            raise RuntimeError(f"{node['name']} did not become healthy")

    def kill_node(self, i):
        proc = self.nodes[i]["proc"]
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def stop(self):
        for p in [n["proc"] for n in self.nodes] + [self.source]:
            if p is not None and p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


class Load:
    """Bounded clients: each sends one request after another at a fixed pace until told to stop."""

    def __init__(self, cluster, clients, rate_per_client, secret):
        self.cluster = cluster
        self.clients = clients
        self.pause = 1.0 / rate_per_client
        self.secret = secret
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.counts = {}
        self.fresh = 0
        self.versions = {}

    def count(self, kind, outcome):
        """outcome: True (answered right), False (failed: no answer or an error status), or "stale"."""
        with self.lock:
            c = self.counts.setdefault(kind, [0, 0, 0])
            c[0 if outcome is True else 2 if outcome == "stale" else 1] += 1

    def take(self):
        with self.lock:
            snapshot = {k: list(v) for k, v in self.counts.items()}
            self.counts = {}
            return snapshot

    def request(self, method, url, body=None, headers=None):
        req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()
        except (urllib.error.URLError, OSError):
            return 0, b""

    def read_back(self, write_status, url, value):
        """After an answered write, a read through a node must return the written value."""
        if write_status not in (200, 201):
            return False
        status, body = self.request("GET", url)
        if status != 200:
            return False
        return True if json.loads(body).get("value") == value else "stale"

    def run_client(self, n):
        rnd = random.Random(n)
        while not self.stop.is_set():
            node = rnd.randrange(3)
            if self.cluster.nodes[node]["proc"].poll() is not None:
                node = (node + 1) % 3  # the killed node: its clients go to the next one meanwhile
            api = self.cluster.api(node)
            roll = rnd.random()
            if roll < 0.70:  # hits and peer loads: 500 hot keys, read through any node
                status, _ = self.request("GET", f"{api}/api/data/hot-{rnd.randrange(500)}")
                self.count("read", status == 200)
            elif roll < 0.85:  # misses: keys nobody read before (the source answers 404 for most)
                with self.lock:
                    self.fresh += 1
                    key = f"fresh-{self.fresh}"
                status, _ = self.request("GET", f"{api}/api/data/{key}")
                self.count("miss", status in (200, 404))
            elif roll < 0.95:  # writes through a node (write-through), checked by reading back
                key = f"w-{n}-{rnd.randrange(50)}"
                value = str(time.time_ns())
                status, _ = self.request("PUT", f"{api}/api/data/{key}", json.dumps({"value": value}).encode(), {"Content-Type": "application/json"})
                self.count("write-through", self.read_back(status, f"{self.cluster.api(rnd.randrange(3))}/api/data/{key}", value))
            else:  # writes at the source (-notify), read back through a node
                key = f"s-{n}-{rnd.randrange(50)}"
                value = str(time.time_ns())
                status, _ = self.request("PUT", f"{self.cluster.source_url}/api/data/{key}", json.dumps({"value": value}).encode(), {"Content-Type": "application/json"})
                self.count("write-at-source", self.read_back(status, f"{api}/api/data/{key}", value))
            self.stop.wait(self.pause)

    def start(self):
        self.threads = [threading.Thread(target=self.run_client, args=(n,), daemon=True) for n in range(self.clients)]
        for t in self.threads:
            t.start()

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=15)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--kill-every", type=float, default=5, help="minutes between node kills")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rate", type=float, default=15, help="requests per second per client")
    parser.add_argument("--out", default=os.path.join(ROOT, "bench/results/soak.json"))
    args = parser.parse_args()
    if args.minutes > 120:
        sys.exit("soak: at most 120 minutes")

    workdir = tempfile.mkdtemp(prefix="groupcache-soak-")
    secret = os.urandom(16).hex()
    cluster = Cluster(workdir, secret)
    samples = []
    try:
        cluster.start_source()
        for i in range(3):
            cluster.start_node(i)
        for k in range(500):  # the hot keys exist at the source
            Load(cluster, 1, 1, secret).request("PUT", f"{cluster.source_url}/api/data/hot-{k}",
                                               json.dumps({"value": f"hot value {k}"}).encode(), {"Content-Type": "application/json"})
        load = Load(cluster, args.clients, args.rate, secret)
        load.start()
        started = time.time()
        next_kill = args.kill_every * 60
        minute = 0
        kills = 0
        while time.time() - started < args.minutes * 60:
            time.sleep(min(60, max(0.0, args.minutes * 60 - (time.time() - started))))
            elapsed = time.time() - started
            minute += 1
            row = {"minute": minute, "load": load.take(), "processes": {}}
            for node in cluster.nodes:
                row["processes"][node["name"]] = proc_sample(node["proc"].pid)
            row["processes"]["source"] = proc_sample(cluster.source.pid)
            samples.append(row)
            print(json.dumps(row), flush=True)
            if elapsed >= next_kill and elapsed < args.minutes * 60 - 30:
                victim = kills % 3
                kills += 1
                cluster.kill_node(victim)
                time.sleep(5)
                cluster.start_node(victim)
                row["killed"] = cluster.nodes[victim]["name"]
                next_kill += args.kill_every * 60
        load.finish()
    finally:
        cluster.stop()

    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"minutes": args.minutes, "killEvery": args.kill_every, "clients": args.clients, "rate": args.rate, "samples": samples}, f, indent=1)
    print("\n| minute | requests (failed, stale) | node1 RSS MiB / fds / threads | node2 | node3 | source | event |")
    print("|---|---|---|---|---|---|---|")
    for row in samples:
        total = sum(sum(v) for v in row["load"].values())
        failed = sum(v[1] for v in row["load"].values())
        stale = sum(v[2] for v in row["load"].values())
        cells = []
        for name in ("node1", "node2", "node3", "source"):
            p = row["processes"][name]
            cells.append("-" if p is None else f"{p['rssMiB']} / {p['fds']} / {p['threads']}")
        print(f"| {row['minute']} | {total} ({failed}, {stale}) | " + " | ".join(cells) + f" | {('killed and restarted ' + row['killed']) if 'killed' in row else ''} |")
    print(f"\nworkdir (logs): {workdir}")


if __name__ == "__main__":
    main()
