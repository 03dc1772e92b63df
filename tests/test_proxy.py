"""The scaled deployment end to end: nginx with docs/deployment.md's configuration, as written
there, over TLS in front of two `backlot serve` processes on PostgreSQL with Redis. What nginx
sent where is read from its access log (the upstream address of each request)."""
import queue
import re
import shutil
import subprocess
import time
import uuid
import warnings
from pathlib import Path

import pytest
import requests
import socketio
from urllib3.exceptions import InsecureRequestWarning

from tests.conftest import DEMO_CLOCK
from tests.live import free_port, server_environment, serving
from tests.realtime.test_challenge_sockets import prepare

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DEPLOYMENT = Path(__file__).resolve().parent.parent / "docs" / "deployment.md"
WAIT = 10


def documented_site() -> str:
    """The first nginx block of docs/deployment.md: the site configuration."""
    return re.search(r"```nginx\n(.*?)```", DEPLOYMENT.read_text(), re.S).group(1)


def nginx_config(folder: Path, tls_port: int, backends: list[int]) -> Path:
    """The documented site on this test's ports, certificate and folders, inside a main
    configuration for an nginx of the test's own (no daemon, everything under `folder`)."""
    site = documented_site()
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{tls_port} ssl http2;")
    site = site.replace("/etc/ssl/backlot/fullchain.pem", str(folder / "cert.pem"))
    site = site.replace("/etc/ssl/backlot/privkey.pem", str(folder / "key.pem"))
    for documented, port in zip(("127.0.0.1:5001", "127.0.0.1:5002"), backends):
        site = site.replace(f"server {documented};", f"server 127.0.0.1:{port};")
    (folder / "backlot.conf").write_text(site)
    main = folder / "nginx.conf"
    main.write_text(f"""
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format upstreams '$request_method $uri $status $upstream_addr';
    access_log {folder}/access.log upstreams;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/backlot.conf;
}}
""")
    return main


