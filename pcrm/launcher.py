"""`pcrm up`: the whole service on one machine, owned by one process that stops it all.

It runs the web app and the SMTP catcher in this process, and a worker (with the scheduler) and,
when REDIS_URL is unset, an embedded redis-server as children it starts, watches and stops.
"""

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import unicodedata
from pathlib import Path

import click
from flask_migrate import upgrade
from werkzeug.serving import make_server

from pcrm import ROOT, create_app
from pcrm.embedded import embedded_redis, free_port, owned_child, stop_process
from pcrm.outbox.catcher import start_catcher


class Launcher:
    def __init__(
        self, *, host: str, port: int, demo: bool, subscribers: int, verbose: bool = False
    ):
        self.host, self.port, self.demo, self.subscribers = host, port, demo, subscribers
        self.verbose = verbose
        self.stopping = threading.Event()
        self.instance = Path(os.environ.get("PCRM_INSTANCE_PATH") or ROOT / "instance")

    def run(self) -> None:
        os.environ.setdefault("PCRM_ENV", "local")
        os.environ["PCRM_PORT"] = str(self.port)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, lambda *_: self.stopping.set())
        with contextlib.ExitStack() as stack:
            if not os.environ.get("REDIS_URL"):
                redis_dir = self.instance / "redis"
                os.environ["REDIS_URL"] = stack.enter_context(embedded_redis(redis_dir))
            if not os.environ.get("MAIL_SERVER"):
                self._start_catcher(stack)
            app = create_app()
            self._prepare(app)
            stack.enter_context(self._worker())
            if not self.verbose:
                logging.getLogger("werkzeug").setLevel(logging.WARNING)
            server = make_server(self.host, self.port, app, threaded=True)
            stack.callback(server.shutdown)
            threading.Thread(target=server.serve_forever, name="pcrm-web", daemon=True).start()
            self._banner(app)
            while not self.stopping.wait(1):
                pass
            click.echo("Stopping PCRM ...")
        click.echo("PCRM stopped.")

    def _start_catcher(self, stack: contextlib.ExitStack) -> None:
        port = free_port()
        catcher = start_catcher(self.instance / "outbox" / "mail", port)
        stack.callback(catcher.stop)
        os.environ["MAIL_SERVER"], os.environ["MAIL_PORT"] = "127.0.0.1", str(port)

    def _prepare(self, app) -> None:
        with app.app_context():
            upgrade()
            if self.demo:
                from pcrm.demo import load_demo

                click.echo(load_demo(subscribers=self.subscribers).describe())

    @contextlib.contextmanager
    def _worker(self):
        command = [sys.executable, "-m", "pcrm", "worker", "--name", f"pcrm-up-{os.getpid()}"]
        # Quiet by default: an idle console logs nothing; jobs that fail still do.
        command += ["--log-level", "INFO" if self.verbose else "WARNING"]
        process = subprocess.Popen(command, env=os.environ.copy(), preexec_fn=owned_child)
        watcher = threading.Thread(target=self._watch, args=(process,), daemon=True)
        watcher.start()
        try:
            yield process
        finally:
            stop_process(process, 20)  # SIGTERM is RQ's warm shutdown: the job in hand finishes

    def _watch(self, process: subprocess.Popen) -> None:
        """A worker that dies on its own takes the service down: better than silent queues."""
        process.wait()
        if not self.stopping.is_set():
            click.echo(f"The worker exited with {process.returncode}; stopping.", err=True)
            self.stopping.set()

    def _banner(self, app) -> None:
        url = f"http://{self.host}:{self.port}"
        click.echo(f"\nPCRM is running at {url}/  (stop with Ctrl+C; --verbose logs every job)")
        click.echo(f"  Outboxes:  {url}/outbox/mail  {url}/outbox/sms")
        click.echo(f"  Health:    {url}/healthz")
        if self.demo:
            from pcrm.demo import DEMO_PASSWORD, demo_accounts

            click.echo(f"  Sign in (password {DEMO_PASSWORD}):")
            accounts = demo_accounts()
            width = max(display_width(role) for role, _ in accounts)
            for role, email in accounts:
                click.echo(f"    {role}{' ' * (width - display_width(role))}  {email}")
        click.echo("")


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: Hangul and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
