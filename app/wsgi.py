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
from app.tickets import outbox  # noqa: E402

application = create_app()
if os.environ["BACKLOT_ASYNC_MODE"] == "eventlet":
    from eventlet.tpool import execute as run_blocking  # a native thread: the hub goes on meanwhile
else:
    def run_blocking(function, *args):
        return function(*args)
# On SQLite, WAL checkpoints (and their fsync) leave the request path.
checkpoint_in_background(application, run_blocking)
# The mail outbox's retry loop runs in the server process (not in the CLI, nor in tests).
socketio.start_background_task(outbox.run_forever, application)
