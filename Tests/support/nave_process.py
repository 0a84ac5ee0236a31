"""What every Python suite that starts `nave serve` needs (Tests/python, Tests/azure): a free
loopback port, and waiting until the node listens on one (or has died trying)."""
import os
import socket
import subprocess
import time


def free_port():
    """A port nothing listens on now (the kernel's pick, released at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, process, seconds=15):
    """Returns once 127.0.0.1:`port` accepts; raises if `process` exits or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nave exited at start with status {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nave did not listen on {port}")


def stop_process(process):
    """SIGTERM, then SIGKILL if the node has not exited within 10 s."""
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def node_environment(**config):
    """The environment a test's `nave serve` runs with: this process's, less every `NAVE_*`
    variable (the harness's own, NAVE_BIN and friends, which the node would refuse as unknown
    configuration, and any an operator left set), plus `config` (NAVE_* keys)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAVE_")}
    env.update(config)
    return env
