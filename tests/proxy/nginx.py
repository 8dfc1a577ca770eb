"""A real nginx (Debian's, `make install-nginx`) running the shipped
deploy/nginx.conf on loopback, with TLS from a certificate openssl makes here,
in front of real backend processes."""

from __future__ import annotations

import os
import re
import shutil
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.plugins.backend import ROOT, free_port

TEMPLATE = ROOT / "deploy" / "nginx.conf"
PLACEHOLDER = re.compile(r"\$\{([A-Z0-9_]+)\}")


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    assert found, "nginx is not installed: `make install-nginx` (make test does it)"
    return found


def render(values: dict[str, str]) -> str:
    """deploy/nginx.conf with its placeholders filled (all of them, and only ours)."""
    template = TEMPLATE.read_text()
    names = set(PLACEHOLDER.findall(template))
    assert names == set(values), f"the template's placeholders are {sorted(names)}"
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def make_certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return cert, key


@dataclass
class Nginx:
    url: str  # https://127.0.0.1:<port>
    http_url: str
    certificate: Path
    log: Path
    proc: subprocess.Popen[bytes]

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.certificate))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: fast shutdown
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def start_nginx(prefix: Path, upstreams: list[str], *, timeout: float = 20) -> Nginx:
    prefix.mkdir(parents=True, exist_ok=True)
    cert, key = make_certificate(prefix)
    https_port, http_port = free_port(), free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(render({
        "CC142_UPSTREAMS": " ".join(f"server {u};" for u in upstreams),
        "NGINX_HTTPS_PORT": f"127.0.0.1:{https_port}",
        "NGINX_HTTP_PORT": f"127.0.0.1:{http_port}",
        "NGINX_CERTIFICATE": str(cert),
        "NGINX_CERTIFICATE_KEY": str(key),
    }))
    # Under root, workers would drop to a user that cannot enter the test's private directory.
    main = f"daemon off; pid {prefix / 'nginx.pid'};" + (" user root;" if os.geteuid() == 0 else "")
    log = prefix / "nginx.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [nginx_binary(), "-p", f"{prefix}/", "-c", str(conf), "-e", str(prefix / "error.log"), "-g", main],
            stdout=out, stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nginx exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", https_port), timeout=0.5):
                return Nginx(f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}", cert, log, proc)
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"nginx did not listen within {timeout}s:\n{log.read_text()}")
