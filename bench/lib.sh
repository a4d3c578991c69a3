# Helpers the bench/ scripts share; sourced, not run.

# A free TCP port on 127.0.0.1 (the kernel's pick).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Bounds the calling script: after $1 seconds it gets SIGTERM (its trap cleans up). Sets
# WATCHDOG; the sleep's pid goes to $2 (a file), and stop_watchdog ends both. The sleep holds no
# descriptor of ours, so a pipe reading our output ends with us.
start_watchdog() {
  local seconds=$1 pidfile=$2 script=$$
  ( exec >/dev/null 2>&1 </dev/null; sleep "$seconds" & echo $! > "$pidfile"; wait; kill -TERM "$script" ) &
  WATCHDOG=$!
}

stop_watchdog() {
  [ -n "${WATCHDOG:-}" ] && kill "$WATCHDOG" 2>/dev/null || true
  [ -s "$1" ] && kill "$(cat "$1")" 2>/dev/null || true
}
