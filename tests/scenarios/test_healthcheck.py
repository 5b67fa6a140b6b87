"""
The image's HEALTHCHECK (etc/container/healthcheck.py) finds the port the daemon was given, in
the daemon's command line, whatever way C{--port} was written.
"""

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.pure

SCRIPT = Path(__file__).resolve().parent.parent.parent / "etc" / "container" / "healthcheck.py"

_spec = importlib.util.spec_from_file_location("healthcheck", SCRIPT)
assert _spec is not None and _spec.loader is not None
healthcheck = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(healthcheck)

#: The daemon's command line in the image, as /proc shows it: the ENTRYPOINT, then what
#: `podman run IMAGE ...` added.
ENTRYPOINT = ["/opt/pypipins/bin/python", "/opt/pypipins/bin/twistd", "--nodaemon", "--pidfile=",
              "pypipins", "--port", "tcp:8888"]


@pytest.mark.parametrize("endpoint, expected", [
    ("tcp:8888", ("http", "127.0.0.1", 8888)),
    ("tcp:9000:interface=127.0.0.1", ("http", "127.0.0.1", 9000)),
    ("tcp:port=9000:interface=10.1.2.3", ("http", "10.1.2.3", 9000)),
    ("tcp:9000:50:10.1.2.3", ("http", "10.1.2.3", 9000)),
    ("tcp:9000:interface=0.0.0.0", ("http", "127.0.0.1", 9000)),
    ("tcp6:9000", ("http", "::1", 9000)),
    ("tcp6:9000:interface=\\:\\:1", ("http", "::1", 9000)),
    ("TCP:9000", ("http", "127.0.0.1", 9000)),
    ("ssl:8443:privateKey=key.pem", ("https", "127.0.0.1", 8443)),
    ("unix:/run/pypipins.sock", ("unix", "/run/pypipins.sock", 0)),
    ("unix:address=/run/pypipins.sock:mode=660", ("unix", "/run/pypipins.sock", 0)),
    ("8888", ("http", "127.0.0.1", 8888)),
])
def test_where_an_endpoint_is_asked(endpoint, expected):
    assert healthcheck.target(endpoint) == expected


def test_an_endpoint_it_cannot_ask_is_said():
    with pytest.raises(ValueError, match="cannot ask a 'systemd' endpoint"):
        healthcheck.target("systemd:domain=INET:index=0")


@pytest.mark.parametrize("arguments, expected", [
    ([], None),
    (["--redis", "redis://r:6379/0"], None),
    (["--port", "tcp:9000"], "tcp:9000"),
    (["--port=tcp:9000"], "tcp:9000"),
    (["-p", "tcp:9000"], "tcp:9000"),
    (["-ptcp:9000"], "tcp:9000"),
    # the last one given wins, as twistd's options take it
    (["--port", "tcp:8888", "--redis", "redis://r", "--port", "tcp:9000"], "tcp:9000"),
    (["--public-url", "https://badges.example.com", "--port=tcp:9001"], "tcp:9001"),
])
def test_the_port_given_to_the_daemon(arguments, expected):
    assert healthcheck.port_option(arguments) == expected


def test_the_daemon_is_told_from_other_processes(tmp_path):
    proc = tmp_path / "proc"
    commands = {
        7: ["/opt/pypipins/bin/python", "-m", "pypipins.drawing.worker", "png"],
        9: ["/opt/pypipins/bin/python", "/opt/pypipins/healthcheck.py"],
    }
    for pid in (9, 7):
        (proc / str(pid)).mkdir(parents=True)
        (proc / str(pid) / "cmdline").write_bytes(b"\0".join(w.encode() for w in commands[pid]) + b"\0")
    # no daemon found: the image's own port
    assert healthcheck.daemon_endpoint(proc) == "tcp:8888"
    # PID 2: the image's PID 1 is tini
    (proc / "2").mkdir()
    (proc / "2" / "cmdline").write_bytes(
        b"\0".join(w.encode() for w in ENTRYPOINT + ["--port", "tcp:9000"]) + b"\0")
    assert healthcheck.daemon_endpoint(proc) == "tcp:9000"


def test_twistd_run_another_way_is_read_too():
    assert healthcheck.plugin_arguments(["twistd", "-n", "pypipins", "-p", "tcp:1"]) == ["-p", "tcp:1"]
    assert healthcheck.plugin_arguments(["/usr/bin/python3", "-m", "pypipins.drawing.worker"]) is None
    assert healthcheck.plugin_arguments(["twistd", "-n", "shields"]) is None
