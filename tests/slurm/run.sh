#!/usr/bin/env bash
# The Slurm test (make test-slurm): a real cluster on this host
# (tests/slurm/cluster.sh: munged, slurmctld, two slurmd), then
#   1. a plain array job whose tasks say where they ran: both nodes are used
#   2. sprout slurm submit --dry-run reads the cluster's MaxArraySize
#      (set to 101 here) and packs 1,000 shards within it
#   3. when sprout run has --shard (and sprout merge exists): the support
#      example in 4 shards through sprout slurm submit, waited for (at most
#      5 minutes), the shards on both nodes, the merged dataset files equal
#      to a plain sprout run's; then a run whose shard 2 is killed half-way,
#      submitted again: the finished shards are not run again and the merge
#      completes; sprout slurm status on the way
# It runs in a network namespace of its own when it can (unshare --net):
# only 127.0.0.1 there, so Slurm's ports (it binds every address) clash
# with nothing (SPROUT_SLURM_NETNS=0: on this host's network, as where
# unshare is not allowed). Everything it starts it stops, the test failing
# or not.
# Ends with "N passed, N failed".
#   tests/slurm/run.sh BUILD_DIR
set -uo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
sprout=$root/$build/sprout

if [ -z "${SPROUT_SLURM_NETNS:-}" ] && unshare --net true 2>/dev/null; then
	SPROUT_SLURM_NETNS=1 exec unshare --net "$0" "$@"
fi
if [ "${SPROUT_SLURM_NETNS:-}" = 1 ]; then
	# Slurm asks getaddrinfo with AI_ADDRCONFIG, which wants an address
	# besides 127.0.0.1 before it answers at all: a second one on lo
	ip link set lo up && ip addr add 127.0.0.2/8 dev lo || {
		echo "FAIL slurm network namespace: lo could not be set up"
		echo "0 passed, 1 failed"
		exit 1
	}
fi

passed=0
failed=0
ok() {
	passed=$((passed + 1))
	echo "ok   slurm $1"
}
fail() {
	failed=$((failed + 1))
	echo "FAIL slurm $1"
	shift
	printf '    %s\n' "$@"
}
finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

