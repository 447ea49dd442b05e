# Source this from a CLI case: starts the stand-in LLM server on 127.0.0.1,
# sets $FAKE_URL, and stops the server when the case's shell exits.
#   . "$FAKES/start.sh" [server options]
fake_port_file=$(mktemp -u)
/usr/bin/env python3 "$FAKES/llm_server.py" --port-file "$fake_port_file" "$@" &
fake_pid=$!
trap 'kill $fake_pid 2>/dev/null; wait $fake_pid 2>/dev/null; rm -f "$fake_port_file"' EXIT
for _ in $(seq 600); do [ -s "$fake_port_file" ] && break; sleep 0.05; done
FAKE_URL="http://127.0.0.1:$(cat "$fake_port_file")"
