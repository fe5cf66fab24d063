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
# The P-th percentile (nearest rank) of the numbers in FILE, one per line, in their unit.
percentile() { sort -g "$1" | awk -v p="$2" '{a[NR]=$1} END {i=int(NR*p/100+0.999); if (i<1) i=1; print a[i]}'; }
