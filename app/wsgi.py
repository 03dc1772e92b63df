import os
if os.environ.setdefault("BACKLOT_ASYNC_MODE", "eventlet") == "eventlet":
    import eventlet
    eventlet.monkey_patch()

# Production WSGI entry point (gunicorn `app.wsgi:application`).
#
# The async backend is one setting, BACKLOT_ASYNC_MODE. With eventlet (the
# default here) the standard library is monkey-patched above, before Flask, redis
# or psycopg2 are imported: a Redis message queue fails on every Socket.IO connect
# without it. Nothing else in the app imports eventlet.
from app.db import checkpoint_in_background  # noqa: E402
from app.extensions import socketio  # noqa: E402
from app.factory import create_app  # noqa: E402
from app.realtime.collector import keep_collections_short  # noqa: E402
from app.tickets import no_show, outbox  # noqa: E402

application = create_app()
keep_collections_short()  # a full garbage collection would hold a broadcast (app/realtime/collector.py)
if os.environ["BACKLOT_ASYNC_MODE"] == "eventlet":
    from eventlet.tpool import execute as run_blocking  # a native thread: the hub goes on meanwhile
else:
    def run_blocking(function, *args):
        return function(*args)
# On SQLite, WAL checkpoints (and their fsync) leave the request path.
checkpoint_in_background(application, run_blocking)
# The mail outbox's retry loop runs in the server process (not in the CLI, nor in tests).
socketio.start_background_task(outbox.run_forever, application)
# So does the no-show release, every 30 s (each session once, whichever process gets there first).
if not application.testing:
    socketio.start_background_task(no_show.run_forever, application)
