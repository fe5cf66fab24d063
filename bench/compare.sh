#!/usr/bin/env bash
# Two builds of Microc side by side with node_exporter, for a change measured against the build
# before it: both through bin/microc (its flags and a class-data archive of their own), the same
# arguments, node_exporter 1.5 with its defaults but systemd and Microc's file system excludes
# (as bench/host-bench.sh), on loopback ports. Reports for A, B and node_exporter, and B/A:
#   - launch to the first good scrape (a 200 holding node_cpu_seconds_total) and the CPU time the
#     process had used by then: the median of L launches each (default 5), A and B alternating,
#     the last of which goes on to the scrapes
#   - scrape latency p50/p99 and CPU per scrape as Prometheus scrapes (its Accept header,
#     OpenMetrics first, gzip, one keep-alive connection) and as plain text 0.0.4: N scrapes each
#     (default 2000) after W warm-up scrapes (default 100), the three scraped in turn
#   - resident set after the scrapes (anonymous and file-backed), threads
#
# Usage: bench/compare.sh A.jar B.jar [scrapes] [warm-up] [launches] [-- microc arguments]
# Environment: A_OPTS, B_OPTS are appended to the JVM flags of A and B (JAVA_OPTS); A_FLAGS,
# B_FLAGS replace them (MICROC_JVM_FLAGS); A_LAUNCHER, B_LAUNCHER another bin/microc;
# MODES (default "prometheus text"); NODE=0 leaves node_exporter out; CDS=off runs both without
# a class-data archive (a first run).
# Default Microc arguments: --no-collector.containers.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

a_jar=$(readlink -f "$1"); b_jar=$(readlink -f "$2"); shift 2
scrapes=2000; warmup=100; launches=5
for v in scrapes warmup launches; do
  if [ $# -gt 0 ] && [ "$1" != -- ]; then printf -v "$v" '%s' "$1"; shift; fi
done
[ "${1:-}" = -- ] && shift
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--no-collector.containers)
modes=${MODES:-prometheus text}
node_exporter=${NODE_EXPORTER:-$(command -v prometheus-node-exporter || command -v node_exporter || true)}
with_node=${NODE:-1}
[ -n "$node_exporter" ] || with_node=0

out=${BENCH_OUT:-bench/out/compare}
mkdir -p "$out"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

mount_points_exclude='^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)'
fs_types_exclude='^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$'

echo "== machine"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); nproc: $(nproc); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "kernel: $(uname -sr); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "java: $(java -version 2>&1 | head -2 | tail -1)"
echo "A: $a_jar ${A_OPTS:-} ${A_FLAGS:+(flags: $A_FLAGS)} ${A_LAUNCHER:-}"
echo "B: $b_jar ${B_OPTS:-} ${B_FLAGS:+(flags: $B_FLAGS)} ${B_LAUNCHER:-}"
echo "arguments: ${args[*]}"

# The command of A or B on a port, as an array in cmd; its environment in envs.
command_of() {
  local who=$1 port=$2 jar opts flags launcher
  if [ "$who" = a ]; then jar=$a_jar opts=${A_OPTS:-} flags=${A_FLAGS:-} launcher=${A_LAUNCHER:-bin/microc}
  else jar=$b_jar opts=${B_OPTS:-} flags=${B_FLAGS:-} launcher=${B_LAUNCHER:-bin/microc}; fi
  envs=(MICROC_JAR="$jar" MICROC_CDS_DIR="$work/cds-$who" JAVA_OPTS="$opts")
  [ -n "$flags" ] && envs+=(MICROC_JVM_FLAGS="$flags")
  [ "${CDS:-on}" = off ] && envs+=(MICROC_CDS=off)
  cmd=("$launcher" "${args[@]}" --web.listen-address="127.0.0.1:$port")
}
for who in a b; do
  [ "${CDS:-on}" = off ] && break
  command_of "$who" 0
  env "${envs[@]}" MICROC_CDS=train "${cmd[@]}" >/dev/null 2>&1 || echo "bench: training of $who failed" >&2
done

declare -A firsts cpus pid_of port_of
who_all=(a b)
[ "$with_node" = 1 ] && who_all+=(node)
for ((i = 1; i <= launches; i++)); do
  for who in "${who_all[@]}"; do
    port=$(free_port)
    if [ "$who" = node ]; then
      cmd=("$node_exporter" --no-collector.systemd --web.listen-address="127.0.0.1:$port"
        "--collector.filesystem.mount-points-exclude=$mount_points_exclude"
        "--collector.filesystem.fs-types-exclude=$fs_types_exclude" "--collector.netdev.device-exclude=")
      launch "$port" "$out/$who.log" "${cmd[@]}"
    else
      command_of "$who" "$port"
      launch "$port" "$out/$who.log" env "${envs[@]}" "${cmd[@]}"
    fi
    firsts[$who]="${firsts[$who]:-} $first_ms"; cpus[$who]="${cpus[$who]:-} $first_cpu"
    if [ "$i" -lt "$launches" ]; then
      kill "$launched_pid"; wait "$launched_pid" 2>/dev/null || true
    else
      pid_of[$who]=$launched_pid; port_of[$who]=$port
    fi
  done
