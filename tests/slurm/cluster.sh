#!/usr/bin/env bash
# A real Slurm cluster on this host, for the tests: Debian 12's slurm-wlm
# and munge (scripts/install-deps.sh), munged with its own key and socket,
# slurmctld and two slurmd (nodes n1 and n2, one CPU each, so that an
# array's tasks spread over both) on one host, no systemd and no cgroups.
# Everything lives in DIR: the key, the sockets, slurm.conf, the state and
# spool folders, the logs and the pid files.
#   tests/slurm/cluster.sh start DIR   write the configuration, start the
#                                      daemons, wait until both nodes are idle
#   tests/slurm/cluster.sh env DIR     the shell line that points Slurm's
#                                      commands at it (export SLURM_CONF=...)
#   tests/slurm/cluster.sh stop DIR    stop what start started (by the pids
#                                      in DIR/run), wait until it is gone
# Ports: slurmctld on SLURM_TEST_CTLD_PORT (default 6817), the two slurmd on
# 6821 and 6822. Slurm binds them on every address (it has no setting for
# one), so tests/slurm/run.sh runs in a network namespace of its own where
# it can: there only 127.0.0.1 exists and nothing else can clash with the
# ports. Runs as root (SlurmUser=root).
set -euo pipefail

die() {
	echo "cluster.sh: $*" >&2
	exit 1
}

[ $# -eq 2 ] || die "usage: tests/slurm/cluster.sh start|stop|env DIR"
cmd=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)
ctld_port=${SLURM_TEST_CTLD_PORT:-6817}
host=$(hostname -s)

write_conf() {
	mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log" "$dir/run"
	chmod 700 "$dir/munge"
	# a key of its own: 1,024 random bytes, readable by its owner only
	head -c 1024 /dev/urandom >"$dir/munge/munge.key"
	chmod 400 "$dir/munge/munge.key"
	: >"$dir/plugstack.conf"
	cat >"$dir/slurm.conf" <<EOF
# written by tests/slurm/cluster.sh
ClusterName=sprouttest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd-%n.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd-%n.log
PlugStackConfig=$dir/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
DependencyParameters=kill_invalid_depend
ReturnToService=2
MaxArraySize=${SLURM_TEST_MAX_ARRAY:-1001}
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=600
KillWait=5
SlurmctldDebug=info
SlurmdDebug=info
NodeName=n1 NodeHostname=$host NodeAddr=127.0.0.1 Port=6821 CPUs=1 State=UNKNOWN
NodeName=n2 NodeHostname=$host NodeAddr=127.0.0.1 Port=6822 CPUs=1 State=UNKNOWN
PartitionName=test Nodes=n1,n2 Default=YES MaxTime=INFINITE State=UP
EOF
}

# wait_for SECONDS WHAT COMMAND...: until the command succeeds
wait_for() {
	local limit=$1 what=$2
	shift 2
	local end=$((SECONDS + limit))
	exit_wait=0
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $end ] && [ $exit_wait = 0 ] || return 1
		sleep 0.2
	done
}

# slurmctld answers; a slurmctld that died gives up the wait at once
ctld_up() {
	scontrol ping && return 0
	local pid
	pid=$(cat "$dir/run/slurmctld.pid" 2>/dev/null) || return 1
	# (the file may be there before its number is)
	if [[ $pid =~ ^[0-9]+$ ]] && ! kill -0 "$pid" 2>/dev/null; then
		exit_wait=1
	fi
	return 1
}

nodes_idle() {
	[ "$(sinfo -h -N -o '%N %t' | sort | tr '\n' ' ')" = "n1 idle n2 idle " ]
}

start() {
	command -v munged >/dev/null || die "munged not found (scripts/install-deps.sh installs munge)"
	command -v slurmctld >/dev/null || die "slurmctld not found (scripts/install-deps.sh installs slurm-wlm)"
	[ "$(id -u)" -eq 0 ] || die "runs as root (SlurmUser=root)"
	[ ! -e "$dir/run/munged.pid" ] || die "$dir: a cluster runs there already (stop it first)"
	# a start that fails stops what it started
	trap 'rc=$?; if [ $rc -ne 0 ]; then stop >/dev/null 2>&1; fi; exit $rc' EXIT
	write_conf
	export SLURM_CONF=$dir/slurm.conf
	munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
		--pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" \
		--seed-file="$dir/munge/munged.seed"
	wait_for 20 munged test -S "$dir/munge/munge.socket" || die "munged did not start: $(tail -n 5 "$dir/log/munged.log")"
	slurmctld -f "$dir/slurm.conf" -i
	wait_for 60 slurmctld ctld_up ||
		die "slurmctld did not answer: $(tail -n 20 "$dir/log/slurmctld.log")"
	slurmd -f "$dir/slurm.conf" -N n1
	slurmd -f "$dir/slurm.conf" -N n2
	wait_for 90 nodes nodes_idle ||
		die "the nodes did not come up: $(sinfo -N 2>&1); $(tail -n 10 "$dir"/log/slurmd-n*.log)"
}

# stop_pid NAME: the daemon whose pid file is DIR/run/NAME.pid, with
# SIGTERM, then SIGKILL after 20 seconds
stop_pid() {
	local file=$dir/run/$1.pid pid
	[ -f "$file" ] || return 0
	pid=$(cat "$file")
	if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		local end=$((SECONDS + 20))
		while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $end ]; do
			sleep 0.2
		done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$file"
}

stop() {
	export SLURM_CONF=$dir/slurm.conf
	# the jobs first, while the daemons can still end them: every job of
	# this cluster cancelled, then a few seconds for their steps to go
	if [ -f "$dir/run/slurmctld.pid" ] && timeout 10 scontrol ping >/dev/null 2>&1; then
		timeout 10 scancel -u "$(id -un)" >/dev/null 2>&1 || true
		wait_for 15 queue test -z "$(timeout 5 squeue -h 2>/dev/null)" || true
	fi
	stop_pid slurmd-n1
	stop_pid slurmd-n2
	# a job step left (slurmstepd and what it runs) is found by its
	# environment: slurmd gave it this cluster's SLURM_CONF
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/exe" 2>/dev/null)" = /usr/sbin/slurmstepd ] || continue
		tr '\0' '\n' <"$p/environ" 2>/dev/null | grep -qxF "SLURM_CONF=$dir/slurm.conf" || continue
		kill -KILL "${p#/proc/}" 2>/dev/null || true
	done
	stop_pid slurmctld
	stop_pid munged
}

case $cmd in
start) start ;;
stop) stop ;;
env) echo "export SLURM_CONF=$dir/slurm.conf" ;;
*) die "usage: tests/slurm/cluster.sh start|stop|env DIR" ;;
esac
