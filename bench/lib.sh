# Helpers the benchmark scripts share; sourced, not run.

# CPU time of a process so far, in clock ticks (utime + stime); getconf CLK_TCK per second.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Resident set of a process, and its anonymous part, in KiB.
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
anon_kib() { awk '/^RssAnon/ {print $2}' "/proc/$1/status"; }
# Milliseconds since the epoch.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# A free loopback port.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# The median of the whitespace-separated numbers on stdin.
median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
# The P-th percentile (nearest rank) of the numbers in FILE, one per line, in their unit.
percentile() { sort -g "$1" | awk -v p="$2" '{a[NR]=$1} END {i=int(NR*p/100+0.999); if (i<1) i=1; print a[i]}'; }
# Starts idle containers PREFIX-FROM .. PREFIX-(TO-1) of the test image, 4 at a time, labelled
# microc.bench=LABEL, on network NET (a user bridge, made when missing; "none" for none).
start_containers() {
  local from=$1 to=$2 prefix=$3 net=$4 label=$5 image=${MICROC_TEST_IMAGE:-microc-test/busybox:1}
  [ "$from" -lt "$to" ] || return 0
  [ "$net" = none ] || docker network inspect "$net" >/dev/null 2>&1 || docker network create "$net" >/dev/null
  seq "$from" $((to - 1)) | xargs -P 4 -I{} docker run -d --name "$prefix-{}" \
    --label "microc.bench=$label" --network "$net" "$image" sleep 100000 >/dev/null
}
# Removes the containers labelled microc.bench=LABEL and, when given, network NET.
remove_containers() {
  local ids
  ids=$(docker ps -aq --filter "label=microc.bench=$1")
  [ -n "$ids" ] && docker rm -f $ids >/dev/null 2>&1 || true
  [ -z "${2:-}" ] || docker network rm "$2" >/dev/null 2>&1 || true
}
# Kills a process this script started and waits for it.
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# Starts "$@" in the background (its output to LOG) and waits until a scrape of PORT on loopback
# holds node_cpu_seconds_total; adds the process to the caller's pids and sets launched_pid,
# first_ms (launch to that scrape) and first_cpu (the CPU time it had used by then, in ms; a
# launcher must exec the JVM for that to be the JVM's). Exits when the process does.
launch() {
  local port=$1 log=$2; shift 2
  local start; start=$(now_ms)
  "$@" >"$log" 2>&1 &
  launched_pid=$!
  pids+=("$launched_pid")
  until curl -sf -m 2 "http://127.0.0.1:$port/metrics" 2>/dev/null | grep -q '^node_cpu_seconds_total'; do
    kill -0 "$launched_pid" 2>/dev/null || { echo "bench: $* exited; see $log" >&2; exit 1; }
    sleep 0.005
  done
  first_ms=$(( $(now_ms) - start ))
  first_cpu=$(( $(cpu_ticks "$launched_pid") * 1000 / $(getconf CLK_TCK) ))
}

# Scrapes each URL N times, the URLs in turn, as Prometheus scrapes: the header ACCEPT, gzip,
# keep-alive (one curl for 100 scrapes of a URL).
scrape_in_turn() {
  local n=$1 accept=$2 done_ url urls
  shift 2
  for ((done_ = 0; done_ < n; done_ += 100)); do
    for url in "$@"; do
      urls=()
      for _ in $(seq 1 100); do urls+=("$url"); done
      curl -s --compressed -H "$accept" "${urls[@]}" >/dev/null
    done
  done
}