tmp=$(mktemp -d)
cluster=$tmp/cluster
stop() {
	"$here/cluster.sh" stop "$cluster" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap stop EXIT
trap 'exit 1' INT TERM HUP

t0=$(date +%s%N)
if ! out=$(SLURM_TEST_MAX_ARRAY=101 "$here/cluster.sh" start "$cluster" 2>&1); then
	fail cluster-start "$out"
	finish
fi
t1=$(date +%s%N)
ok "cluster-start ($(((t1 - t0) / 1000000)) ms: munged, slurmctld, slurmd n1 and n2 idle)"
eval "$("$here/cluster.sh" env "$cluster")"
export SPROUT_CACHE_DIR=$root/$build/cache

# wait_jobs SECONDS ID...: until no job of the ids is in the queue
# (pending, running or completing): 0, or 1 at the time limit
wait_jobs() {
	local limit=$1 ids
	shift
	ids=$(
		IFS=,
		echo "$*"
	)
	local end=$((SECONDS + limit))
	while [ $SECONDS -lt $end ]; do
		[ -z "$(squeue -h -r -j "$ids" -t PD,R,CG,CF,S 2>/dev/null)" ] && return 0
		sleep 1
	done
	return 1
}

# ---- 1. a plain array: the tasks spread over both nodes --------------------
cat >"$tmp/where.sbatch" <<'EOF'
#!/bin/bash
#SBATCH --array=0-7
set -eu
echo "$SLURMD_NODENAME"
sleep 1
EOF
if id=$(sbatch --parsable -o "$tmp/where-%a.log" "$tmp/where.sbatch" 2>&1) && wait_jobs 120 "$id"; then
	spread=$(cat "$tmp"/where-*.log | sort | uniq -c | awk '{printf "%s%s: %s", sep, $2, $1; sep=", "}')
	states=$(squeue -h -r -j "$id" -t all -o %T | sort | uniq -c | awk '{printf "%s %s ", $1, $2}')
	if [ "$(cat "$tmp"/where-*.log | sort -u | tr '\n' ' ')" = "n1 n2 " ] &&
		[ "$states" = "8 COMPLETED " ]; then
		ok "array-on-both-nodes (8 tasks: $spread)"
	else
		fail array-on-both-nodes "nodes: $spread" "states: $states"
	fi
else
	fail array-on-both-nodes "sbatch: $id" "$(squeue -h -r -t all 2>&1 | head -n 10)"
fi

# ---- 2. the cluster's MaxArraySize (101) packs 1,000 shards -----------------
mkdir -p "$tmp/dry"
if out=$(cd "$tmp/dry" && "$sprout" slurm submit --dry-run --shards 1000 "$root/examples/support/recipe.yaml" 2>&1) &&
	grep -qx '#SBATCH --array=0-99' <<<"$out" &&
	grep -qx 'per_task=10' <<<"$out" &&
	grep -q '1000 shards, 10 a task: 100 array tasks (MaxArraySize 101, from scontrol show config)' <<<"$out"; then
	ok "dry-run-reads-max-array-size (1000 shards: 10 a task, --array=0-99)"
else
	fail dry-run-reads-max-array-size "$(head -n 12 <<<"$out")"
fi

# ---- 2b. submit, status and a resubmission, with a stand-in worker ----------
# The jobs run a small script in sprout's place (--sprout) that does what
# sprout run --shard and sprout merge promise about the run folder (a done
# marker a shard, a rerun of a done shard does nothing, the manifest after
# all of them), and fails shard 1 the first time: what sprout slurm submit and status do with Slurm is tested
# on its own, whatever the stages do.
cat >"$tmp/stand-in" <<EOF
#!/bin/bash
set -eu
case "\$1" in
run)
	i=\${3%/*} n=\${3#*/}
	[ ! -e "\$5/shard-\$i-of-\$n/done.json" ] || exit 0
	if [ "\$i" = 1 ] && mkdir "$tmp/stand-in-failed" 2>/dev/null; then exit 1; fi
	mkdir -p "\$5/shard-\$i-of-\$n"
	echo '{}' >"\$5/shard-\$i-of-\$n/done.json"
	;;
merge)
	for ((i = 0; i < \$3; i++)); do [ -e "\$5/shard-\$i-of-\$3/done.json" ]; done
	echo '{"status": "complete", "shards": [' "\$(seq -s , 1 \$3)" ']}' >"\$5/manifest.json"
	;;
esac
EOF
chmod +x "$tmp/stand-in"
run=$tmp/stand-in-run
mkdir -p "$tmp/work"
submit_stand_in() {
	(cd "$tmp/work" && "$sprout" slurm submit --shards 5 --tasks-per-job 2 --sprout "$tmp/stand-in" -d "$run" "$root/examples/support/recipe.yaml" 2>&1)
}
if ! out=$(submit_stand_in); then
	fail submit-status-resubmit "submit: $out"
else
	a1=$(awk '/^array job/ {sub(":", "", $3); print $3}' <<<"$out")
	m1=$(awk '/^merge job/ {sub(":", "", $3); print $3}' <<<"$out")
	wait_jobs 120 "$a1" "$m1"
	s1=$("$sprout" slurm status -d "$run" "$root/examples/support/recipe.yaml" 2>&1)
	before=$(stat -c '%n %Y.%y' "$run"/shard-{0,4}-of-5/done.json 2>&1)
	out2=$(submit_stand_in)
	a2=$(awk '/^array job/ {sub(":", "", $3); print $3}' <<<"$out2")
	m2=$(awk '/^merge job/ {sub(":", "", $3); print $3}' <<<"$out2")
	wait_jobs 120 "$a2" "$m2"
	s2=$("$sprout" slurm status -d "$run" "$root/examples/support/recipe.yaml" 2>&1)
	after=$(stat -c '%n %Y.%y' "$run"/shard-{0,4}-of-5/done.json 2>&1)
	want1="array job $a1: tasks 0-2 (2 shards a task); merge job $m1
