#!/usr/bin/env bash
# Microc against node_exporter, side by side on loopback ports, each with all its default host
# collectors (node_exporter's without systemd, which needs a systemd; Microc's without the
# containers collector, which node_exporter has no counterpart for), both with their own
# process and runtime metrics and the same file system, disk and interface excludes (Microc's
# defaults; Debian patches node_exporter's). Reports for both, and Microc/node_exporter as a
# ratio:
#   - time from launch to the first good scrape (a 200 holding node_cpu_seconds_total): the
#     median of L launches (default 5), the last of which goes on to the scrapes
#   - scrape latency p50/p99 and CPU seconds per scrape (utime+stime of the process,
#     /proc/<pid>/stat, over the N scrapes) as Prometheus scrapes: its Accept header (OpenMetrics
#     first), gzip, one keep-alive connection; then again for the plain text format without
#     compression. N scrapes each (default 3000), the exporters in turn so that both see the
#     same machine noise, after W warm-up scrapes (default 50)
#   - resident set size after those scrapes, and how much of it is anonymous memory (heap,
#     code, stacks) rather than file pages mapped from disk (the JVM's library, the class-data
#     archives), which are clean and which the kernel can drop and share
#   - per collector that both have: CPU per scrape and p50 of K scrapes (default 300) of
#     /metrics?collect[]=<collector> as Prometheus scrapes (the request's own cost included:
#     compare a collector with the cheapest), and each exporter's self-reported duration of the
#     collector in those scrapes (the mean of every tenth; alone, so without waiting for a thread)
# Microc runs through bin/microc (its JVM flags and class-data archive).
#
# Usage: bench/host-bench.sh [scrapes (default 3000)] [warm-up scrapes (default 50)]
#        [launches (default 5)] [scrapes per collector (default 300)]
# (a p99 over 1,000 scrapes rests on the ten slowest, and moved by 20 % between two runs
# here; over 3,000 it rests on thirty)
# Needs: exporter-app/target/microc-exporter.jar (mvn -B package), prometheus-node-exporter,
# curl, python3. Targets: Microc's p99 and CPU per scrape at most 0.8x node_exporter's, RSS at
# most 2x node_exporter's, first good scrape within 0.5 s.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

scrapes=${1:-3000}
warmup=${2:-50}
launches=${3:-5}
per_collector=${4:-300}
node_exporter=${NODE_EXPORTER:-$(command -v prometheus-node-exporter || command -v node_exporter || true)}
[ -n "$node_exporter" ] || { echo "bench: node_exporter not found (apt-get install prometheus-node-exporter)" >&2; exit 1; }
[ -f exporter-app/target/microc-exporter.jar ] || { echo "bench: build the jar first: mvn -B package -DskipTests" >&2; exit 1; }

out=${BENCH_OUT:-bench/out}
mkdir -p "$out"

# Microc's defaults (exporter-core's reference.conf), given to node_exporter too.
mount_points_exclude='^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)'
fs_types_exclude='^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$'
microc_port=$(free_port)
node_port=$(free_port)
microc_cmd=(bin/microc --no-collector.containers --web.listen-address="127.0.0.1:$microc_port")
node_cmd=("$node_exporter" --no-collector.systemd --web.listen-address="127.0.0.1:$node_port"
  "--collector.filesystem.mount-points-exclude=$mount_points_exclude"
  "--collector.filesystem.fs-types-exclude=$fs_types_exclude"
  "--collector.netdev.device-exclude=")

echo "== machine"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); nproc: $(nproc); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "kernel: $(uname -sr); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "java: $(java -version 2>&1 | head -2 | tail -1)"
echo "what is collected: $(ls /sys/class/net | wc -l) network interfaces, $(wc -l </proc/self/mountinfo) mounts, $(grep -c . /proc/diskstats) block devices, $(ls -d /proc/[0-9]* | wc -l) processes"
echo "node_exporter: $("$node_exporter" --version 2>&1 | head -1)"
echo "microc: ${microc_cmd[*]}"
echo "node_exporter: ${node_cmd[*]}"

