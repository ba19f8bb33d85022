#!/usr/bin/env bash
# Stop the single-node Slurm cluster that tests/fleet/slurm-up.sh started:
# cancels its jobs, then stops slurmd, slurmctld and (when slurm-up.sh
# started it) munged, each by the PID in its pid file under
# $VOLLEY_SLURM_DIR (default /tmp/volley-slurm). Idempotent: what is not
# running is skipped. Keeps the logs; VOLLEY_SLURM_CLEAN=1 removes the folder.
set -euo pipefail

DIR=${VOLLEY_SLURM_DIR:-/tmp/volley-slurm}
say() { echo "slurm-down: $*" >&2; }

stop() { # NAME PIDFILE
    local name=$1 pidfile=$2 pid
    if [ ! -s "$pidfile" ]; then
        return 0
    fi
    pid=$(cat "$pidfile")
    if ! kill -0 "$pid" 2>/dev/null; then
        rm -f "$pidfile"
        return 0
    fi
    say "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        say "$name (pid $pid) still running after 15 s: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}

if [ -s "$DIR/slurm.conf" ] && [ -s "$DIR/slurmctld.pid" ] && kill -0 "$(cat "$DIR/slurmctld.pid")" 2>/dev/null; then
    SLURM_CONF=$DIR/slurm.conf timeout 10 scancel --full --quiet --user=root 2>/dev/null || true
fi
stop slurmd "$DIR/slurmd.pid"
stop slurmctld "$DIR/slurmctld.pid"
stop munged "$DIR/munge/munged.pid"

if [ "${VOLLEY_SLURM_CLEAN:-0}" = 1 ]; then
    rm -rf "$DIR"
    say "removed $DIR"
else
    [ -d "$DIR/log" ] && say "logs kept in $DIR/log"
fi
say "stopped"
