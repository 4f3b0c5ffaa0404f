#!/bin/bash
# Serve Duban as two `duban serve` processes behind Debian's nginx, for the HTTP benchmarks
# (Redmine's peer runs 2 puma workers; one Python process is held to one core by the GIL).
#   bench/serve_two.sh PORT_NGINX PORT_A PORT_B     (environment: DATABASE_URL, DUBAN_DATA)
# Runs in the foreground; Ctrl+C (or killing its pid) stops nginx and both servers.
set -euo pipefail
NG=${1:-18950} A=${2:-18900} B=${3:-18901}
HERE=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d /tmp/duban-serve-two-XXXX); chmod 777 "$TMP"; mkdir -m 777 "$TMP/t"
export DUBAN_SECRET_KEY=${DUBAN_SECRET_KEY:-$(head -c 48 /dev/urandom | base64 | tr -d '/+=')}
"$HERE/.venv/bin/duban" collectstatic --noinput -v0
"$HERE/.venv/bin/duban" serve --port "$A" > "$TMP/a.log" 2>&1 & PA=$!
# One after the other: each `duban serve` runs collectstatic into the shared data folder,
# and two at once trip over each other's compressed files.
for _ in $(seq 120); do grep -q 已启动 "$TMP/a.log" && break; sleep 0.5; done
"$HERE/.venv/bin/duban" serve --port "$B" > "$TMP/b.log" 2>&1 & PB=$!
for _ in $(seq 120); do grep -q 已启动 "$TMP/b.log" && break; sleep 0.5; done
cat > "$TMP/nginx.conf" <<CONF
worker_processes 1; pid $TMP/nginx.pid; error_log $TMP/error.log;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $TMP/t/b; proxy_temp_path $TMP/t/p; fastcgi_temp_path $TMP/t/f;
  uwsgi_temp_path $TMP/t/u; scgi_temp_path $TMP/t/s;
  upstream duban { server 127.0.0.1:$A; server 127.0.0.1:$B; keepalive 16; }
  server { listen 127.0.0.1:$NG; client_max_body_size 50m;
    location / { proxy_pass http://duban; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header Host \$host; proxy_read_timeout 600s; } }
}
CONF
/usr/sbin/nginx -p "$TMP" -c "$TMP/nginx.conf" -g "daemon off;" & PN=$!
trap 'kill $PN $PA $PB 2>/dev/null' EXIT INT TERM
echo "nginx :$NG -> :$A (pid $PA), :$B (pid $PB); logs in $TMP"
wait