done
targets=()
for who in "${who_all[@]}"; do targets+=("$who=http://127.0.0.1:${port_of[$who]}/metrics"); done
python3 bench/scrape.py prometheus "$warmup" "$work" "${targets[@]}"

declare -A cpu_of p50_of p99_of
for mode in $modes; do
  declare -A t0
  for who in "${who_all[@]}"; do t0[$who]=$(cpu_ticks "${pid_of[$who]}"); done
  python3 bench/scrape.py "$mode" "$scrapes" "$work" "${targets[@]}"
  for who in "${who_all[@]}"; do
    cpu_of[$mode,$who]=$(awk -v d=$(( $(cpu_ticks "${pid_of[$who]}") - t0[$who] )) -v hz="$(getconf CLK_TCK)" \
      -v n="$scrapes" 'BEGIN {printf "%.3f", d * 1000 / hz / n}')
    p50_of[$mode,$who]=$(awk -v t="$(percentile "$work/$who.times" 50)" 'BEGIN {printf "%.3f", t * 1000}')
    p99_of[$mode,$who]=$(awk -v t="$(percentile "$work/$who.times" 99)" 'BEGIN {printf "%.3f", t * 1000}')
  done
done

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
row() {
  local label=$1 a=$2 b=$3 n=${4:-}
  printf '%-40s %10s %10s %10s %7s\n' "$label" "$a" "$b" "$n" \
    "$(awk -v a="$a" -v b="$b" 'BEGIN {if (a > 0) printf "%.3f", b / a; else print "-"}')"
}
printf '%-40s %10s %10s %10s %7s\n' "" A B node_exp B/A
node() { [ "$with_node" = 1 ] && echo "$1" || echo -; }
row "first good scrape, median (ms)" "$(echo "${firsts[a]}" | median)" "$(echo "${firsts[b]}" | median)" \
  "$(node "$(echo "${firsts[node]:-}" | median)")"
row "  CPU used by then, median (ms)" "$(echo "${cpus[a]}" | median)" "$(echo "${cpus[b]}" | median)" \
  "$(node "$(echo "${cpus[node]:-}" | median)")"
echo "  launches (ms): A${firsts[a]}; B${firsts[b]}; node_exporter${firsts[node]:-}"
for mode in $modes; do
  echo "$mode ($scrapes scrapes each, in turn)"
  for f in cpu p50 p99; do
    declare -n m="${f}_of"
    label="  CPU per scrape (ms)"; [ "$f" = p50 ] && label="  latency p50 (ms)"; [ "$f" = p99 ] && label="  latency p99 (ms)"
    row "$label" "${m[$mode,a]}" "${m[$mode,b]}" "$(node "${m[$mode,node]:-}")"
  done
done
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
rss_row() {
  local label=$1 fn=$2
  row "$label" "$(mib "$($fn "${pid_of[a]}")")" "$(mib "$($fn "${pid_of[b]}")")" \
    "$(node "$(mib "$($fn "${pid_of[node]:-self}")")")"
}
file_kib() { echo $(( $(rss_kib "$1") - $(anon_kib "$1") )); }
threads() { awk '/^Threads/ {print $2}' "/proc/$1/status"; }
rss_row "RSS after the scrapes (MiB)" rss_kib
rss_row "  anonymous (MiB)" anon_kib
rss_row "  file-backed (MiB)" file_kib
row "threads" "$(threads "${pid_of[a]}")" "$(threads "${pid_of[b]}")" "$(node "$(threads "${pid_of[node]:-self}")")"
codecache() { jcmd "$1" Compiler.codecache 2>/dev/null | sed -n 's/.* used=\([0-9]*\)Kb.*/\1/p' | head -1; }
nmethods() { jcmd "$1" Compiler.codecache 2>/dev/null | sed -n 's/.*nmethods=\([0-9]*\).*/\1/p' | head -1; }
row "code cache used (MiB)" "$(mib "$(codecache "${pid_of[a]}")")" "$(mib "$(codecache "${pid_of[b]}")")" -
row "  compiled methods" "$(nmethods "${pid_of[a]}")" "$(nmethods "${pid_of[b]}")" -