4 of 5 shards done, 1 failed (shard 1 in job ${a1}_0: FAILED)
merge job $m1: CANCELLED DependencyNeverSatisfied: sprout slurm submit again runs the shards left and the merge"
	want2="array job $a2: tasks 0 (2 shards a task); merge job $m2
5 of 5 shards done
merge: complete"
	if [ "$s1" != "$want1" ]; then
		fail submit-status-resubmit "status after the failure:" "$s1" "wanted:" "$want1"
	elif [ "$s2" != "$want2" ] || [ "$before" != "$after" ]; then
		fail submit-status-resubmit "status after the resubmission:" "$s2" "wanted:" "$want2" "$before" "$after"
	else
		ok "submit-status-resubmit (stand-in worker: a failed task cancels the merge; submitted again, task 0 only, shard 0 untouched, then merged)"
	fi
fi

# ---- 3. the support example in 4 shards ------------------------------------
if ! "$sprout" run --help 2>/dev/null | grep -q -- '--shard' || ! "$sprout" merge --help >/dev/null 2>&1; then
	echo "skip slurm sharded-run: this sprout has no run --shard or merge yet"
	finish
fi

recipe=$root/examples/support/recipe.yaml
# the single-machine run to compare with
t0=$(date +%s%N)
if ! out=$(cd "$tmp" && "$sprout" run -q -d "$tmp/local" "$recipe" 2>&1); then
	fail local-run "$out"
	finish
fi
local_ms=$(($(date +%s%N) / 1000000 - t0 / 1000000))

# submit RUN_DIR [OPTION...]: sprout slurm submit --shards 4; the job ids
# in $array_job and $merge_job, what it said in $out
submit() {
	local dir=$1
	shift
	out=$(cd "$tmp" && "$sprout" slurm submit --shards 4 -d "$dir" "$@" "$recipe" 2>&1) || return 1
	array_job=$(awk '/^array job/ {sub(":", "", $3); print $3}' <<<"$out")
	merge_job=$(awk '/^merge job/ {sub(":", "", $3); print $3}' <<<"$out")
	[ -n "$merge_job" ]
}

# same_export DIR: the dataset files of DIR (the files of its split and
# export folders) equal the local run's, byte for byte
same_export() {
	local f n=0 bad=""
	for f in "$tmp"/local/[0-9][0-9]-*/*; do
		n=$((n + 1))
		f=${f#"$tmp"/local/}
		cmp -s "$tmp/local/$f" "$1/$f" || bad+=" $f"
	done
	[ $n -ge 6 ] && [ -z "$bad" ] || {
		echo "differ or missing:$bad (of $n)"
		return 1
	}
}

run=$tmp/sharded
t0=$(date +%s%N)
if ! submit "$run"; then
	fail sharded-run "submit: $out"
elif ! wait_jobs 300 "$array_job" "$merge_job"; then
	fail sharded-run "not done in 5 minutes" "$(squeue -h -r -t all 2>&1 | head)" "$(tail -n 5 "$run"/slurm/*.log)"
else
	nodes=$(cat "$run"/slurm/shards-*.log | awk '/^shard [0-9]+ on / {print $4}' | sort -u | tr '\n' ' ')
	state=$(squeue -h -j "$merge_job" -t all -o %T)
	if [ "$nodes" != "n1 n2 " ]; then
		fail sharded-run "the shards ran on: $nodes"
	elif [ "$state" != COMPLETED ]; then
		fail sharded-run "merge job $merge_job: $state" "$(tail -n 20 "$run"/slurm/merge-*.log)"
	elif ! why=$(same_export "$run"); then
		fail sharded-run "the merged files are not the local run's: $why"
	else
		ok "sharded-run ($(($(date +%s%N) / 1000000 - t0 / 1000000)) ms from submit to merged, local run $local_ms ms; 4 shards on n1 and n2; the split and export files, $(ls "$tmp"/local/[0-9][0-9]-*/* | wc -l), equal the local run's)"
	fi
	status=$("$sprout" slurm status -d "$run" "$recipe" 2>&1)
	if grep -qx '4 of 4 shards done' <<<"$status" && grep -qx 'merge: complete' <<<"$status"; then
		ok "status-complete"
	else
		fail status-complete "$status"
	fi
