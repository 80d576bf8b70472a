"""A real IMAP server for the tests and the benchmark: Debian's dovecot on a loopback port,
with a passwd-file and a mail directory of its own, stopped when the block ends."""

import contextlib
import ipaddress
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from pcrm.embedded import free_port, owned_child, stop_process
from tests.bounces.certificates import private_pem, self_signed

USER, PASSWORD = "bounces", "test-password"


@dataclass(frozen=True)
class Dovecot:
    host: str
    port: int  # plain IMAP, STARTTLS offered
    user: str
    password: str
    tls_port: int  # implicit TLS (imaps)
    ca_file: str  # the self-signed certificate the server presents, to trust it


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next(
        (path for path in ("/usr/sbin/dovecot",) if os.access(path, os.X_OK)), None
    )


def _config(directory: Path, port: int, tls_port: int) -> str:
    # Root may not own mail (dovecot refuses uid 0): the mail then belongs to `nobody`.
    uid, gid = (os.getuid(), os.getgid()) if os.getuid() else (65534, 65534)
    login_user = "dovenull" if os.getuid() == 0 else os.environ.get("USER", "nobody")
    return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {directory}/run
state_dir = {directory}/state
log_path = {directory}/dovecot.log
ssl = yes
ssl_cert = <{directory}/cert.pem
ssl_key = <{directory}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = {min(uid, 500)}
default_login_user = {login_user}
default_internal_user = {login_user if os.getuid() else "dovecot"}
mail_location = maildir:{directory}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {directory}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={directory}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
protocol imap {{
  mail_max_userip_connections = 50
}}
"""


@contextlib.contextmanager
def running_dovecot() -> Iterator[Dovecot]:
    """Start dovecot in the foreground on a free loopback port; yields where to reach it."""
    binary = dovecot_binary()
    if binary is None:
        raise FileNotFoundError("dovecot is not installed (apt-get install dovecot-imapd)")
    # Its own directory, open to dovecot's unprivileged processes (pytest's are private).
    with tempfile.TemporaryDirectory(prefix="pcrm-dovecot-") as name:
        directory = Path(name)
        directory.chmod(0o755)
        with _dovecot(binary, directory) as server:
            yield server


@contextlib.contextmanager
def _dovecot(binary: str, directory: Path) -> Iterator[Dovecot]:
    for sub in ("run", "state", "mail"):
        (directory / sub).mkdir(exist_ok=True)
    if os.getuid() == 0:
        os.chown(directory / "mail", 65534, 65534)
    port, tls_port = free_port(), free_port()
    (directory / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    _self_signed(directory)
    config = directory / "dovecot.conf"
    config.write_text(_config(directory, port, tls_port))
    process = subprocess.Popen(
        [binary, "-F", "-c", str(config)], preexec_fn=owned_child, stdout=subprocess.DEVNULL
    )
    try:
        _wait_for_port(port, process, directory)
        _wait_for_port(tls_port, process, directory)
        ca_file = str(directory / "cert.pem")
        yield Dovecot("127.0.0.1", port, USER, PASSWORD, tls_port, ca_file)
    finally:
        stop_process(process, 10)


def _self_signed(directory: Path) -> None:
    """A key and a certificate for 127.0.0.1 (and localhost)."""
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    key, certificate = self_signed("localhost", names)
    (directory / "cert.pem").write_bytes(certificate)
    (directory / "key.pem").write_bytes(private_pem(key))


def _wait_for_port(port: int, process: subprocess.Popen, directory: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = directory / "dovecot.log"
            text = log.read_text() if log.exists() else ""
            raise RuntimeError(f"dovecot exited with {process.returncode}: {text[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError("dovecot did not start listening within 15 s")
