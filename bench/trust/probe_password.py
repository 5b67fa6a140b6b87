"""
Item 6: the Redis password printed. Three shapes of URL (redis://, redis+sentinel://, unix://)
with a password holding '/', '#' or '?' given to twistd: how many of its outputs (the refusal
at start-up, or the log of a daemon that started anyway) show the password. The three shapes
well formed (the password percent-encoded) to a Redis that is not there: how many daemons
show it in their log, /healthz, a badge or /metrics. Then a daemon
using a Redis that requires the password, the password given the way each tree allows best
(old: only in --redis, percent-encoded; new: --redis-password-file): whether the password is
in its command line (/proc/<pid>/cmdline, what `ps` shows every user), whether its log ever
shows it while Redis goes away and comes back wanting another, and whether Redis was used.
"""

import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Dict

from bench.trust.stack import Stack
from tests.helpers import RedisServer, free_port, wait_for_port

ITEM = "6"
WHAT = "the Redis password in start-up errors, logs and the process list"
ROUNDS = 1

#: What is looked for in every output: a part of each password that no URL has otherwise.
SECRET = "S3cret"

SHAPES = [
    "redis://:p{c}ss6S3cret@127.0.0.1:{port}/0",
    "redis+sentinel://:p{c}ss6S3cret@127.0.0.1:{port}/mymaster/0",
    "unix://:p{c}ss6S3cret@/tmp/pypipins-no-such-{port}.sock",
]

#: Seconds a daemon that starts with a URL it should have refused is left to log.
LEFT_TO_LOG = 4.0


def started_with(venv: Path, tree: Path, work: Path, url: str) -> str:
    """
    What twistd prints given C{url}: its refusal, or what the daemon logs in its first
    seconds when it starts anyway.
    """
    port = free_port()
    env = {"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}
    process = subprocess.Popen(
        [str(venv / "bin/twistd"), "-n", "--pidfile=", "pypipins", "--port",
         f"tcp:{port}:interface=127.0.0.1", "--redis", url],
        cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = process.communicate(timeout=LEFT_TO_LOG)
    except subprocess.TimeoutExpired:
        process.terminate()
        out, _ = process.communicate(timeout=20)
    return out


def redis_cli(port: int, password: str, *args: str) -> str:
    return subprocess.run(["redis-cli", "-p", str(port), "--no-auth-warning", "-a", password, *args],
                          capture_output=True, text=True).stdout.strip()


def measure(tree: Path, venv: Path, work: Path) -> Dict[str, float]:
    figures: Dict[str, float] = {}
    shown = 0
    urls = [shape.format(c=c, port=free_port()) for shape in SHAPES for c in "/#?"]
    for url in urls:
        if SECRET in started_with(venv, tree, work, url):
            shown += 1
    figures["urls"] = len(urls)
    figures["outputs_showing_password"] = shown

    # well-formed URLs (the password percent-encoded) to a Redis that is not there: what
    # the daemon logs of its failures, /healthz and /metrics
    shown = 0
    for shape in SHAPES:
        url = shape.format(c="%2F", port=free_port())
        port, metrics = free_port(), free_port()
        process = subprocess.Popen(
            [str(venv / "bin/twistd"), "-n", "--pidfile=", "pypipins", "--port",
             f"tcp:{port}:interface=127.0.0.1", "--metrics-port",
             f"tcp:{metrics}:interface=127.0.0.1", "--redis", url],
            cwd=work, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        answers = ""
        try:
            wait_for_port(port, timeout=60, process=process)
            time.sleep(LEFT_TO_LOG)
            for path in (f"http://127.0.0.1:{port}/healthz", f"http://127.0.0.1:{port}/v/klein/badge.svg",
                         f"http://127.0.0.1:{metrics}/metrics"):
                try:
                    with urllib.request.urlopen(path, timeout=30) as response:
                        answers += response.read().decode("utf-8", "replace")
                except urllib.error.HTTPError as e:
                    answers += e.read().decode("utf-8", "replace")
                except OSError:
                    pass
        except RuntimeError:
            pass
        finally:
            process.terminate()
            out, _ = process.communicate(timeout=30)
        shown += SECRET in out + answers
    figures["running_daemons_showing_password"] = shown

    password = "p/ss#6S3cret?"
    helps = subprocess.run([str(venv / "bin/twistd"), "pypipins", "--help"], cwd=work,
                           env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
                           capture_output=True, text=True).stdout
    secret_file = work / "redis-password"
    secret_file.write_text(password + "\n")
    secret_file.chmod(0o400)
    # a Redis of its own that wants the password (the stack's own goes unused)
    folder = work / "redis-with-password"
    folder.mkdir()
    redis = RedisServer(folder, "--requirepass", password)
    redis.start()
    # the tree's best way: a file, or the URL (percent-encoded, as it must be)
    if "--redis-password-file" in helps:
        args = ["--redis", redis.url, "--redis-password-file", str(secret_file)]
    else:
        encoded = urllib.parse.quote(password, safe="")
        args = ["--redis", f"redis://:{encoded}@127.0.0.1:{redis.port}/0"]
    stack = Stack(tree, venv, work, daemon_args=args)
    try:
        ok = 0
        for n in range(20):
            status, _, _ = stack.get(f"/v/bench-{n}/badge.svg")
            ok += status == 200
            time.sleep(0.05)
        time.sleep(0.5)
        figures["badges_ok"] = ok
        figures["redis_used"] = int(redis_cli(redis.port, password, "DBSIZE") not in ("", "0"))
        cmdline = Path(f"/proc/{stack.daemon.pid}/cmdline").read_bytes()
        figures["password_in_cmdline"] = int(SECRET.encode() in cmdline)
        # Redis gone, then back wanting another password
        redis.kill()
        for n in range(20, 30):
            stack.get(f"/v/bench-{n}/badge.svg")
        redis.args = ("--requirepass", "another")
        redis.start()
        time.sleep(3)
        for n in range(30, 40):
            stack.get(f"/v/bench-{n}/badge.svg")
    finally:
        stack.stop()
        redis.kill()
    log = stack.log()
    figures["log_lines_showing_password"] = sum(SECRET in line for line in log.splitlines())
    return figures
