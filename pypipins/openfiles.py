"""
How many files a daemon may have open: each client connection is one, so the soft limit
Linux starts a shell with (1024) is raised to the hard one at start.
"""

import resource

from twisted.application.service import Service
from twisted.logger import Logger


class OpenFilesLimit(Service):
    """
    Raises the process's soft C{RLIMIT_NOFILE} to its hard limit when started, and logs the
    figure.

    Every connection costs a descriptor (clients, upstreams, Redis), besides the log files:
    with a soft limit of 1024, about a thousand idle connections leave none for the next
    client, whose connection is then reset. Any process may raise its soft limit up to its
    hard one. systemd's C{LimitNOFILE=} and supervisor's C{minfds} set both for a deployment;
    this is for a daemon started by hand (Debian's shells: 1024 soft, 524288 hard).
    """

    log = Logger()

    def startService(self) -> None:
        super().startService()
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft == hard:
            self.log.info("Open files: at most {limit}", limit=soft)
            return
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError) as e:
            # an unlimited hard limit (not on Linux) cannot be a soft one
            self.log.warn(
                "Open files: at most {soft}; raising it to {hard} failed: {error}",
                soft=soft, hard=hard, error=e,
            )
        else:
            self.log.info("Open files: at most {limit} (raised from {soft})", limit=hard, soft=soft)
