#!/usr/bin/env python3
"""Scrapes exporters in turn, as Prometheus scrapes them, and records each answer's time.

Usage: scrape.py MODE N OUTDIR NAME=URL [NAME=URL ...]

MODE is "prometheus" (Prometheus 2.42's Accept header, which prefers OpenMetrics, and
Accept-Encoding: gzip) or "text" (the text format 0.0.4, no compression). Each exporter is
scraped N times over one keep-alive connection, the exporters in turn so that both see the
same machine noise. The time of a scrape is from the request's first byte sent to the
answer's last byte read, without decompressing it. OUTDIR/NAME.times gets one time (seconds) a
line; OUTDIR/NAME.durations gets, per collector, the mean of the exporter's self-reported
collector duration (node_scrape_collector_duration_seconds or
microc_scrape_collector_duration_seconds) over every tenth answer, in microseconds.
"""
import gzip
import http.client
import os
import re
import sys
import time
import urllib.parse

PROMETHEUS_ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                     "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
DURATION = re.compile(rb'^(?:node|microc)_scrape_collector_duration_seconds\{collector="([^"]+)"\} (\S+)',
                      re.M)


def main():
    mode, n, outdir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    targets = [arg.split("=", 1) for arg in sys.argv[4:]]
    if mode == "prometheus":
        headers = {"Accept": PROMETHEUS_ACCEPT, "Accept-Encoding": "gzip"}
    elif mode == "text":
        headers = {"Accept": "text/plain;version=0.0.4"}
    else:
        sys.exit("mode: prometheus or text")
    connections = {}
    times = {name: [] for name, _ in targets}
    durations = {name: {} for name, _ in targets}
    for i in range(n):
        for name, url in targets:
            u = urllib.parse.urlsplit(url)
            conn = connections.get(name)
            if conn is None:
                conn = connections[name] = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
            path = u.path + ("?" + u.query if u.query else "")
            start = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            times[name].append(time.perf_counter() - start)
            if response.status != 200:
                sys.exit(f"{name}: HTTP {response.status} for {url}")
            if i % 10 == 0:
                if response.getheader("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                for collector, value in DURATION.findall(body):
                    durations[name].setdefault(collector.decode(), []).append(float(value))
    for name, _ in targets:
        with open(os.path.join(outdir, name + ".times"), "w") as f:
            f.writelines(f"{t}\n" for t in times[name])
        with open(os.path.join(outdir, name + ".durations"), "w") as f:
            for collector, values in sorted(durations[name].items()):
                f.write(f"{collector} {sum(values) / len(values) * 1e6:.1f}\n")


if __name__ == "__main__":
    main()
