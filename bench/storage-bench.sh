#!/usr/bin/env bash
# The storage collectors (mdadm, nfs, nfsd, xfs, zfs, btrfs, bcache, ipvs, textfile) of Microc
# and node_exporter 1.5, side by side on loopback ports, reading the same procfs, sysfs and
# textfile directory with data in them: the fixture trees of exporter-core/src/test/parity
# merged into one (11 md arrays, an NFS client and server, two XFS file systems, OpenZFS kstats
# with three pools, three btrfs file systems, a bcache set, IPVS services, a textfile directory
# of good and bad files). A host without these sources costs both almost nothing; this is what
# they cost where they are. Per collector: CPU per scrape and p50 of K scrapes of
# /metrics?collect[]=<collector> as Prometheus scrapes (its Accept header, gzip, keep-alive;
# the request's own cost included), the exporters in turn, after W warm-up scrapes, and each
# exporter's self-reported duration of the collector.
#
# Usage: bench/storage-bench.sh [scrapes per collector (default 1000)] [warm-up (default 200)]
# Needs: exporter-app/target/microc-exporter.jar (mvn -B package), prometheus-node-exporter,
# curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

per_collector=${1:-1000}
warmup=${2:-200}
collectors="mdadm nfs nfsd xfs zfs btrfs bcache ipvs textfile"
node_exporter=$(command -v node_exporter || command -v prometheus-node-exporter || true)
[ -n "$node_exporter" ] || { echo "bench: node_exporter not found (apt-get install prometheus-node-exporter)" >&2; exit 1; }
[ -f exporter-app/target/microc-exporter.jar ] || { echo "bench: build the jar first: mvn -B package -DskipTests" >&2; exit 1; }

out=${BENCH_OUT:-bench/out/storage}
mkdir -p "$out"
tree=$(mktemp -d)
trees=exporter-core/src/test/parity
for t in mdadm nfs zfs ipvs xfs btrfs bcache; do
  cp -a "$trees/$t/." "$tree/"
done
rm -f "$tree/parity.conf"
cp -a "$trees/textfile/textfile" "$tree/textfile"
mkdir -p "$tree/rootfs"

microc_port=$(free_port)
node_port=$(free_port)
microc_cmd=(bin/microc --collector.disable-defaults --web.listen-address="127.0.0.1:$microc_port")
node_cmd=("$node_exporter" --collector.disable-defaults --web.listen-address="127.0.0.1:$node_port"
  --path.procfs="$tree/proc" --path.sysfs="$tree/sys" --path.rootfs="$tree/rootfs"
  --collector.textfile.directory="$tree/textfile")
for c in $collectors; do
  microc_cmd+=("--collector.$c")
  node_cmd+=("--collector.$c")
done
microc_cmd+=(--collector.textfile.directory="$tree/textfile")

echo "== machine"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); nproc: $(nproc); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "kernel: $(uname -sr); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "java: $(java -version 2>&1 | head -2 | tail -1)"
echo "node_exporter: $("$node_exporter" --version 2>&1 | head -1)"
echo "microc: MICROC_HOST_PROC=$tree/proc MICROC_HOST_SYS=$tree/sys ${microc_cmd[*]}"
echo "node_exporter: ${node_cmd[*]}"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tree"; }
trap cleanup EXIT
MICROC_HOST_PROC="$tree/proc" MICROC_HOST_SYS="$tree/sys" MICROC_HOST_ROOTFS="$tree/rootfs" \
  "${microc_cmd[@]}" >"$out/microc.log" 2>&1 &
microc_pid=$!; pids+=("$microc_pid")
"${node_cmd[@]}" >"$out/node_exporter.log" 2>&1 &
node_pid=$!; pids+=("$node_pid")
for port in "$microc_port" "$node_port"; do
  until curl -sf -m 2 "http://127.0.0.1:$port/metrics" >/dev/null 2>&1; do sleep 0.05; done
done
microc_url="http://127.0.0.1:$microc_port/metrics"
node_url="http://127.0.0.1:$node_port/metrics"
python3 bench/scrape.py prometheus "$warmup" "$out" microc="$microc_url" node_exporter="$node_url"

: >"$out/collectors.txt"
for c in $collectors; do
  dir="$out/collector-$c"
  mkdir -p "$dir"
  series_m=$(curl -s "$microc_url?collect[]=$c" | grep -c '^node_' || true)
  series_n=$(curl -s "$node_url?collect[]=$c" | grep -c '^node_' || true)
  m0=$(cpu_ticks "$microc_pid"); n0=$(cpu_ticks "$node_pid")
  python3 bench/scrape.py prometheus "$per_collector" "$dir" microc="$microc_url?collect[]=$c" \
    node_exporter="$node_url?collect[]=$c"
  echo "$c $(( $(cpu_ticks "$microc_pid") - m0 )) $(( $(cpu_ticks "$node_pid") - n0 ))" \
    "$(percentile "$dir/microc.times" 50) $(percentile "$dir/node_exporter.times" 50)" \
    "$(awk -v c="$c" '$1 == c {print $2}' "$dir/microc.durations")" \
    "$(awk -v c="$c" '$1 == c {print $2}' "$dir/node_exporter.durations")" \
    "$series_m $series_n" >>"$out/collectors.txt"
done

python3 - "$per_collector" "$(getconf CLK_TCK)" "$out/collectors.txt" <<'PY'
import sys
k, hz = int(sys.argv[1]), int(sys.argv[2])
print(f"== per collector: {k} scrapes of collect[]=<collector> each, as Prometheus scrapes (CPU ms and"
      " p50 ms per scrape, the request's own cost included), self-reported duration (us), node_* series")
print(f"{'collector':10}{'CPU Microc':>11}{'node_exp.':>10}{'ratio':>7}{'p50 Microc':>12}{'node_exp.':>10}"
      f"{'self Microc':>13}{'node_exp.':>10}{'series':>8}{'node_exp.':>10}")
for line in open(sys.argv[3]):
    f = line.split()
    c, mt, nt, m50, n50 = f[0], int(f[1]), int(f[2]), float(f[3]) * 1000, float(f[4]) * 1000
    md, nd, ms, ns = float(f[5]), float(f[6]), int(f[7]), int(f[8])
    mc, nc = mt / hz / k * 1000, nt / hz / k * 1000
    print(f"{c:10}{mc:>11.3f}{nc:>10.3f}{(mc / nc if nc else float('nan')):>7.2f}{m50:>12.3f}{n50:>10.3f}"
          f"{md:>13.1f}{nd:>10.1f}{ms:>8}{ns:>10}")
PY
