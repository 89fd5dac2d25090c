#!/usr/bin/env bash
# Reproduces the numbers of docs/PERFORMANCE.md from a checkout:
#
#   docs/perf/run.sh            # all three measurements
#   docs/perf/run.sh sqlite     # 1: a TOTP challenge vs one store write (SQLite)
#   docs/perf/run.sh page       # 2: GET /my/security/ of the demo vs a bare template page (wrk)
#   docs/perf/run.sh postgres   # 3: one vs two instances on PostgreSQL (needs root and Debian's postgresql)
#
# RUNS (default 3) is how many times each measurement runs; the median is
# reported. WRK_DURATION (default 10s) and WRK_CONNECTIONS (default 64) set
# the load. PERF=1 adds a perf profile of the demo under load (needs perf);
# KEEP=1 keeps the temporary folder (pages, wrk output). Needs go, curl,
# oathtool and wrk. Every server it starts is stopped on exit, and its
# temporary folder removed.
set -euo pipefail

cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}
WRK_DURATION=${WRK_DURATION:-10s}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-64}

work=$(mktemp -d /tmp/portalmfa-perf.XXXXXX)
pids=()
pg_started=
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	if [ -n "$pg_started" ]; then
		.ci/postgres stop || true
	fi
	if [ -n "${KEEP:-}" ]; then
		echo "kept $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*"; }

# median prints the median of the numbers on stdin, one a line.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# metric FILE NAME UNIT prints, one a line, the UNIT values of benchmark
# lines of FILE whose name (without the -GOMAXPROCS suffix) is NAME.
metric() {
	awk -v name="$2" -v unit="$3" '
		{ n = $1; sub(/-[0-9]+$/, "", n) }
		n == name { for (i = 3; i <= NF; i++) if ($i == unit) print $(i - 1) }' "$1"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# ---------------------------------------------------------------------------
# 1. A TOTP challenge on SQLite vs one bare write transaction of the store.
sqlite_bench() {
	say "1. SQLite: VerifyTOTP (a whole challenge) vs AcceptTOTPStep (one write), $RUNS runs each"
	# Run by run, so that load from elsewhere falls on both alike.
	local i verify accept
	go test -c -o "$work/portalmfa.test" .
	go test -c -o "$work/sqlite.test" ./store/sqlite
	for i in $(seq "$RUNS"); do
		"$work/portalmfa.test" -test.run '^$' -test.bench 'VerifyTOTP/sqlite$' | tee -a "$work/verify.txt" | grep '^Benchmark'
		(cd store/sqlite && "$work/sqlite.test" -test.run '^$' -test.bench 'AcceptTOTPStep') | tee -a "$work/accept.txt" | grep '^Benchmark'
	done
	verify=$(metric "$work/verify.txt" BenchmarkVerifyTOTP/sqlite ns/op | median)
	accept=$(metric "$work/accept.txt" BenchmarkAcceptTOTPStep ns/op | median)
	echo "median VerifyTOTP/sqlite: $verify ns/op"
	echo "median AcceptTOTPStep:    $accept ns/op"
	echo "ratio challenge/write:    $(ratio "$verify" "$accept")x (goal <= 1.5x)"
	echo "run by run:               $(paste <(metric "$work/verify.txt" BenchmarkVerifyTOTP/sqlite ns/op) \
		<(metric "$work/accept.txt" BenchmarkAcceptTOTPStep ns/op) | awk '{ printf "%.2fx ", $1 / $2 }')"

	say "1b. where a challenge's time goes (CPU profile of VerifyTOTP/sqlite; cumulative %)"
	"$work/portalmfa.test" -test.run '^$' -test.bench 'VerifyTOTP/sqlite$' -test.benchtime 3s -test.cpuprofile "$work/cpu.out" | grep '^Benchmark'
	go tool pprof -top -cum -nodecount 1000 "$work/portalmfa.test" "$work/cpu.out" 2>/dev/null | awk '
		$6 ~ /portalmfa\.\(\*Service\)\.attempt$|store\/sqlite\.\(\*Store\)\.[A-Z][A-Za-z]*$/ ||
		$6 ~ /^github.com\/portalmfa\/portalmfa\/totp\.Verify$|^internal\/runtime\/syscall\/linux\.Syscall6$/ ||
		$6 ~ /^modernc.org\/libc\.Xpwrite$|^runtime\.(gcBgMarkWorker|mallocgc)$/ { printf "%8s  %s\n", $5, $6 }'
}

# ---------------------------------------------------------------------------
# 2. GET /my/security/ of the demo vs a bare html/template page, with wrk.

# start_server LOG CMD... starts CMD with its output in LOG and sets addr
# to the address it listens on, read from LOG.
start_server() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 &
	pids+=($!)
	addr=
	for _ in $(seq 100); do
		addr=$(sed -n -e 's|^  Open      http://localhost:\([0-9]*\)/.*|127.0.0.1:\1|p' \
			-e 's|^listening on \([^ ]*\).*|\1|p' "$log")
		[ -n "$addr" ] && return
		sleep 0.1
	done
	cat "$log" >&2
	echo "run.sh: $1 did not start" >&2
	exit 1
}

