#!/usr/bin/env python3
"""Reliability benchmark driver (issue 22): the real vantage-coordinator under 2,000 slow connections and an
anonymous ingest flood, with an agent's ingest and a CI host's header fetch timed beside them, against the same
probes on the idle coordinator in the same run. Run through bench/coordinator-reliability.sh.

Phases: the coordinator starts from fixtures (vantage-bench-coordinator --reliability-fixtures), a first genuine
batch pins the targets and a list is published; then IDLE seconds of probes; then ATTACK seconds of the same
probes under each of three attacks in turn: "slow" (a process holding SLOW connections that each send one header
byte every 5 s and reconnect when closed; measured after a warm-up longer than the header deadline), "flood" (a
process with FLOOD clients posting junk batches back to back, half 10,000 items, half 1,000) and "both". Probes, each on a new connection, 5 a second each:
POST /v1/observations with a fresh signed batch of 3 (an agent) and GET /v1/pins/latest/header (a CI host).
Everything talks to 127.0.0.1 only and every phase is bounded in time. Prints figures; asserts nothing.
"""
import argparse
import asyncio
import http.client
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import threading
import time

HOST = "127.0.0.1"


def request(port, method, path, body=None, timeout=30):
    """(status or error name, seconds) of one request on a new connection."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        status = response.status
    except Exception as error:  # a refused or reset connection is a result here, not a crash
        status = type(error).__name__
    finally:
        connection.close()
    return status, time.perf_counter() - started


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


# --- attack processes -------------------------------------------------------------------------------------------

def slow_connections(port, count, until, out):
    """`count` connections each sending one header byte every 5 s, reconnecting as soon as the server closes one."""
    stats = {"connects": 0, "closed_by_server": 0, "connect_errors": 0, "bytes_sent": 0}
    head = b"GET /v1/pins/latest/header HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + b"a" * 4000 + b"\r\n\r\n"

    async def one(index):
        await asyncio.sleep(index * 2.0 / count)  # spread the first connects over 2 s
        while time.time() < until:
            try:
                reader, writer = await asyncio.open_connection(HOST, port)
            except OSError:
                stats["connect_errors"] += 1
                await asyncio.sleep(0.5)
                continue
            stats["connects"] += 1
            try:
                for byte in head:
                    if time.time() >= until:
                        break
                    writer.write(bytes([byte]))
                    await writer.drain()
                    stats["bytes_sent"] += 1
                    try:
                        if await asyncio.wait_for(reader.read(1), timeout=5) == b"":
                            stats["closed_by_server"] += 1
                            break
                    except asyncio.TimeoutError:
                        pass  # still open: send the next byte
            except OSError:
                stats["closed_by_server"] += 1
            finally:
                writer.close()

    async def main():
        await asyncio.gather(*(one(i) for i in range(count)))

    asyncio.run(main())
    with open(out, "w") as f:
        json.dump(stats, f)


def flood(port, directory, clients, until, out):
    """`clients` threads posting junk batches back to back on kept-alive connections (half 10,000 items, half 1,000)."""
    bodies = [open(os.path.join(directory, name), "rb").read() for name in ("junk-10000.json", "junk-1000.json")]
    results = {}
    lock = threading.Lock()

    def client(body):
        connection = None
        while time.time() < until:
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(HOST, port, timeout=30)
                connection.request("POST", "/v1/observations", body=body, headers={"Content-Type": "application/json"})
                response = connection.getresponse()
                response.read()
                key = f"{len(body)} bytes: HTTP {response.status}"
            except Exception as error:
                key = f"{len(body)} bytes: {type(error).__name__}"
                connection = None
            with lock:
                results[key] = results.get(key, 0) + 1

    threads = [threading.Thread(target=client, args=(bodies[i % 2],)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with open(out, "w") as f:
        json.dump(results, f)


# --- probes -------------------------------------------------------------------------------------------------------

class Probes:
    """An agent posting a fresh batch and a CI host fetching the header, each 5 times a second, on new connections."""

    def __init__(self, port, directory):
        self.port = port
        self.directory = directory
        self.batch = 1  # batch 0 pinned the targets
        self.phase = "setup"
        self.samples = []  # (phase, kind, status, seconds)
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def next_batch(self):
        with self.lock:
            path = os.path.join(self.directory, "genuine", f"{self.batch}.json")
            self.batch += 1
        with open(path, "rb") as f:
            return f.read()

    def run(self, kind):
        while not self.stop.is_set():
            started = time.perf_counter()
            phase = self.phase
            if kind == "agent ingest":
                status, seconds = request(self.port, "POST", "/v1/observations", self.next_batch())
            else:
                status, seconds = request(self.port, "GET", "/v1/pins/latest/header")
            self.samples.append((phase, kind, status, seconds))
            self.stop.wait(max(0, 0.2 - (time.perf_counter() - started)))

    def start(self):
        self.threads = [threading.Thread(target=self.run, args=(kind,)) for kind in ("agent ingest", "CI header fetch")]
        for thread in self.threads:
            thread.start()

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join()


def cpu_seconds(pid):
    """User + system CPU seconds of process `pid` so far (Linux /proc)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def metrics(port):
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    connection.request("GET", "/metrics")
    text = connection.getresponse().read().decode()
    connection.close()
    wanted = ("vantage_http_connections", "vantage_ingest", "vantage_observations_rejected_total")
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
            if line.startswith(wanted)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--coordinator", required=True, help="vantage-coordinator binary")
    parser.add_argument("--fixtures", required=True, help="folder written by vantage-bench-coordinator --reliability-fixtures")
    parser.add_argument("--idle", type=int, default=20)
    parser.add_argument("--attack", type=int, default=20, help="measured seconds under each attack")
    parser.add_argument("--warmup", type=int, default=12, help="slow-connection seconds before measuring (> the 10 s header deadline)")
    parser.add_argument("--slow", type=int, default=2000)
    parser.add_argument("--flood", type=int, default=4)
    args = parser.parse_args()

    port = free_port()
    log_path = os.path.join(args.fixtures, "coordinator.log")
    log = open(log_path, "wb")
    coordinator = subprocess.Popen(
        [args.coordinator, "serve", "--config", os.path.join(args.fixtures, "coordinator.json"), "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while request(port, "GET", "/livez", timeout=2)[0] != 200:
            if time.time() > deadline or coordinator.poll() is not None:
                sys.exit("the coordinator did not start: see " + log_path)
            time.sleep(0.2)
        with open(os.path.join(args.fixtures, "genuine", "0.json"), "rb") as f:
            status, _ = request(port, "POST", "/v1/observations", f.read())
        while request(port, "GET", "/v1/pins/latest/header")[0] != 200:
            if time.time() > deadline:
                sys.exit(f"no pin list published (first batch: HTTP {status}): see {log_path}")
            time.sleep(0.2)

        probes = Probes(port, args.fixtures)
        probes.phase = "idle"
        probes.start()
        idle_cpu = cpu_seconds(coordinator.pid)
        time.sleep(args.idle)
        idle_cpu = (cpu_seconds(coordinator.pid) - idle_cpu) / args.idle
        spawn = multiprocessing.get_context("spawn")  # the probe threads are running: no fork
        deltas = {}

        def attack(label, slow, flood_clients, warmup):
            """Runs the attack for warm-up + measured seconds; the probes of the measured part are labelled."""
            until = time.time() + warmup + args.attack + 1
            processes = []
            if slow:
                processes.append(spawn.Process(
                    target=slow_connections, args=(port, slow, until, os.path.join(args.fixtures, f"{label}-slow.json"))))
            if flood_clients:
                processes.append(spawn.Process(
                    target=flood, args=(port, args.fixtures, flood_clients, until, os.path.join(args.fixtures, f"{label}-flood.json"))))
            for process in processes:
                process.start()
            probes.phase = "warm-up"
            time.sleep(warmup)
            before, log_before = metrics(port), os.path.getsize(log_path)
            cpu_before = [cpu_seconds(p) for p in [coordinator.pid] + [q.pid for q in processes]]
            probes.phase = label
            time.sleep(args.attack)
            probes.phase = "gap"
            cpu = [cpu_seconds(p) - b for p, b in zip([coordinator.pid] + [q.pid for q in processes], cpu_before)]
            deltas[label] = (before, metrics(port), os.path.getsize(log_path) - log_before, cpu[0] / args.attack, sum(cpu[1:]) / args.attack)
            for process in processes:
                process.join(timeout=60)
                if process.is_alive():
                    process.kill()

        # The slow connections need a warm-up longer than the header deadline (10 s) to reach their steady state.
        attack("slow", args.slow, 0, args.warmup)
        attack("flood", 0, args.flood, 3)
        attack("both", args.slow, args.flood, args.warmup)
        probes.finish()
    finally:
        coordinator.send_signal(signal.SIGTERM)
        try:
            coordinator.wait(timeout=30)
        except subprocess.TimeoutExpired:
            coordinator.kill()

    phases = ("idle", "slow", "flood", "both")
    print(f"probes: each on a new connection, 5/s each; {args.idle} s idle, then {args.attack} s measured under each attack: "
          f"slow = {args.slow} slow connections ({args.warmup} s warm-up), flood = {args.flood} junk clients, both")
    print(f"{'phase':6} {'probe':16} {'n':>4} {'ok':>4} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'p99/idle':>8}")
    for kind in ("agent ingest", "CI header fetch"):
        idle_p99 = None
        for phase in phases:
            rows = [s for s in probes.samples if s[0] == phase and s[1] == kind]
            ok = [s[3] * 1000 for s in rows if s[2] == 200]
            p99 = percentile(ok, 99)
            idle_p99 = idle_p99 or p99
            print(f"{phase:6} {kind:16} {len(rows):4d} {len(ok):4d} {percentile(ok, 50):7.1f} {p99:7.1f} "
                  f"{max(ok) if ok else float('nan'):7.1f} {p99 / idle_p99:7.2f}x")
            failures = sorted({str(s[2]) for s in rows if s[2] != 200})
            if failures:
                print(f"       failures: {failures}")
    print(f"idle: CPU (cores) coordinator {idle_cpu:.2f}")
    for label, (before, after, log_bytes, coordinator_cpu, attacker_cpu) in deltas.items():
        print(f"{label}: while measured, CPU (cores) coordinator {coordinator_cpu:.2f}, attack generators {attacker_cpu:.2f}; "
              f"coordinator log {log_bytes} bytes; metrics:")
        for key in sorted(after):
            if key.startswith("vantage_ingest_duration_seconds_bucket"):
                continue
            delta = after[key] - before.get(key, 0)
            if delta or key == "vantage_http_connections":
                print(f"  {key}: {after[key] if key == 'vantage_http_connections' else delta:.0f}")
        for part in ("slow", "flood"):
            path = os.path.join(args.fixtures, f"{label}-{part}.json")
            if os.path.exists(path):
                print(f"  {part} generator (whole run incl. warm-up): {open(path).read()}")

if __name__ == "__main__":
    main()
