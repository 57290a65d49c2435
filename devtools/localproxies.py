"""Local HTTP forward proxies for offline demos and tests, all on 127.0.0.1.

- ``TinyProxy``: a real forward proxy (Debian's ``tinyproxy``) started with a generated
  config on a free port;
- ``BadProxy``: a "proxy" that answers every request itself with a captcha page (HTTP 200) or
  IMDb's WAF challenge (HTTP 202), as a banned proxy does;
- ``dead_proxy_url()``: the URL of a port nothing listens on.

Each is a context manager and stops what it started.
"""

from __future__ import annotations

import shutil
import socket
import socketserver
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import ClassVar

CAPTCHA_PAGE = (
    b"<!DOCTYPE html><html><head><title>Robot Check</title></head><body>"
    b"<h4>Enter the characters you see below</h4><form action='/errors/validateCaptcha'>"
    b"<img src='/captcha/image.jpg'><input name='field-keywords'></form></body></html>"
)
WAF_PAGE = (
    b"<!DOCTYPE html><html><head><meta charset='utf-8'><title></title>"
    b'<script>window.gokuProps = {"key":"AQIDAHj","iv":"A6weaQ","context":"x"};'
    b"</script><script src='https://example.token.awswaf.com/challenge.js'></script></head>"
    b"<body><div id='challenge-container'></div><noscript>JavaScript is disabled</noscript>"
    b"</body></html>"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def dead_proxy_url() -> str:
    """A proxy URL whose port refuses connections."""
    return f"http://127.0.0.1:{free_port()}"


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


class TinyProxy:
    """Debian's tinyproxy on a free port. Raises ``FileNotFoundError`` with the package name
    when it is not installed. It adds ``Via: 1.1 <via_name> (tinyproxy/…)`` to what it forwards,
    so a server (the sandbox's ``/__stats`` ``via`` counts) can tell which requests it carried."""

    def __init__(self) -> None:
        self.port = 0
        self.process: subprocess.Popen | None = None
        self._dir: tempfile.TemporaryDirectory | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def via_name(self) -> str:
        return f"tinyproxy-{self.port}"

    def start(self) -> TinyProxy:
        binary = shutil.which("tinyproxy") or (
            "/usr/bin/tinyproxy" if Path("/usr/bin/tinyproxy").exists() else None
        )
        if binary is None:
            raise FileNotFoundError("tinyproxy is not installed: apt-get install tinyproxy")
        self._dir = tempfile.TemporaryDirectory(prefix="tinyproxy-")
        self.port = free_port()
        config = Path(self._dir.name) / "tinyproxy.conf"
        config.write_text(
            f"Port {self.port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 128\n"
            f'Allow 127.0.0.1\nLogLevel Error\nViaProxyName "{self.via_name}"\n'
        )
        self.process = subprocess.Popen(
            [binary, "-d", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def __enter__(self) -> TinyProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _BadHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        # Read the request head; the body of a GET is empty.
        while True:
            line = self.rfile.readline(65537)
            if not line or line in (b"\r\n", b"\n"):
                break
        server: BadProxy = self.server.owner  # type: ignore[attr-defined]
        with server.lock:
            server.requests += 1
        status, body = server.answer
        self.wfile.write(
            b"HTTP/1.1 " + status + b"\r\nContent-Type: text/html; charset=utf-8\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body
        )


class BadProxy:
    """Answers every proxied request itself: ``kind`` is ``captcha`` (200) or ``waf`` (202)."""

    ANSWERS: ClassVar[dict[str, tuple[bytes, bytes]]] = {
        "captcha": (b"200 OK", CAPTCHA_PAGE),
        "waf": (b"202 Accepted", WAF_PAGE),
    }

    def __init__(self, kind: str = "captcha") -> None:
        if kind not in self.ANSWERS:
            raise ValueError(f"BadProxy kind must be one of {sorted(self.ANSWERS)}, not {kind!r}")
        self.kind = kind
        self.answer = self.ANSWERS[kind]
        self.requests = 0
        self.lock = threading.Lock()
        self._server: socketserver.ThreadingTCPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> BadProxy:
        socketserver.ThreadingTCPServer.daemon_threads = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _BadHandler)
        self._server.owner = self  # type: ignore[attr-defined]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> BadProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