# The first run of bin/microc with these arguments writes their class-data archive; time it apart.
t0=$(now_ms)
MICROC_CDS=train "${microc_cmd[@]}" >/dev/null
echo "MICROC_CDS=train bin/microc ..., archive creation if missing: $(( $(now_ms) - t0 )) ms"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# Launches each exporter L times, alternating, and keeps the last one running; sets
# microc_first and node_first to the median time to the first good scrape.
microc_firsts=""; node_firsts=""
for i in $(seq "$launches"); do
  launch "$microc_port" "$out/microc.log" "${microc_cmd[@]}"
  microc_pid=$launched_pid; microc_firsts="$microc_firsts $first_ms"
  launch "$node_port" "$out/node_exporter.log" "${node_cmd[@]}"
  node_pid=$launched_pid; node_firsts="$node_firsts $first_ms"
  if [ "$i" -lt "$launches" ]; then
    kill "$microc_pid" "$node_pid"
    wait "$microc_pid" "$node_pid" 2>/dev/null || true
  fi
done
microc_first=$(echo "$microc_firsts" | median); node_first=$(echo "$node_firsts" | median)
echo "first good scrape per launch (ms): Microc$microc_firsts; node_exporter$node_firsts"

microc_url="http://127.0.0.1:$microc_port/metrics"
node_url="http://127.0.0.1:$node_port/metrics"
prometheus_accept='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
content_type() { curl -s -o /dev/null -w '%{content_type}' -H "Accept: $prometheus_accept" "$1"; }
echo "answer to Prometheus's Accept: Microc $(content_type "$microc_url"); node_exporter $(content_type "$node_url")"
python3 bench/scrape.py prometheus "$warmup" "$out" microc="$microc_url" node_exporter="$node_url"

# One run of N scrapes each in MODE; prints the figures' arguments for the report.
run() {
  local mode=$1 dir="$out/$1"
  mkdir -p "$dir"
  local m0 n0
  m0=$(cpu_ticks "$microc_pid"); n0=$(cpu_ticks "$node_pid")
  python3 bench/scrape.py "$mode" "$scrapes" "$dir" microc="$microc_url" node_exporter="$node_url"
  echo "$(( $(cpu_ticks "$microc_pid") - m0 )) $(( $(cpu_ticks "$node_pid") - n0 ))" \
    "$(percentile "$dir/microc.times" 50) $(percentile "$dir/microc.times" 99)" \
    "$(percentile "$dir/node_exporter.times" 50) $(percentile "$dir/node_exporter.times" 99)"
}
prometheus_figures=$(run prometheus)
text_figures=$(run text)
microc_rss=$(rss_kib "$microc_pid"); node_rss=$(rss_kib "$node_pid")
microc_anon=$(anon_kib "$microc_pid"); node_anon=$(anon_kib "$node_pid")
microc_series=$(curl -s "$microc_url" | grep -c '^node_' || true)
node_series=$(curl -s "$node_url" | grep -c '^node_' || true)

# The collectors both have: Microc's enabled ones, of those node_exporter reports.
collectors=$(comm -12 \
  <(curl -s "$microc_url" | sed -n 's/^microc_scrape_collector_success{collector="\([^"]*\)"}.*/\1/p' | sort) \
  <(curl -s "$node_url" | sed -n 's/^node_scrape_collector_success{collector="\([^"]*\)"}.*/\1/p' | sort))
: >"$out/collectors.txt"
for c in $collectors; do
  dir="$out/collector-$c"
  mkdir -p "$dir"
  m0=$(cpu_ticks "$microc_pid"); n0=$(cpu_ticks "$node_pid")
  python3 bench/scrape.py prometheus "$per_collector" "$dir" microc="$microc_url?collect[]=$c" \
    node_exporter="$node_url?collect[]=$c"
  echo "$c $(( $(cpu_ticks "$microc_pid") - m0 )) $(( $(cpu_ticks "$node_pid") - n0 ))" \
    "$(percentile "$dir/microc.times" 50) $(percentile "$dir/node_exporter.times" 50)" \
    "$(awk -v c="$c" '$1 == c {print $2}' "$dir/microc.durations")" \
    "$(awk -v c="$c" '$1 == c {print $2}' "$dir/node_exporter.durations")" >>"$out/collectors.txt"
