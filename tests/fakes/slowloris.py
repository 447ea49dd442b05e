#!/usr/bin/env python3
"""A slowloris against `sprout review serve`, with a reviewer saving through it.

  tests/fakes/slowloris.py URL TOKEN [--held N] [--hold S] [--saves N]
                           [--limit S] [--trickle S]

Opens N connections (default 600) to URL and sends each the start of a
request, `GET / HTTP/1.1\\r\\nHost: x\\r\\n`, and nothing more; a connection
the server closes is opened again, so N stay pending for S seconds (default
8). Meanwhile the reviewer with TOKEN saves N decisions (--saves, default
20; items 1..N, each "accept"), each on a new connection, spread over the
hold. --trickle S sends one more header line on every held connection every
S seconds (the classic slowloris, which no idle timeout stops).

Prints the sockets held, the saves that succeeded and their latency
(p50, p99, max). Exits 0 only if every save answered 200 within --limit
seconds (default 5). Talks to 127.0.0.1 only: the caller starts the server.
"""
import argparse
import http.client
import json
import resource
import select
import socket
import sys
import threading
import time
import urllib.parse

START = b"GET / HTTP/1.1\r\nHost: x\r\n"


def percentile(v, p):
    v = sorted(v)
    if not v:
        return float("nan")
    k = max(0, min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1)))))
    return v[k]


def open_one(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect((host, port))
    except BlockingIOError:
        pass
    except OSError:
        s.close()
        return None
    return s


class Attack:
    def __init__(self, host, port, n, trickle):
        self.host, self.port, self.n, self.trickle = host, port, n, trickle
        self.socks = {}  # fd -> [socket, sent the start]
        self.stop = threading.Event()
        self.reopened = 0
        self.max_open = 0

    def fill(self):
        while len(self.socks) < self.n and not self.stop.is_set():
            s = open_one(self.host, self.port)
            if s is None:
                time.sleep(0.01)
                return
            self.socks[s.fileno()] = [s, False]

    def drop(self, fd):
        s = self.socks.pop(fd)[0]
        s.close()
        self.reopened += 1

    def run(self):
        last_trickle = time.monotonic()
        while not self.stop.is_set():
            self.fill()
            self.max_open = max(self.max_open, len(self.socks))
            poll = select.poll()
            for fd, (_, sent) in self.socks.items():
                poll.register(fd, select.POLLIN if sent else select.POLLIN | select.POLLOUT)
            r, w = [], []
            for fd, ev in poll.poll(200):
                if ev & (select.POLLIN | select.POLLHUP | select.POLLERR):
                    r.append(fd)
                elif ev & select.POLLOUT:
                    w.append(fd)
            for fd in w:
                if fd in self.socks:
                    try:
                        self.socks[fd][0].send(START)
                        self.socks[fd][1] = True
                    except OSError:
                        self.drop(fd)
            for fd in r:  # readable: the server answered or closed
                if fd in self.socks:
                    try:
                        data = self.socks[fd][0].recv(4096)
                    except OSError:
                        data = b""
                    if not data:
                        self.drop(fd)
            if self.trickle and time.monotonic() - last_trickle >= self.trickle:
                last_trickle = time.monotonic()
                for fd in list(self.socks):
                    if self.socks[fd][1]:
                        try:
                            self.socks[fd][0].send(b"X-a: b\r\n")
                        except OSError:
                            self.drop(fd)
        for s, _ in self.socks.values():
            s.close()

    def held(self):
        return sum(1 for _, sent in list(self.socks.values()) if sent)


def save(host, port, token, csrf, item, limit):
    t0 = time.perf_counter()
    try:
        c = http.client.HTTPConnection(host, port, timeout=limit)
        c.request("POST", "/api/item/%d/decision" % item, body='{"decision":"accept"}',
                  headers={"Authorization": "Bearer " + token, "X-CSRF-Token": csrf,
                           "Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        c.close()
        status = r.status
    except (OSError, http.client.HTTPException) as e:
        status = type(e).__name__
    return status, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("token")
    ap.add_argument("--held", type=int, default=600)
    ap.add_argument("--hold", type=float, default=8)
    ap.add_argument("--saves", type=int, default=20)
    ap.add_argument("--limit", type=float, default=5)
    ap.add_argument("--trickle", type=float, default=0)
    a = ap.parse_args()
    u = urllib.parse.urlparse(a.url)
    host, port = u.hostname, u.port
    if host != "127.0.0.1":
        sys.exit("slowloris.py: 127.0.0.1 only")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = a.held + 64
    if soft < want:
        if hard != resource.RLIM_INFINITY and hard < want:
            sys.exit("slowloris.py: ulimit -n is %d, %d needed" % (hard, want))
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    c = http.client.HTTPConnection(host, port, timeout=10)
    c.request("GET", "/api/me", headers={"Authorization": "Bearer " + a.token})
    csrf = json.loads(c.getresponse().read())["csrf"]
    c.close()

    attack = Attack(host, port, a.held, a.trickle)
    th = threading.Thread(target=attack.run, daemon=True)
    th.start()
    t_open = time.monotonic()
    while attack.held() < a.held and time.monotonic() - t_open < 10:
        time.sleep(0.05)
    held_at_start = attack.held()
    start = time.monotonic()
    gap = a.hold / (a.saves + 1)
    results = []
    for i in range(a.saves):
        wait = start + gap * (i + 1) - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        if time.monotonic() > start + a.hold + a.limit:
            break  # the server is too slow: the saves left count as failed
        results.append(save(host, port, a.token, csrf, i + 1, a.limit))
    rest = start + a.hold - time.monotonic()
    if rest > 0:
        time.sleep(rest)
    held_at_end = attack.held()
    attack.stop.set()
    th.join()

    lat = [t for _, t in results]
    ok = [s == 200 and t <= a.limit for s, t in results] + [False] * (a.saves - len(results))
    print("held %d half-sent requests (%d at the end, %d reopened after the server closed them)"
          % (held_at_start, held_at_end, attack.reopened))
    print("saved %d of %d within %g s" % (sum(ok), len(ok), a.limit))
    print("save latency: p50 %.3f s, p99 %.3f s, max %.3f s"
          % (percentile(lat, 50), percentile(lat, 99), max(lat) if lat else float("nan")))
    for i, (s, t) in enumerate(results):
        if s != 200 or t > a.limit:
            print("  save %d: %s after %.3f s" % (i + 1, s, t))
    if len(results) < a.saves:
        print("  saves %d to %d: not tried (out of time)" % (len(results) + 1, a.saves))
    sys.exit(0 if all(ok) and held_at_start >= a.held else 1)


if __name__ == "__main__":
    main()