# form JAR UA PATH [curl args...] sends a request of the browser whose
# cookies are in JAR and prints "STATUS REDIRECT".
form() {
	local jar=$1 ua=$2 path=$3
	shift 3
	curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' -c "$jar" -b "$jar" -A "$ua" "$@" "$base$path"
}

# expect WHAT GOT WANT stops the script when a step of the sign-in script
# did not answer as a browser's would.
expect() {
	case "$2" in
	$3) ;;
	*) echo "run.sh: $1: got '$2', want '$3'" >&2; exit 1 ;;
	esac
}

step_now() { echo $(($(date +%s) / 30)); }
code_at() { oathtool --totp -b "$secret" -N "@$(($1 * 30))"; }

# wait_for_step N sleeps until TOTP step N has begun.
wait_for_step() {
	local start=$(($1 * 30)) now
	now=$(date +%s)
	if [ "$now" -lt "$start" ]; then
		echo "waiting $((start - now + 1))s for the next TOTP step" >&2
		sleep $((start - now + 1))
	fi
}

# sign_in N UA WRONG STEP: a new browser (jar N) signs in as alice, gives
# WRONG wrong codes, then the code of STEP, ticking "trust this device".
sign_in() {
	local jar="$work/jar$1" ua=$2 wrong=$3 step=$4
	expect "sign-in $1: password" "$(form "$jar" "$ua" /login -d email=alice@example.com -d password=alice-demo-pass)" "303 */login/2fa/"
	for _ in $(seq "$wrong"); do
		expect "sign-in $1: wrong code" "$(form "$jar" "$ua" /login/2fa/ -d code=000000 -d trust=1)" "4[0-9][0-9] "
	done
	expect "sign-in $1: right code" "$(form "$jar" "$ua" /login/2fa/ -d code="$(code_at "$step")" -d trust=1)" "303 */account"
}

