import eventlet
eventlet.monkey_patch()

# The floor bench/fanout.py measures Backlot's fan-out against: a bare Flask-SocketIO app with the
# same libraries, async mode and server (gunicorn, one eventlet worker, the same
# --worker-connections as `backlot serve`; bench/fanout.py starts it), and nothing else: no
# database, no sessions, no snapshots. Its garbage collector is set as Backlot's server sets its
# own (app/realtime/collector.py: start-up objects frozen, young generation every 20,000
# allocations), so that a full collection stalling one emit of either is not what the comparison
# shows.
#
#   GET  /       -> "ok" (readiness)
#   POST /emit   -> body {"event": str, "payload": any JSON, "namespaces": [str, ...]}: emits the
#                   payload once per namespace, as app.realtime.publish does, then answers 204.
#
# /display, /vote and /kiosk accept every connect and send nothing. SOCKETIO_MESSAGE_QUEUE and
# SOCKETIO_CHANNEL, when set, give it a Redis message queue as Backlot's scaled mode has.
# Standalone (from the repository root):
#   .venv/bin/gunicorn -k eventlet -w 1 --worker-connections 10000 -b 127.0.0.1:5001 \
#       bench.bare_socketio:application
import gc  # noqa: E402
import os  # noqa: E402

from flask import Flask, request  # noqa: E402
from flask_socketio import SocketIO  # noqa: E402

NAMESPACES = ("/display", "/vote", "/kiosk")

application = Flask(__name__)
socketio = SocketIO(application, async_mode="eventlet",
                    message_queue=os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None,
                    channel=os.environ.get("SOCKETIO_CHANNEL") or "bare-socketio")


def _accept(auth=None):
    return None


for _namespace in NAMESPACES:
    socketio.on("connect", namespace=_namespace)(_accept)

gc.collect()
gc.freeze()
gc.set_threshold(20_000, *gc.get_threshold()[1:])


@application.get("/")
def ready():
    return "ok"


@application.post("/emit")
def emit():
    body = request.get_json()
    for namespace in body["namespaces"]:
        socketio.emit(body["event"], body["payload"], namespace=namespace)
    return "", 204