done

python3 - "$scrapes" "$per_collector" "$(getconf CLK_TCK)" "$microc_first" "$node_first" \
    "$microc_rss" "$node_rss" "$microc_anon" "$node_anon" "$microc_series" "$node_series" \
    "$out/collectors.txt" $prometheus_figures $text_figures <<'PY'
import sys
n, k, hz = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
mf, nf, mr, nr, ma, na, ms, ns = map(int, sys.argv[4:12])
collectors_file = sys.argv[12]
modes = {}
for name, args in (("Prometheus's Accept (OpenMetrics first), gzip, keep-alive", sys.argv[13:19]),
                   ("plain text 0.0.4, keep-alive", sys.argv[19:25])):
    mt, nt = int(args[0]), int(args[1])
    modes[name] = (mt / hz / n * 1000, nt / hz / n * 1000) + tuple(float(x) * 1000 for x in args[2:6])

def row(label, a, b):
    print(f"{label:34}{a:>10.2f}{b:>12.2f}{(a / b if b else float('nan')):>8.2f}")

print(f"== {n} scrapes each, in turn")
print(f"{'':34}{'Microc':>10}{'node_exp.':>12}{'ratio':>8}")
row("first good scrape, median (ms)", mf, nf)
for name, (mc, nc, m50, m99, n50, n99) in modes.items():
    print(name)
    row("  scrape latency p50 (ms)", m50, n50)
    row("  scrape latency p99 (ms)", m99, n99)
    row("  CPU per scrape (ms)", mc, nc)
row("RSS after the scrapes (MiB)", mr / 1024, nr / 1024)
row("  of which anonymous (MiB)", ma / 1024, na / 1024)
row("  of which file-backed (MiB)", (mr - ma) / 1024, (nr - na) / 1024)
row("node_* series per scrape", ms, ns)

print(f"== per collector: {k} scrapes of collect[]=<collector> each (CPU ms and p50 ms per scrape, the"
      " request's own cost included), self-reported duration (us)")
print(f"{'collector':18}{'CPU Microc':>11}{'node_exp.':>10}{'ratio':>7}{'p50 Microc':>12}{'node_exp.':>10}"
      f"{'self Microc':>13}{'node_exp.':>10}")
rows = []
for line in open(collectors_file):
    f = line.split()
    c, mt, nt, m50, n50 = f[0], int(f[1]), int(f[2]), float(f[3]) * 1000, float(f[4]) * 1000
    md = float(f[5]) if len(f) > 5 else float("nan")
    nd = float(f[6]) if len(f) > 6 else float("nan")
    rows.append((c, mt / hz / k * 1000, nt / hz / k * 1000, m50, n50, md, nd))
for c, mc, nc, m50, n50, md, nd in sorted(rows, key=lambda r: -r[2]):
    print(f"{c:18}{mc:>11.3f}{nc:>10.3f}{(mc / nc if nc else float('nan')):>7.2f}{m50:>12.3f}{n50:>10.3f}"
          f"{md:>13.1f}{nd:>10.1f}")

ok = lambda c: "ok" if c else "MISSED"
mc, nc, m50, m99, n50, n99 = modes["Prometheus's Accept (OpenMetrics first), gzip, keep-alive"]
print("targets (as Prometheus scrapes): p99 <= 0.8x node_exporter's: %s (%.2f); CPU/scrape <= 0.8x: %s (%.2f);"
      " RSS <= 2x: %s (%.2f); first scrape <= 500 ms: %s"
      % (ok(m99 <= 0.8 * n99), m99 / n99, ok(mc <= 0.8 * nc), mc / nc, ok(mr <= 2 * nr), mr / nr, ok(mf <= 500)))
PY