page_bench() {
	say "2. GET /my/security/ of the demo (SQLite) vs a bare html/template page of the same size, wrk -t2 -c$WRK_CONNECTIONS -d$WRK_DURATION, $RUNS runs each"
	go build -o "$work/portal" ./examples/portal
	go build -o "$work/barepage" ./docs/perf/barepage
	start_server "$work/portal.log" "$work/portal" -addr 127.0.0.1:0 -db "$work/demo.db"
	base="http://$addr"
	local portal_pid=${pids[-1]}
	echo "demo portal on $base"

	local firefox='Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0'
	local iphone='Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1'
	local chrome='Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
	local edge='Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0'

	# TOTP on through the wizard: begin, the password for the recent
	# verification, step 1 (the key), step 2 (the backup codes), step 3.
	local jar="$work/jar0"
	expect "sign-in" "$(form "$jar" "$firefox" /login -d email=alice@example.com -d password=alice-demo-pass)" "303 */account"
	expect "begin" "$(form "$jar" "$firefox" /my/security/totp/begin -X POST)" "303 */my/security/verify?*"
	expect "verify" "$(form "$jar" "$firefox" /my/security/verify -d method=password -d password=alice-demo-pass -d next=/totp/setup)" "303 */my/security/totp/setup"
	curl -sS -c "$jar" -b "$jar" -A "$firefox" -o "$work/setup.html" "$base/my/security/totp/setup"
	secret=$(sed -n 's/.*data-portalmfa-copy="\([A-Z2-7]*\)".*/\1/p' "$work/setup.html" | head -n 1)
	[ -n "$secret" ] || { echo "run.sh: no key on the setup page" >&2; exit 1; }
	# Step 2 answers the post, or redirects to a GET that does.
	expect "codes" "$(form "$jar" "$firefox" /my/security/totp/codes -d '' -L)" "200 "
	# Each step is accepted once, and a code is good from the step before
	# to the step after: confirm with the previous step, sign in with this
	# one and the next, then wait for one more step for two more sign-ins.
	if [ $(($(date +%s) % 30)) -ge 25 ]; then wait_for_step $(($(step_now) + 1)); fi
	local t
	t=$(step_now)
	expect "confirm" "$(form "$jar" "$firefox" /my/security/totp/confirm -d code="$(code_at $((t - 1)))")" "303 */my/security/*"

	# Four trusted devices and ten sign-in attempts in the history.
	sign_in 1 "$firefox" 2 "$t"
	sign_in 2 "$iphone" 2 $((t + 1))
	wait_for_step $((t + 2))
	sign_in 3 "$chrome" 3 $((t + 2))
	sign_in 4 "$edge" 0 $((t + 3))
	local cookie
	cookie="acme_session=$(awk '$6 == "acme_session" { print $7 }' "$work/jar4")"

	# The page wrk will ask for: the full overview.
	local status size
	read -r status size < <(curl -sS -H "Cookie: $cookie" -o "$work/overview.html" -w '%{http_code} %{size_download}\n' "$base/my/security/")
	expect "overview" "$status" 200
	local devices history
	devices=$(grep -c 'action="/my/security/devices/[^/]*/revoke"' "$work/overview.html" || true)
	history=$(grep -c 'class="list-group-item portalmfa-attempt' "$work/overview.html" || true)
	if [ "$devices" -ne 4 ] || [ "$history" -ne 10 ]; then
		echo "run.sh: the overview shows $devices devices and $history attempts, not 4 and 10" >&2
		exit 1
	fi
	echo "overview: HTTP $status, $size bytes, $devices trusted devices, $history sign-in attempts"

	start_server "$work/barepage.log" "$work/barepage" -addr 127.0.0.1:0 -size "$size" -rows $((devices + history))
	local bare=$addr
	curl -sS -o /dev/null -w "bare page: HTTP %{http_code}, %{size_download} bytes\n" "http://$bare/"

	local i
	for i in $(seq "$RUNS"); do
		wrk -t2 -c"$WRK_CONNECTIONS" -d"$WRK_DURATION" -H "Cookie: $cookie" "$base/my/security/" >"$work/wrk-demo$i.txt"
		wrk -t2 -c"$WRK_CONNECTIONS" -d"$WRK_DURATION" "http://$bare/" >"$work/wrk-bare$i.txt"
		local d b
		d=$(awk '/^Requests\/sec/ { print $2 }' "$work/wrk-demo$i.txt")
		b=$(awk '/^Requests\/sec/ { print $2 }' "$work/wrk-bare$i.txt")
		echo "run $i: demo $d req/s, bare $b req/s, ratio $(ratio "$d" "$b")"
	done
	# A wrk run whose responses were not all 200 says so ("Non-2xx").
	if grep -h 'Non-2xx\|Socket errors' "$work"/wrk-*.txt; then
		echo "run.sh: wrk saw errors" >&2
		exit 1
	fi
	local demo_rps bare_rps
	demo_rps=$(awk '/^Requests\/sec/ { print $2 }' "$work"/wrk-demo*.txt | median)
	bare_rps=$(awk '/^Requests\/sec/ { print $2 }' "$work"/wrk-bare*.txt | median)
	echo "median demo overview: $demo_rps req/s"
	echo "median bare page:     $bare_rps req/s"
	echo "ratio demo/bare:      $(ratio "$demo_rps" "$bare_rps") (goal >= 0.5)"
	echo "latency of the last demo run:"
	sed -n '/Thread Stats/,/Req\/Sec/p' "$work/wrk-demo$RUNS.txt"

	if [ -n "${PERF:-}" ]; then
		command -v perf >/dev/null || { echo "run.sh: PERF=1 needs perf" >&2; exit 1; }
		say "2b. where the demo's time goes (perf record of the portal under wrk; % of samples, with callees)"
		wrk -t2 -c"$WRK_CONNECTIONS" -d12s -H "Cookie: $cookie" "$base/my/security/" >/dev/null &
		local wrk_pid=$!
		sleep 1
		perf record -q -F 999 -g -p "$portal_pid" -o "$work/perf.data" -- sleep 10 2>/dev/null
		wait "$wrk_pid"
		perf report -i "$work/perf.data" --children --sort symbol --stdio -g none 2>/dev/null | awk '
			$4 ~ /httpx\.\(\*Handler\)\.(showOverview|render|translate)$/ ||
			$4 ~ /^html\/template\.\(\*Template\)\.Execute$|^reflect\.Value\.Call$/ ||
			$4 ~ /portalmfa\.\(\*Service\)\.(Status|Devices|events|Passkeys)$|sqlite\.\(\*Store\)\.[A-Z]/ ||
			$4 ~ /^runtime\.(gcBgMarkWorker|mallocgc)$|^net\.\(\*conn\)\.Write$|^log\/slog\.\(\*Logger\)\.log$/ { printf "%8s  %s\n", $1, $4 }'
	fi
}

