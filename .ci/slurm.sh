#!/usr/bin/env bash
# Start or stop a single-node SLURM cluster on this machine for CI.
#
#   .ci/slurm.sh start   install (apt) munge + slurmctld + slurmd if missing,
#                        render .ci/slurm/slurm.conf for this host, start the
#                        daemons, wait until the node is idle
#   .ci/slurm.sh stop    stop the daemons this script started
#   .ci/slurm.sh env     print `export SLURM_CONF=...` (eval it before using sbatch)
#
# State, logs and the rendered config live in $EEGXAI_SLURM_STATE
# (default /var/tmp/eegxai-slurm). Needs root (daemons, apt).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
state="${EEGXAI_SLURM_STATE:-/var/tmp/eegxai-slurm}"
conf="$state/slurm.conf"
export SLURM_CONF="$conf"

install() {
    local missing=()
    for cmd in munged slurmctld slurmd sbatch; do
        command -v "$cmd" >/dev/null || missing+=("$cmd")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            munge slurmctld slurmd slurm-client >/dev/null
    fi
}

render() {
    mkdir -p "$state/slurmctld" "$state/slurmd"
    chown -R slurm:slurm "$state/slurmctld"
    # this machine as slurmd sees it: host name, CPUs, memory (MB)
    local node cpus mem
    node="$(hostname -s)"
    cpus="$(nproc)"
    mem="$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')"
    sed -e "s|@NODENAME@|$node|g" -e "s|@CPUS@|$cpus|g" -e "s|@MEMORY@|$mem|g" \
        -e "s|@STATE@|$state|g" "$here/slurm/slurm.conf" >"$conf"
    # job steps (srun inside a batch job) read the default path, not $SLURM_CONF
    if [ ! -e /etc/slurm/slurm.conf ] || [ -L /etc/slurm/slurm.conf ]; then
        mkdir -p /etc/slurm
        ln -sfn "$conf" /etc/slurm/slurm.conf
    else
        echo "slurm.sh: /etc/slurm/slurm.conf exists and is not ours; using SLURM_CONF" >&2
    fi
}

start_munge() {
    if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
        return  # already running
    fi
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /run/munge /var/log/munge /var/lib/munge
    if [ ! -s /etc/munge/munge.key ]; then
        dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
    fi
    chown munge:munge /etc/munge/munge.key
    chmod 400 /etc/munge/munge.key
    runuser -u munge -- /usr/sbin/munged
    echo "$(cat /run/munge/munged.pid 2>/dev/null)" >"$state/munged.ours"
}

wait_idle() {
    local i
    for i in $(seq 60); do
        if sinfo -h -N -o '%T' 2>/dev/null | grep -qx idle; then
            sinfo
            return 0
        fi
        sleep 1
    done
    echo "slurm.sh: the node did not become idle in 60 s" >&2
    sinfo -N -l >&2 || true
    tail -n 30 "$state/slurmctld.log" "$state/slurmd.log" >&2 || true
    return 1
}

start() {
    install
    render
    start_munge
    if ! scontrol ping 2>/dev/null | grep -q UP; then
        slurmctld -f "$conf"
    fi
    if [ ! -s "$state/slurmd.pid" ] || ! kill -0 "$(cat "$state/slurmd.pid")" 2>/dev/null; then
        slurmd -f "$conf"
    fi
    wait_idle
    echo "slurm.sh: cluster up; export SLURM_CONF=$conf"
}

stop() {
    local f
    for f in slurmd slurmctld; do
        if [ -s "$state/$f.pid" ]; then
            kill "$(cat "$state/$f.pid")" 2>/dev/null || true
        fi
    done
    if [ "$(readlink /etc/slurm/slurm.conf 2>/dev/null)" = "$conf" ]; then
        rm -f /etc/slurm/slurm.conf
    fi
    if [ -s "$state/munged.ours" ]; then
        kill "$(cat "$state/munged.ours")" 2>/dev/null || true
        rm -f "$state/munged.ours"
    fi
    echo "slurm.sh: stopped"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    env) echo "export SLURM_CONF=$conf" ;;
    *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
