"""Starts `nave serve` on a free loopback port for the tests and stops it afterwards.

The binary is $NAVE_BIN, defaulting to .build/debug/nave (built by `swift build`).
"""
import os
import pathlib
import sys
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
# The helpers both Python suites share (Tests/support).
sys.path.insert(0, str(REPO / "Tests" / "support"))
from nave_process import free_port  # noqa: E402


class Broker:
    def __init__(self, extra_env=None):
        self.port = free_port()
        binary = os.environ.get("NAVE_BIN", str(REPO / ".build/debug/nave"))
        env = dict(os.environ)
        # Short timeouts keep the timeout tests fast.
        env.setdefault("MQTT_CONNECT_TIMEOUT_MILLIS", "1000")
        env.setdefault("MQTT_HOUSEKEEPING_INTERVAL_MILLIS", "200")
        # The plain broker only: the hub's fixed ports (8883, 443) are Tests/azure's, in their
        # own network namespace.
        env.setdefault("HUB_ENABLED", "false")
        # The admin listener (health, metrics) on a free port of its own, not the fixed 9600,
        # so nodes of parallel runs never collide.
        self.admin_port = free_port()
        env.setdefault("ADMIN_LISTENERS", f"127.0.0.1:{self.admin_port}")
        # Clients a test leaves connected would hold SIGTERM's drain for its 10-s default.
        env.setdefault("LIFECYCLE_DRAIN_GRACE_SECONDS", "1")
        env.update(extra_env or {})
        # An explicit, temporary data directory: nothing lands in the working directory even if
        # a test turns the hub on (`nave serve` refuses a missing ./nave-data default anyway).
        self.data_dir = tempfile.mkdtemp(prefix="nave-pytest-")
        self.log = open(REPO / ".build" / f"nave-pytest-{self.port}.log", "w")
        self.process = subprocess.Popen(
            [binary, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "info",
             "--data-dir", self.data_dir],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "nave exited at start"
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nave did not start listening")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def log_text(self):
        if not self.log.closed:
            self.log.flush()
        return (REPO / ".build" / f"nave-pytest-{self.port}.log").read_text()


@pytest.fixture(scope="module", params=["shard-per-loop", "one-shard"])
def broker(request):
    # "one-shard": loop 1 has no router replica, so its publishes hop to loop 0 by mailbox.
    b = Broker(extra_env={"IO_LOOPS": "2", "ROUTER_SHARDS": "2" if request.param == "shard-per-loop" else "1"})
    yield b
    b.stop()
