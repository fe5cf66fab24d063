#!/usr/bin/env python3
"""The endpoint's benchmark and attacks, for bench/web-bench.sh.

  web_attack.py cpu N CA USER:PASSWORD NAME=URL@PID ...
      N scrapes of each exporter in turn (HTTPS and basic auth when the URL and USER:PASSWORD
      say so; "" for none), Prometheus's Accept header
      and gzip: once on kept-alive connections, once with a new connection (a TLS handshake)
      per scrape. Prints CPU ms per scrape of each process, and latency p50/p99.
  web_attack.py attacks URL PID BIG_PATH
      The issue's attacks on a plain-HTTP endpoint, each while a scraper fetches URL every
      second: 256 kept-alive clients scraping every 5 s; 4 then 300 clients sending a request a
      byte every 2 s; 50 TLS ClientHellos at once, five times; 20 clients reading BIG_PATH's
      answer (over a megabyte) at a byte a second. Prints, per attack, the scraper's failures
      and slowest scrape, and the process's threads and descriptors before and after.
"""
import base64, http.client, os, socket, ssl, sys, threading, time, urllib.parse

ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
          "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
TICK = os.sysconf("SC_CLK_TCK")


def cpu_ms(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / TICK


def count(pid, what):
    return len(os.listdir(f"/proc/{pid}/{what}"))


def pct(values, p):
    v = sorted(values)
    return v[max(0, min(len(v) - 1, int(len(v) * p / 100 + 0.999) - 1))]


def connect(url, ca):
    u = urllib.parse.urlsplit(url)
    if u.scheme == "https":
        ctx = ssl.create_default_context(cafile=ca)
        return http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=10)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=10)


def scrape(conn, path, auth):
    headers = {"Accept": ACCEPT, "Accept-Encoding": "gzip"}
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        raise RuntimeError(f"status {r.status}")
    return len(body)


def cpu(n, ca, auth, targets):
    exporters = []
    for t in targets:
        name, rest = t.split("=", 1)
        url, pid = rest.rsplit("@", 1)
        exporters.append((name, url, int(pid), urllib.parse.urlsplit(url).path or "/metrics"))
    for mode in ("kept-alive", "new connection"):
        conns = {e[0]: connect(e[1], ca) for e in exporters}
        times = {e[0]: [] for e in exporters}
        for e in exporters:  # warm-up
            for _ in range(20):
                scrape(conns[e[0]], e[3], auth)
            sock = conns[e[0]].sock
            if mode == "kept-alive" and hasattr(sock, "cipher"):
                print(f"  {e[0]}: {' '.join(str(x) for x in sock.cipher()[:2])}")
        start = {e[0]: cpu_ms(e[2]) for e in exporters}
        for _ in range(n):
            for name, url, pid, path in exporters:
                if mode == "new connection":
                    conns[name].close()
                    conns[name] = connect(url, ca)
                t0 = time.perf_counter()
                scrape(conns[name], path, auth)
                times[name].append((time.perf_counter() - t0) * 1000)
        used = {e[0]: cpu_ms(e[2]) - start[e[0]] for e in exporters}
        over = "HTTPS" if exporters[0][1].startswith("https") else "plain HTTP"
        print(f"-- {mode}, {n} scrapes each over {over}" + (" with basic auth" if auth else ""))
        print(f"  {'':16} {'CPU ms/scrape':>14} {'p50 ms':>8} {'p99 ms':>8}")
        for name, *_ in exporters:
            print(f"  {name:16} {used[name] / n:14.3f} {pct(times[name], 50):8.2f} {pct(times[name], 99):8.2f}")
        names = [e[0] for e in exporters]
        if len(names) == 2:
            print(f"  ratio {names[0]}/{names[1]}: CPU {used[names[0]] / used[names[1]]:.2f}")
        for c in conns.values():
            c.close()


class Scraper(threading.Thread):
    def __init__(self, url):
        super().__init__(daemon=True)
        self.url, self.stop, self.failures, self.times = url, threading.Event(), [], []

    def run(self):
        u = urllib.parse.urlsplit(self.url)
        while not self.stop.is_set():
            t0 = time.perf_counter()
            try:
                c = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
                scrape(c, u.path + ("?" + u.query if u.query else ""), None)
                c.close()
            except Exception as e:  # noqa: BLE001 - every failure counts
                self.failures.append(str(e))
            took = time.perf_counter() - t0
            self.times.append(took * 1000)
            self.stop.wait(max(0.0, 1.0 - took))