# ---------------------------------------------------------------------------
# 3. PostgreSQL: throughput of one instance vs two.
postgres_bench() {
	say "3. PostgreSQL: VerifyTOTP Serial / OneInstance / TwoInstances, -benchtime 3000x, $RUNS runs"
	eval "$(.ci/postgres start)"
	pg_started=1
	echo "test cluster: .ci/postgres (fsync=off)"
	go test -c -o "$work/postgres.test" ./store/postgres
	local i
	for i in $(seq "$RUNS"); do
		(cd store/postgres && "$work/postgres.test" -test.run '^$' -test.bench 'VerifyTOTP' -test.benchtime 3000x) | tee -a "$work/pg.txt" | grep '^Benchmark'
	done
	local serial one two
	serial=$(metric "$work/pg.txt" BenchmarkVerifyTOTP/Serial challenges/s | median)
	one=$(metric "$work/pg.txt" BenchmarkVerifyTOTP/OneInstance challenges/s | median)
	two=$(metric "$work/pg.txt" BenchmarkVerifyTOTP/TwoInstances challenges/s | median)
	echo "median Serial:       $serial challenges/s"
	echo "median OneInstance:  $one challenges/s"
	echo "median TwoInstances: $two challenges/s"
	echo "ratio two/one:       $(ratio "$two" "$one")x (issue: 1.6x)"
	echo "run by run:          $(paste <(metric "$work/pg.txt" BenchmarkVerifyTOTP/TwoInstances challenges/s) \
		<(metric "$work/pg.txt" BenchmarkVerifyTOTP/OneInstance challenges/s) | awk '{ printf "%.2fx ", $1 / $2 }')"
	.ci/postgres stop
	pg_started=
}

case "${1:-all}" in
sqlite) sqlite_bench ;;
page) page_bench ;;
postgres) postgres_bench ;;
all)
	sqlite_bench
	page_bench
	postgres_bench
	;;
*)
	echo "usage: docs/perf/run.sh [all|sqlite|page|postgres]" >&2
	exit 2
	;;
esac
