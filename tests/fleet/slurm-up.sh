#!/usr/bin/env bash
# Start a single-node Slurm cluster on loopback, for the fleet's end-to-end
# tests (deploy/slurm/volley-fleet.sbatch under a real srun).
#
#   sudo bash tests/fleet/slurm-up.sh      # then: source "$VOLLEY_SLURM_DIR/env"
#
# As root: installs Debian's slurmctld, slurmd, slurm-client and munge when
# they are missing, starts munged (as user munge, unless one already answers),
# slurmctld and slurmd with a configuration of their own in $VOLLEY_SLURM_DIR
# (default /tmp/volley-slurm), and waits until the node is idle. Idempotent:
# a cluster already up is left as it is. Fails loudly, with the logs' tails,
# when Slurm cannot start; it never skips.
#
# What a test needs afterwards is in $VOLLEY_SLURM_DIR/env (SLURM_CONF=...),
# printed at the end. tests/fleet/slurm-down.sh stops what this started.
#
# Environment:
#   VOLLEY_SLURM_DIR       state, spool, logs, pid files, slurm.conf, env
#   VOLLEY_SLURM_TIMEOUT   seconds to wait for an idle node (default 60)
#   VOLLEY_SLURMCTLD_PORT  slurmctld's port (default 6817)
#   VOLLEY_SLURMD_PORT     slurmd's port (default 6818)
set -euo pipefail

DIR=${VOLLEY_SLURM_DIR:-/tmp/volley-slurm}
TIMEOUT=${VOLLEY_SLURM_TIMEOUT:-60}
CTLD_PORT=${VOLLEY_SLURMCTLD_PORT:-6817}
SLURMD_PORT=${VOLLEY_SLURMD_PORT:-6818}
CONF=$DIR/slurm.conf
LOGS=$DIR/log
MUNGE_DIR=$DIR/munge

say() { echo "slurm-up: $*" >&2; }

show_logs() {
    local f
    for f in "$LOGS/slurmctld.log" "$LOGS/slurmd.log" "$MUNGE_DIR/munged.log"; do
        if [ -s "$f" ]; then
            echo "---- last lines of $f ----" >&2
            tail -n 25 "$f" >&2
        fi
    done
}

die() {
    say "error: $*"
    show_logs
    say "logs are in $LOGS and $MUNGE_DIR"
    exit 1
}

