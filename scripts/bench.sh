#!/usr/bin/env bash
# make bench: Go benchmarks and loopback load tests. Prints the figures that
# docs/benchmarks.md records, each with the baseline measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq wrk >/dev/null; else echo "install wrk (apt-get install wrk)"; exit 1; fi
fi
if ! /usr/bin/python3 -c 'import scipy' 2>/dev/null && [ "$(id -u)" = 0 ]; then
  apt-get install -y -qq python3-scipy >/dev/null || echo "python3-scipy could not be installed: the SciPy side by side is skipped"
fi

echo "## machine"
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB, $(go version | cut -d' ' -f3)"
echo

what=${1:-all}   # all | go | load
if [ "$what" != load ]; then
echo "## in-process Go benchmarks"
go test -run '^$' -bench 'NeedSearch' -benchtime 3000x ./cmd/tongban/ | grep -E '^Benchmark'
go test -run '^$' -bench . -benchtime 1x ./internal/search/bleve/ | grep -E '^Benchmark' || true
go test -run '^$' -bench 'BenchmarkScreen' -cpu 1 ./internal/privacy/ | grep -E '^Benchmark' || true
go test -run '^$' -bench Assign -benchmem ./matching/ | grep -E '^Benchmark' || true
echo
echo "## matching: growth curve and the SciPy side by side (python3-scipy)"
go run ./cmd/matchbench -mode growth
echo "## matching end to end: candidates + scoring + optimal assignment, 1k/10k/100k volunteers (median of 3), peak RSS"
mb=$(mktemp -d)
go build -o "$mb/matchbench" ./cmd/matchbench
echo "load: $(uptime | sed 's/.*load average/load average/')"
/usr/bin/time -v "$mb/matchbench" -mode e2e -reps 3 2>"$mb/time.txt"
grep -E 'Maximum resident set size|Elapsed \(wall' "$mb/time.txt"
rm -rf "$mb"
if /usr/bin/python3 -c 'import scipy' 2>/dev/null; then go run ./cmd/matchbench -mode scipy; else echo "python3-scipy missing: apt-get install python3-scipy"; fi
echo
echo "## money: the ledger on the embedded stack (FerretDB on SQLite)"
echo "-- verify of 100,000 sealed entries (3 rounds) vs the same checks in memory and vs 10,000 unsealed entries; tracing a donor with 1,000 gifts, sealed and unsealed; recorded donations/s (1 and 16 clients)"
go test -run '^$' -bench 'VerifyInMemory|Verify$|VerifyUnsealed' -benchtime 3x ./internal/mongodb/ | grep -E '^Benchmark'
go test -run '^$' -bench 'TraceDonor' -benchtime 3x ./internal/mongodb/ | grep -E '^Benchmark'
go test -run '^$' -bench 'RecordDonation' -benchtime 300x ./internal/mongodb/ | grep -E '^Benchmark'
echo
echo "## activities: sign-ups on one session from 32 clients (zero over-booking checked), certificate PDF"
go test -run '^$' -bench 'ActivitySignups' -benchtime 400x ./api/ | grep -E '^Benchmark'
go test -run '^$' -bench 'RenderCertificate' -benchtime 50x ./activities/ | grep -E '^Benchmark'
echo
fi
[ "$what" = go ] && exit 0

echo "## load: GET /api/v1/needs over loopback (wrk, 2 threads, 32 connections, 15 s)"
[ -x bin/tongban ] || { echo "run make build first"; exit 1; }
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
port=18181
./bin/tongban serve --demo --demo-size 313 --addr 127.0.0.1:$port --data-dir "$tmp/data" --log-level warn >"$tmp/serve.out" 2>"$tmp/serve.err" &
for _ in $(seq 1 300); do
  total=$(curl -s "http://127.0.0.1:$port/api/v1/needs?limit=1" | sed -n 's/.*"total":\([0-9]*\).*/\1/p' || true)
  [ "${total:-0}" -ge 10000 ] && break
  sleep 1
done
echo "published needs indexed: $total"
q='%E8%BE%85%E5%AF%BC' # 辅导
url="http://127.0.0.1:$port/api/v1/needs?q=$q&county_code=439921&kind=pairing"
curl -sf "$url" >/dev/null
wrk -t2 -c32 -d15s --latency "$url" | tee "$tmp/needs.txt" | grep -E 'Requests/sec|Non-2xx|Socket errors|50%|99%'
echo "-- uncached: a different query per request (wrk Lua script cycles through 2,000 distinct queries)"
cat >"$tmp/vary.lua" <<'LUA'
local terms = {"%E8%BE%85%E5%AF%BC", "%E6%A3%89%E8%A1%A3", "%E9%99%AA%E4%BC%B4", "%E5%BF%83%E7%90%86", "%E5%8A%A9%E5%AD%A6"}
local counties = {"439902", "439921", "439922", "439923", "439924"}
local i = 0
request = function()
  i = i + 1
  local t = terms[(i % #terms) + 1]
  local c = counties[(math.floor(i / #terms) % #counties) + 1]
  local path = "/api/v1/needs?q=" .. t .. "&county_code=" .. c .. "&limit=" .. ((math.floor(i / 25) % 80) + 1)
  return wrk.format("GET", path)
end
LUA
wrk -t2 -c32 -d15s --latency -s "$tmp/vary.lua" "http://127.0.0.1:$port" | tee "$tmp/vary.txt" | grep -E 'Requests/sec|Non-2xx|Socket errors|50%|99%'

go build -o "$tmp/hello" ./bench/hello
"$tmp/hello" -addr 127.0.0.1:18182 &
sleep 1
wrk -t2 -c32 -d15s --latency http://127.0.0.1:18182/hello | tee "$tmp/hello.txt" | grep -E 'Requests/sec|50%|99%'
needs=$(awk '/Requests\/sec/{print $2}' "$tmp/needs.txt")
hello=$(awk '/Requests\/sec/{print $2}' "$tmp/hello.txt")
echo "ratio search/hello: $(awk -v a="$needs" -v b="$hello" 'BEGIN{printf "%.3f", a/b}')"
if grep -q 'Non-2xx' "$tmp/needs.txt"; then echo "ERRORS in the search load run"; exit 1; fi
