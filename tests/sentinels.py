"""
Redis as a fleet runs it, on loopback: a master, a replica of it, and three sentinels that
watch them and promote the replica when the master dies.
"""

import subprocess
import time
from pathlib import Path
from typing import List, Tuple

from tests.helpers import RedisServer, free_port, wait_for_port

#: The service the sentinels watch.
SERVICE = "pypipins"

#: Milliseconds without an answer before a sentinel takes the master for down: low, so that
#: a test sees a failover within seconds (production keeps 5,000-30,000).
DOWN_AFTER = 1000


class Sentinel:
    def __init__(self, directory: Path, master_port: int) -> None:
        self.port = free_port()
        directory.mkdir(parents=True, exist_ok=True)
        self.config = directory / "sentinel.conf"
        # a sentinel rewrites its file as it learns: one each
        self.config.write_text(
            f"port {self.port}\nbind 127.0.0.1\ndir {directory}\n"
            f"logfile {directory / 'sentinel.log'}\n"
            f"sentinel monitor {SERVICE} 127.0.0.1 {master_port} 2\n"
            f"sentinel down-after-milliseconds {SERVICE} {DOWN_AFTER}\n"
            f"sentinel failover-timeout {SERVICE} 10000\n"
            f"sentinel parallel-syncs {SERVICE} 1\n"
        )
        self.process = subprocess.Popen(
            ["redis-server", str(self.config), "--sentinel"], stdout=subprocess.DEVNULL,
        )
        wait_for_port(self.port, process=self.process)

    def master(self) -> Tuple[str, int]:
        host, port = _cli(self.port, "SENTINEL", "get-master-addr-by-name", SERVICE).split()
        return host, int(port)

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


class RedisGroup:
    """
    A master, its replica and three sentinels; L{url} is what daemons are given.
    """

    def __init__(self, directory: Path) -> None:
        self.master = RedisServer(directory / "master", "--logfile", str(directory / "master.log"))
        (directory / "master").mkdir()
        self.master.start()
        (directory / "replica").mkdir()
        self.replica = RedisServer(
            directory / "replica", "--replicaof", "127.0.0.1", str(self.master.port),
            "--logfile", str(directory / "replica.log"),
        )
        self.replica.start()
        self.sentinels: List[Sentinel] = [
            Sentinel(directory / f"sentinel-{n}", self.master.port) for n in range(3)
        ]
        # until each sentinel has seen the replica and the other two, no failover is agreed
        deadline = time.monotonic() + 30
        while not all(self._ready(s) for s in self.sentinels):
            if time.monotonic() > deadline:
                raise RuntimeError("the sentinels never saw each other and the replica")
            time.sleep(0.1)

    def _ready(self, sentinel: Sentinel) -> bool:
        lines = _cli(sentinel.port, "SENTINEL", "master", SERVICE).splitlines()
        state = dict(zip(lines[::2], lines[1::2]))
        return (state.get("num-slaves") == "1" and state.get("num-other-sentinels") == "2"
                and "master_link_status:up" in _cli(self.replica.port, "INFO", "replication"))

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels)
        return f"redis+sentinel://{hosts}/{SERVICE}/0"

    def current_master(self) -> RedisServer:
        _, port = self.sentinels[0].master()
        return self.master if port == self.master.port else self.replica

    def kill_master(self) -> RedisServer:
        """
        Kill the master; the server that should take over.
        """
        self.master.kill()
        return self.replica

    def promoted(self) -> bool:
        """
        Whether every sentinel names the replica, and the replica knows it is the master.
        """
        return all(s.master()[1] == self.replica.port for s in self.sentinels) and (
            _cli(self.replica.port, "ROLE").splitlines()[0] == "master"
        )

    def stop(self) -> None:
        for sentinel in self.sentinels:
            sentinel.stop()
        self.replica.kill()
        self.master.kill()


def _cli(port: int, *args: str) -> str:
    return subprocess.run(
        ["redis-cli", "-p", str(port), *args], capture_output=True, text=True, check=True,
    ).stdout.strip()