def keep_alive(host, port, clients, interval, seconds):
    end = time.time() + seconds
    errors = []

    def client():
        try:
            c = http.client.HTTPConnection(host, port, timeout=10)
            time.sleep(interval * (hash(threading.current_thread().name) % 1000) / 1000.0)
            while time.time() < end:
                t0 = time.time()
                scrape(c, "/metrics", None)
                time.sleep(max(0.0, interval - (time.time() - t0)))
            c.close()
        except Exception as e:  # noqa: BLE001
            errors.append(str(e))
    threads = [threading.Thread(target=client, name=f"c{i}") for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return f"{len(errors)} of the {clients} clients saw an error" + (f" ({errors[0]})" if errors else "")


def slow_clients(host, port, clients, seconds):
    socks = [socket.create_connection((host, port)) for _ in range(clients)]
    request = b"GET /metrics HTTP/1.1\r\nHost: x\r\nUser-Agent: slow\r\n\r\n"
    start, i = time.time(), 0
    while time.time() - start < seconds:
        for s in socks:
            try:
                s.send(request[i % len(request):i % len(request) + 1])
            except OSError:
                pass
        i += 1
        time.sleep(2)
    cut = 0
    for s in socks:
        s.settimeout(0.2)
        try:
            if s.recv(1) == b"":
                cut += 1
        except socket.timeout:
            pass
        except OSError:
            cut += 1
        s.close()
    return f"{cut} of {clients} cut off by the server within {seconds} s"


def client_hellos(host, port, clients, rounds):
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    answered = 0
    for _ in range(rounds):
        held = []
        for _ in range(clients):
            s = socket.create_connection((host, port))
            incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
            obj = ctx.wrap_bio(incoming, outgoing)
            try:
                obj.do_handshake()
            except ssl.SSLWantReadError:
                pass
            s.send(outgoing.read())
            held.append(s)
        for s in held:
            s.settimeout(5)
            try:
                if s.recv(100).startswith(b"HTTP/1."):
                    answered += 1
            except OSError:
                pass
        time.sleep(1)
        for s in held:
            s.close()
    return f"{answered} of {clients * rounds} answered with an HTTP error"


def slow_readers(host, port, path, clients, seconds):
    socks = []
    for _ in range(clients):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect((host, port))
        s.send(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        socks.append(s)
    read = 0
    for _ in range(seconds):
        for s in socks:
            try:
                read += len(s.recv(1))
            except OSError:
                pass
        time.sleep(1)
    for s in socks:
        s.close()
    return f"{read} bytes read in {seconds} s"


def attacks(url, pid, big):
    u = urllib.parse.urlsplit(url)
    host, port = u.hostname, u.port
    time.sleep(2)
    idle = (count(pid, "task"), count(pid, "fd"))
    print(f"  idle: {idle[0]} threads, {idle[1]} descriptors")
    scenarios = [
        ("256 kept-alive clients scraping every 5 s, 15 s", lambda: keep_alive(host, port, 256, 5, 15)),
        ("4 slow clients (a byte every 2 s), 14 s", lambda: slow_clients(host, port, 4, 14)),
        ("300 slow clients (a byte every 2 s), 14 s", lambda: slow_clients(host, port, 300, 14)),
        ("50 TLS ClientHellos on the plain port, 5 rounds", lambda: client_hellos(host, port, 50, 5)),
        ("20 clients reading a >1 MB answer at 1 byte/s, 15 s", lambda: slow_readers(host, port, big, 20, 15)),
    ]
    for name, attack in scenarios:
        scraper = Scraper(url)
        scraper.start()
        t0 = time.time()
        outcome = attack()
        scraper.stop.set()
        scraper.join()
        peak = (count(pid, "task"), count(pid, "fd"))
        print(f"  {name}: {outcome}; scraper {len(scraper.times)} scrapes, {len(scraper.failures)} failed,"
              f" slowest {max(scraper.times or [0]):.0f} ms ({time.time() - t0:.0f} s)"
              + (f"; first failure: {scraper.failures[0]}" if scraper.failures else ""))
    deadline = time.time() + 40
    while time.time() < deadline and (count(pid, "task") > idle[0] + 1 or count(pid, "fd") > idle[1] + 1):
        time.sleep(1)
    print(f"  afterwards: {count(pid, 'task')} threads, {count(pid, 'fd')} descriptors"
          f" (idle {idle[0]}, {idle[1]}); alive: {os.path.exists(f'/proc/{pid}')}")


if __name__ == "__main__":
    if sys.argv[1] == "cpu":
        cpu(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:])
    else:
        attacks(sys.argv[2], int(sys.argv[3]), sys.argv[4])