fi

# ---- 4. a shard killed half-way, then submitted again --------------------
# The jobs run a wrapper (--sprout) that, the first time shard 2 runs, has
# sprout run die of SIGKILL at the 20th record its filter stage reads
# (SPROUT_RUN_KILL, which sprout run honours for tests): its task fails and
# kill_invalid_depend cancels the merge instead of leaving it pending.
cat >"$tmp/sprout-killing" <<EOF
#!/bin/bash
if [ "\$1 \$2 \$3" = "run --shard 2/4" ] && mkdir "$tmp/killed-once" 2>/dev/null; then
	export SPROUT_RUN_KILL=filter:20:KILL
fi
exec "$sprout" "\$@"
EOF
chmod +x "$tmp/sprout-killing"
run=$tmp/killed
if ! submit "$run" --sprout "$tmp/sprout-killing"; then
	fail kill-and-resubmit "submit: $out"
elif ! wait_jobs 300 "$array_job" "$merge_job"; then
	fail kill-and-resubmit "not done in 5 minutes" "$(squeue -h -r -t all 2>&1 | head)"
else
	first_array=$array_job
	states=$(squeue -h -r -j "$array_job,$merge_job" -t all -o '%i %T' | sort | tr '\n' ' ')
	status=$("$sprout" slurm status -d "$run" "$recipe" 2>&1)
	if [ ! -e "$run/shard-2-of-4/done.json" ] && [ -d "$tmp/killed-once" ] &&
		grep -q "^3 of 4 shards done, 1 failed (shard 2 in job ${array_job}_2: FAILED)" <<<"$status" &&
		grep -q "^merge job $merge_job: CANCELLED" <<<"$status"; then
		ok "kill-fails-task-and-cancels-merge ($states)"
	else
		fail kill-fails-task-and-cancels-merge "$states" "$status"
	fi
	before=$(stat -c '%n %Y.%y' "$run"/shard-{0,1,3}-of-4/done.json 2>&1)
	# shard 2 was killed in its filter stage: its augment stage had finished
	augmented=$(stat -c '%n %Y.%y' "$run"/shard-2-of-4/01-augment.jsonl 2>&1)
	if ! submit "$run" --sprout "$tmp/sprout-killing"; then
		fail kill-and-resubmit "submit again: $out"
	elif ! wait_jobs 300 "$array_job" "$merge_job"; then
		fail kill-and-resubmit "not done in 5 minutes after the resubmission" "$(squeue -h -r -t all 2>&1 | head)"
	else
		after=$(stat -c '%n %Y.%y' "$run"/shard-{0,1,3}-of-4/done.json 2>&1)
		tasks=$(squeue -h -r -j "$array_job" -t all -o '%K' | sort | tr '\n' ' ')
		state=$(squeue -h -j "$merge_job" -t all -o %T)
		if [ "$before" != "$after" ]; then
			fail kill-and-resubmit "finished shards were run again:" "$before" "$after"
		elif [ "$augmented" != "$(stat -c '%n %Y.%y' "$run"/shard-2-of-4/01-augment.jsonl 2>&1)" ]; then
			fail kill-and-resubmit "the killed shard did not go on from its augment stage:" "$augmented" \
				"$(stat -c '%n %Y.%y' "$run"/shard-2-of-4/01-augment.jsonl 2>&1)"
		elif [ "$tasks" != "2 " ]; then
			fail kill-and-resubmit "the second array ran tasks $tasks, not 2 only"
		elif [ "$state" != COMPLETED ]; then
			fail kill-and-resubmit "merge job $merge_job: $state" "$(tail -n 20 "$run"/slurm/merge-*.log)"
		elif ! why=$(same_export "$run"); then
			fail kill-and-resubmit "the merged files are not the local run's: $why"
		else
			ok "kill-and-resubmit (array $first_array's task 2 killed; array $array_job ran task 2 only, shards 0 1 3 untouched, shard 2 went on after its augment stage, merged files equal the local run's)"
		fi
	fi
fi
finish