class Proxy:
    """nginx in front of the two processes; where each request of ours went."""

    def __init__(self, folder: Path, backends: list[int]):
        self.folder = folder
        self.port = free_port()
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                        "/CN=localhost", "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
                       check=True, capture_output=True)
        config = nginx_config(folder, self.port, backends)
        subprocess.run([NGINX, "-t", "-c", str(config), "-p", str(folder)], check=True, capture_output=True)
        self.process = subprocess.Popen([NGINX, "-c", str(config), "-p", str(folder)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"https://127.0.0.1:{self.port}"
        deadline = time.monotonic() + WAIT
        while True:
            try:
                requests.get(self.url + "/", verify=False, timeout=2)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def upstreams(self, method: str, path: str) -> list[str]:
        """The backend port of each logged request `method path`, in order."""
        lines = (self.folder / "access.log").read_text().splitlines()
        return [line.rsplit(":", 1)[1] for line in lines if line.startswith(f"{method} {path} ")]

    def call(self, method: str, path: str, *, token: str | None = None, expect: int = 200, **options) -> tuple:
        """A request through the proxy: its JSON and the port of the process that answered it."""
        before = len(self.upstreams(method, path))
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = requests.request(method, self.url + path, headers=headers, verify=False, timeout=WAIT, **options)
        assert answer.status_code == expect, answer.text
        deadline = time.monotonic() + WAIT
        while len(self.upstreams(method, path)) <= before and time.monotonic() < deadline:
            time.sleep(0.02)
        return answer.json(), self.upstreams(method, path)[before]

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def proxied(clean_postgres, redis_url, tmp_path):
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (make test installs it with apt where it can)")
    staff = prepare(clean_postgres, tmp_path, kiosk="kiosk", moderator="moderator", gate="gate")
    env = server_environment(tmp_path, DATABASE_URL=clean_postgres, SOCKETIO_MESSAGE_QUEUE=redis_url,
                             BACKLOT_PROXY_HOPS="1", SECRET_KEY="proxy-test-secret")
    ports = [free_port(), free_port()]
    folder = tmp_path / "nginx"
    folder.mkdir()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureRequestWarning)  # the test's own self-signed certificate
        with serving(env, tmp_path / "a.log", port=ports[0]), serving(env, tmp_path / "b.log", port=ports[1]):
            proxy = Proxy(folder, ports)
            try:
                yield proxy, staff, {str(port) for port in ports}
            finally:
                proxy.close()


def until_another(proxy: Proxy, than: str, request) -> tuple:
    """Send `request()` through the proxy until a process other than `than` answers it (nginx
    spreads requests over both; a few tries at most)."""
    for _ in range(6):
        body, served_by = request()
        if served_by != than:
            return body, served_by
    raise AssertionError(f"nginx sent every try to the process on port {than}")


def test_through_nginx_register_on_one_process_check_in_on_the_other_and_a_display_sees_the_other(proxied):
    proxy, staff, backends = proxied
    day = DEMO_CLOCK.date().isoformat()

    def register():
        return proxy.call("POST", "/api/v1/registrations", expect=201, json={
            "name": "Li Lei", "email": f"{uuid.uuid4().hex[:10]}@example.org", "days": [day], "sessions": [],
            "locale": "en", "consent": True})

    registered, registered_on = register()
    code = registered["ticket"]["code"]
    assert registered["ticket"]["url"].startswith(proxy.url + "/t/")  # X-Forwarded-Proto and Host reach the app

    def check_in():
        return proxy.call("POST", "/api/v1/checkins", token=staff["gate"].token,
                          json={"scan": code, "gate": "North door", "session_id": None})

    answer, checked_in_on = check_in()
    if checked_in_on == registered_on:  # nginx chose the same process: a new visitor, checked in elsewhere
        registered, registered_on = until_another(proxy, checked_in_on, register)
        code = registered["ticket"]["code"]
        answer, checked_in_on = until_another(proxy, registered_on, check_in)
    assert answer["result"] == "ok" and {registered_on, checked_in_on} == backends

    # A display on one process (through nginx, over wss), an approval on the other.
    arrived: queue.Queue = queue.Queue()
    display = socketio.Client(reconnection=False, ssl_verify=False)
    display.on("story_approved", arrived.put, namespace="/display")
    display.connect(f"{proxy.url}?display=hall-{uuid.uuid4().hex[:6]}", namespaces=["/display"],
                    transports=["websocket"], wait_timeout=WAIT)
    try:
        stories = {}
        for _ in range(3):
            title = f"Through the proxy {uuid.uuid4().hex[:8]}"
            stories[title] = proxy.call("POST", "/api/v1/stories", token=staff["kiosk"].token, expect=201, json={
                "author": "Xiao Li", "title": title, "logline": "A phone rings with tomorrow's news.",
                "beats": ["It rings.", "She answers.", "It is her own voice."], "nonce": uuid.uuid4().hex,
                "locale": "en"})[0]["id"]
        # least_conn: the display's websocket makes its process the busier one, so nginx sends
        # the approvals to the other.
        titles = {title: proxy.call("POST", f"/api/v1/stories/{story_id}/approve",
                                    token=staff["moderator"].token)[1] for title, story_id in stories.items()}
        shown = set()
        while len(shown) < len(titles):
            story = arrived.get(timeout=WAIT)
            shown.add(story["title"])
    finally:
        display.disconnect()
    deadline = time.monotonic() + WAIT  # the websocket's line is logged when it closes
    while not proxy.upstreams("GET", "/socket.io/") and time.monotonic() < deadline:
        time.sleep(0.05)
    [display_on] = proxy.upstreams("GET", "/socket.io/")
    assert shown == set(titles)  # every approval reached the display, from either process
    assert any(approved_on != display_on for approved_on in titles.values()), (display_on, titles)