# A process is ours and alive when its pid file names a live process.
alive() { # PIDFILE
    [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

[ "$(id -u)" -eq 0 ] || die "run as root (Slurm's daemons run as SlurmUser=root here)"

# --- packages ---------------------------------------------------------------
need=()
for c in slurmctld:slurmctld slurmd:slurmd srun:slurm-client sinfo:slurm-client \
    munged:munge mungekey:munge munge:munge; do
    command -v "${c%%:*}" >/dev/null 2>&1 || need+=("${c##*:}")
done
if [ ${#need[@]} -gt 0 ]; then
    mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
    say "installing ${need[*]} (apt-get)"
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install ${need[*]} by hand"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -qq --no-install-recommends "${need[@]}" >/tmp/volley-slurm-apt.log 2>&1; then
        apt-get update -qq >>/tmp/volley-slurm-apt.log 2>&1 || true
        apt-get install -y -qq --no-install-recommends "${need[@]}" >>/tmp/volley-slurm-apt.log 2>&1 \
            || { tail -n 20 /tmp/volley-slurm-apt.log >&2; die "apt-get install ${need[*]} failed (log: /tmp/volley-slurm-apt.log)"; }
    fi
fi
id munge >/dev/null 2>&1 || die "user munge does not exist (the munge package creates it)"

mkdir -p "$DIR" "$LOGS" "$DIR/state" "$DIR/spool"
chmod 0755 "$DIR"

# --- munge ------------------------------------------------------------------
mkdir -p /run/munge
chown munge:munge /run/munge
chmod 0755 /run/munge
if [ ! -s /etc/munge/munge.key ]; then
    say "creating /etc/munge/munge.key"
    mkdir -p /etc/munge
    chown munge:munge /etc/munge
    chmod 0700 /etc/munge
    if ! runuser -u munge -- mungekey --create --keyfile=/etc/munge/munge.key 2>/dev/null; then
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    fi
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
fi
munge_works() { munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; }
if munge_works; then
    alive "$MUNGE_DIR/munged.pid" || say "munged already running (not ours): using it"
else
    mkdir -p "$MUNGE_DIR"
    chown munge:munge "$MUNGE_DIR"
    chmod 0700 "$MUNGE_DIR"
    rm -f "$MUNGE_DIR/munged.pid"
    # A socket left by a munged that died would make the new one refuse to start.
    [ -S /run/munge/munge.socket.2 ] && rm -f /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock
    say "starting munged (user munge)"
    runuser -u munge -- munged --log-file="$MUNGE_DIR/munged.log" --pid-file="$MUNGE_DIR/munged.pid" \
        --seed-file="$MUNGE_DIR/munged.seed" \
        || die "munged did not start"
    for _ in $(seq 1 50); do munge_works && break; sleep 0.1; done
    munge_works || die "munged started but munge -n | unmunge fails"
fi

# --- slurm ------------------------------------------------------------------
node=$(hostname -s)
if alive "$DIR/slurmctld.pid" && alive "$DIR/slurmd.pid" && [ -s "$CONF" ]; then
    say "slurmctld and slurmd already running (pids $(cat "$DIR/slurmctld.pid"), $(cat "$DIR/slurmd.pid"))"
else
    for port in "$CTLD_PORT" "$SLURMD_PORT"; do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            die "port $port on 127.0.0.1 is taken by another program (another Slurm?); set VOLLEY_SLURMCTLD_PORT/VOLLEY_SLURMD_PORT"
        fi
    done
    cat >"$CONF" <<EOF
# Written by tests/fleet/slurm-up.sh: a single-node cluster on loopback.
ClusterName=volley
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
MpiDefault=none
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=60
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=$node NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=volley Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
EOF
    # A half-started cluster (one daemon left from an earlier try) is stopped first.
    for d in slurmd slurmctld; do
        if alive "$DIR/$d.pid"; then kill "$(cat "$DIR/$d.pid")" 2>/dev/null || true; sleep 1; fi
        rm -f "$DIR/$d.pid"
    done
    # Each start logs afresh: the tails shown on failure are this start's.
    for f in "$LOGS/slurmctld.log" "$LOGS/slurmd.log"; do
        if [ -e "$f" ]; then mv -f "$f" "$f.1"; fi
    done
    say "starting slurmctld and slurmd (config $CONF)"
    slurmctld -c -f "$CONF" || die "slurmctld did not start"
    for _ in $(seq 1 50); do alive "$DIR/slurmctld.pid" && break; sleep 0.1; done
    slurmd -f "$CONF" || die "slurmd did not start"
    for _ in $(seq 1 50); do alive "$DIR/slurmd.pid" && break; sleep 0.1; done
fi
# The node has 2 CPUs and a fleet test runs more segments than that on it, so
# srun and sbatch overcommit here (no CPU of its own per task); a real
# cluster's jobs do without these.
cat >"$DIR/env" <<EOF
export SLURM_CONF=$CONF
export SLURM_OVERCOMMIT=1
export SBATCH_OVERCOMMIT=1
EOF
export SLURM_CONF=$CONF

# --- wait for an idle node ----------------------------------------------------
deadline=$((SECONDS + TIMEOUT))
state=
resumed=
while :; do
    alive "$DIR/slurmctld.pid" || die "slurmctld exited"
    alive "$DIR/slurmd.pid" || die "slurmd exited"
    state=$(sinfo -h -N -n "$node" -o '%T' 2>/dev/null | head -n 1 || true)
    case "$state" in
        idle | mixed | allocated) break ;;
        down* | drain*)
            if [ -z "$resumed" ]; then
                scontrol update NodeName="$node" State=RESUME >/dev/null 2>&1 || true
                resumed=1
            fi
            ;;
    esac
    [ "$SECONDS" -lt "$deadline" ] || die "node $node not idle after ${TIMEOUT}s (state: ${state:-no answer from slurmctld})"
    sleep 1
done

say "node $node is $state"
say "logs: $LOGS (munged: $MUNGE_DIR)"
say "environment: $DIR/env"
cat "$DIR/env"
