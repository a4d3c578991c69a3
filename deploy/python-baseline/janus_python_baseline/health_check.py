"""Docker's HEALTHCHECK of the Python baseline: `python3 -m janus_python_baseline.health_check`
sends GET /health to 127.0.0.1:$PORT (default 8080) once and exits 0 when it answers 200
within 2 s, 1 otherwise. The image has no curl; this needs the standard library only."""

import http.client
import os
import sys


def main() -> int:
    port = int(os.environ.get("PORT") or 8080)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", "/health")
        status = connection.getresponse().status
    except OSError as error:
        print(f"health_check: {error}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"health_check: GET /health answered {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
