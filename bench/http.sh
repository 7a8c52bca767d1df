#!/usr/bin/env bash
# The file server against nginx (1 worker, sendfile on), Bun.serve(Bun.file())
# and Deno.serve (file stream): wrk, keep-alive, 64 connections, files of
# 4 KiB, 64 KiB and 1 MiB; plus 2 workers against 1, and the fetch-handler
# path against Bun.serve / Deno.serve returning a small text; then 5,000
# concurrent connections (4 KiB) and 10,000 idle keep-alive connections (RSS,
# idle CPU). Every server is measured in the same run; the tables report
# ratios, and the server's CPU time per request (user + system, all its
# threads, io-wq workers included: steadier than req/s on a shared machine).
# Writes bench/HTTP.md (or $OUT). Env: DURATION (s, default 5), CONNS
# (default 64), ROUNDS (3), BIG (5000), IDLE (10000), NOTE.
set -euo pipefail
cd "$(dirname "$0")/.."
export NO_COLOR=1
DURATION=${DURATION:-5}
CONNS=${CONNS:-64}
OUT=${OUT:-bench/HTTP.md}
deno=node_modules/.bin/deno
# 5,000 busy and 10,000 idle connections: descriptors for both ends.
ulimit -n 30000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
bun=node_modules/.bin/bun

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
if ((${#need[@]})); then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
make -s -C ffi

work=$(mktemp -d /tmp/jsuring-httpbench.XXXXXX)
root=$work/www
mkdir -p "$root"
head -c 4096 /dev/urandom >"$root/4k.bin"
head -c 65536 /dev/urandom >"$root/64k.bin"
head -c 1048576 /dev/urandom >"$root/1m.bin"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

declare -A PID
# start NAME CMD...: run a server, wait for its "listening on" line, set PORT.
start() {
  local name=$1; shift
  "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  PID[$name]=$!
  for _ in $(seq 200); do
    if grep -q "listening on" "$work/$name.log"; then
      PORT=$(grep -o 'listening on http://[^/]*' "$work/$name.log" | head -1 | sed 's/.*://')
      return 0
    fi
    sleep 0.05
  done
  echo "bench: $name did not start:"; cat "$work/$name.log"; exit 1
}

# CPU time (clock ticks, user + system, every thread) of process PID.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# run PORT PATH PID [CONNS] → "req/s MB/s p50 p99 non2xx cpu_us_per_req socket_errors"
# (one warm-up second first)
run() {
  local port=$1 path=$2 pid=$3 conns=${4:-$CONNS}
  wrk -t1 -c"$conns" -d1s --timeout 10s "http://127.0.0.1:$port$path" >/dev/null 2>&1 || true # warm-up at the same concurrency
  local t0; t0=$(ticks "$pid")
  wrk -t2 -c"$conns" -d"${DURATION}s" --timeout 10s --latency "http://127.0.0.1:$port$path" >"$work/wrk.txt" 2>&1
  local t1; t1=$(ticks "$pid")
  awk -v cpu=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" '
    /Requests\/sec/ { rps = $2 }
    /requests in/ { n = $1 }
    /Transfer\/sec/ { v = $2; if (v ~ /GB/) m = 1024; else if (v ~ /MB/) m = 1; else if (v ~ /KB/) m = 1 / 1024; else m = 1 / 1048576; sub(/[A-Za-z]+$/, "", v); mbs = v * m }
    /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
    /Non-2xx/ { bad = $NF }
    /Socket errors/ { gsub(/,/, ""); err = $4 + $6 + $8 + $10 }
    END { printf "%.0f %.1f %s %s %s %.1f %d\n", rps, mbs, p50, p99, (bad ? bad : 0), (n ? cpu * 1e6 / hz / n : 0), err }' "$work/wrk.txt"
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A PORTS
echo "== starting every server (they idle while another is measured)"
start jsuring-bun "$bun" run src/http/serve.ts "$root" --port 0 --host 127.0.0.1 --quiet; PORTS[jsuring-bun]=$PORT
start jsuring-bun2 "$bun" run src/http/serve.ts "$root" --port 0 --host 127.0.0.1 --quiet --workers 2; PORTS[jsuring-bun2]=$PORT
start jsuring-deno "$deno" run --allow-ffi --allow-read="$root" src/http/serve.ts "$root" --port 0 --host 127.0.0.1 --quiet; PORTS[jsuring-deno]=$PORT
nport=$(free_port)
cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
daemon off;
worker_rlimit_nofile 30000;
events { worker_connections 20000; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work; uwsgi_temp_path $work; scgi_temp_path $work;
  server { listen 127.0.0.1:$nport; root $root; }
}
NGINX
nginx -c "$work/nginx.conf" -p "$work" >"$work/nginx.log" 2>&1 &
pids+=($!)
PORTS[nginx]=$nport
for _ in $(seq 100); do [ -f "$work/nginx.pid" ] && pgrep -P "$(cat "$work/nginx.pid")" >/dev/null && break; sleep 0.05; done
PID[nginx]=$(pgrep -P "$(cat "$work/nginx.pid")" | head -1) # the worker
start bun-serve "$bun" bench/http_bun_serve.ts "$root" 0; PORTS[bun-serve]=$PORT
start deno-serve "$deno" run -A bench/http_deno_serve.ts "$root" 0; PORTS[deno-serve]=$PORT
start jf-bun "$bun" bench/http_jsuring_fetch.ts "$root" 0; PORTS[jf-bun]=$PORT
start jf-deno "$deno" run -A bench/http_jsuring_fetch.ts "$root" 0; PORTS[jf-deno]=$PORT
sleep 0.5

# The machine is shared: servers are measured in interleaved rounds and the
# median round is kept, so a burst of load from elsewhere hits all of them.
ROUNDS=${ROUNDS:-3}
declare -A R
measure() { # FILE_PATH KEY SERVERS...
  local path=$1 key=$2; shift 2
  declare -A acc
  for ((round = 1; round <= ROUNDS; round++)); do
    for s in "$@"; do acc[$s]+="$(run "${PORTS[$s]}" "$path" "${PID[$s]}")"$'\n'; done
  done
  for s in "$@"; do
    # median by req/s
    R[$s,$key]=$(printf '%s' "${acc[$s]}" | sort -n -k1 | sed -n "$(((ROUNDS + 1) / 2))p")
    echo "  $s $key: ${R[$s,$key]}"
  done
}
SERVERS=(jsuring-bun jsuring-bun2 jsuring-deno nginx bun-serve deno-serve)
for f in 4k 64k 1m; do echo "== $f"; measure "/$f.bin" "$f" "${SERVERS[@]}"; done
echo "== fetch handler /hello"
measure /hello hello jf-bun jf-deno bun-serve deno-serve
R[jsuring-bun,hello]=${R[jf-bun,hello]}
R[jsuring-deno,hello]=${R[jf-deno,hello]}

BIG=${BIG:-5000}
IDLE=${IDLE:-10000}
BIGSERVERS=(jsuring-bun jsuring-deno nginx bun-serve deno-serve)
echo "== $BIG concurrent connections, /4k.bin (one round)"
for s in "${BIGSERVERS[@]}"; do
  R[$s,big]=$(run "${PORTS[$s]}" /4k.bin "${PID[$s]}" "$BIG")
  echo "  $s: ${R[$s,big]}"
done
rss() { awk '/^VmRSS/ { print int($2 / 1024) }' "/proc/$1/status"; }
echo "== $IDLE idle keep-alive connections: RSS and CPU while idle"
for s in "${BIGSERVERS[@]}"; do
  pid=${PID[$s]}
  before=$(rss "$pid")
  mkfifo "$work/idle.in"
  "$bun" bench/http_idle.ts "${PORTS[$s]}" "$IDLE" /4k.bin <"$work/idle.in" >"$work/idle.out" 2>&1 &
  ipid=$!
  exec 3>"$work/idle.in"
  for _ in $(seq 1200); do grep -q '^ready' "$work/idle.out" && break; sleep 0.05; done
  ready=$(grep '^ready' "$work/idle.out" | cut -d' ' -f2 || true)
  sleep 1
  t0=$(ticks "$pid")
  sleep 5
  t1=$(ticks "$pid")
  after=$(rss "$pid")
  exec 3>&-
  sleep 0.5
  kill "$ipid" 2>/dev/null || true # a client still connecting (a server that stopped answering) ends too
  wait "$ipid" 2>/dev/null || true
  rm -f "$work/idle.in"
  R[$s,idle]="$before $after ${ready:-0} $(((t1 - t0) * 1000 / $(getconf CLK_TCK) / 5))"
  echo "  $s: RSS ${before} → ${after} MiB, ${ready:-0} connections answered, CPU ${R[$s,idle]##* } ms/s idle"
done

rps() { echo "${R[$1,$2]}" | cut -d' ' -f1; }
mbs() { echo "${R[$1,$2]}" | cut -d' ' -f2; }
col() { echo "${R[$1,$2]}" | cut -d' ' -f"$3"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

{
  echo "# File server benchmark (bench/http.sh)"
  echo
  echo "wrk -t2 -c$CONNS -d${DURATION}s --latency, keep-alive, 127.0.0.1; $(nproc) cores; $(date -u +%Y-%m-%d); $(uname -r)."
  echo "All servers measured in the same run, in $ROUNDS interleaved rounds (median kept); wrk shares the machine's cores with the server."
  echo "Load average when the run started: $LOAD0; when it ended: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "CPU/req: the server's user + system time (all threads, io-wq workers included) per request answered."
  echo "${NOTE:-}"
  echo
  echo "| server | file | req/s | MB/s | p50 | p99 | non-2xx | CPU µs/req |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|"
  for s in jsuring-bun jsuring-bun2 jsuring-deno nginx bun-serve deno-serve; do
    for f in 4k 64k 1m; do
      echo "| $s | $f | $(rps $s $f) | $(mbs $s $f) | $(col $s $f 3) | $(col $s $f 4) | $(col $s $f 5) | $(col $s $f 6) |"
    done
  done
  for s in jsuring-bun jsuring-deno bun-serve deno-serve; do
    echo "| $s | /hello (fetch handler) | $(rps $s hello) | $(mbs $s hello) | $(col $s hello 3) | $(col $s hello 4) | $(col $s hello 5) | $(col $s hello 6) |"
  done
  echo
  echo "## Ratios (req/s; 1 MiB also bytes/s, the same ratio)"
  echo
  echo "| file | jsuring-bun / Bun.serve | jsuring-bun / nginx | jsuring-deno / Deno.serve | jsuring-deno / nginx | 2 workers / 1 (bun) |"
  echo "|---|---:|---:|---:|---:|---:|"
  for f in 4k 64k 1m; do
    echo "| $f | $(ratio "$(rps jsuring-bun $f)" "$(rps bun-serve $f)") | $(ratio "$(rps jsuring-bun $f)" "$(rps nginx $f)") | $(ratio "$(rps jsuring-deno $f)" "$(rps deno-serve $f)") | $(ratio "$(rps jsuring-deno $f)" "$(rps nginx $f)") | $(ratio "$(rps jsuring-bun2 $f)" "$(rps jsuring-bun $f)") |"
  done
  echo "| fetch handler /hello | $(ratio "$(rps jsuring-bun hello)" "$(rps bun-serve hello)") | | $(ratio "$(rps jsuring-deno hello)" "$(rps deno-serve hello)") | | |"
  echo
  echo "## $BIG concurrent connections (wrk -t2 -c$BIG -d${DURATION}s --timeout 10s, /4k.bin, one round)"
  echo
  echo "| server | req/s | p50 | p99 | socket errors | non-2xx | CPU µs/req |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  for s in "${BIGSERVERS[@]}"; do
    echo "| $s | $(rps $s big) | $(col $s big 3) | $(col $s big 4) | $(col $s big 7) | $(col $s big 5) | $(col $s big 6) |"
  done
  echo
  echo "## $IDLE idle keep-alive connections (each made one request, then idles)"
  echo
  echo "| server | RSS before (MiB) | RSS with the connections (MiB) | connections answered | CPU while idle (ms per s) |"
  echo "|---|---:|---:|---:|---:|"
  for s in "${BIGSERVERS[@]}"; do
    read -r b a n c <<<"${R[$s,idle]}"
    echo "| $s | $b | $a | $n | $c |"
  done
} >"$OUT"
cat "$OUT"
