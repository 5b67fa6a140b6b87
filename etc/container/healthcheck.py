"""
The image's HEALTHCHECK: asks the daemon's C{/healthz} and exits 0 when it says 200, 1
otherwise (no answer, or 503: Redis down and PyPI failing), printing what it got.

It asks the port the daemon listens on, read from the daemon's own command line (the last
C{--port}, else the image's C{tcp:8888}), so that C{podman run IMAGE --port tcp:9000} is
followed without another setting. Standard library only: it runs in the image's PyPy, and on
any Python for its tests.
"""

import http.client
import socket
import ssl
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

#: The image's own --port (its ENTRYPOINT), when the daemon's command line cannot be read.
IMAGE_PORT = "tcp:8888"

#: Seconds /healthz has to answer: it costs the daemon no Redis or upstream request, and the
#: HEALTHCHECK's own timeout (5 s) is longer.
TIMEOUT = 4.0

#: Where each endpoint type's positional arguments put the listening address
#: (Twisted's C{serverFromString}: C{tcp:PORT:BACKLOG:INTERFACE}, C{ssl:PORT:...}).
INTERFACE_POSITION = 2

#: Addresses that mean "every interface", asked on loopback instead.
ANY = ("", "0.0.0.0", "::")


def split_endpoint(description: str) -> Tuple[List[str], Dict[str, str]]:
    """
    An endpoint string's positional and keyword arguments, as Twisted splits them: on colons
    that no backslash escapes, C{key=value} being a keyword.
    """
    parts: List[str] = []
    current: List[str] = []
    escaped = False
    for character in description:
        if escaped:
            current.append(character)
            escaped = False
        elif character == "\\":
            escaped = True
        elif character == ":":
            parts.append("".join(current))
            current = []
        else:
            current.append(character)
    parts.append("".join(current))
    positional: List[str] = []
    keywords: Dict[str, str] = {}
    for part in parts:
        key, equals, value = part.partition("=")
        if equals:
            keywords[key] = value
        else:
            positional.append(part)
    return positional, keywords


def target(description: str) -> Tuple[str, str, int]:
    """
    How to reach the endpoint C{description} from inside its container: a scheme
    (C{http}, C{https} or C{unix}), a host (or a socket's path) and a port (0 for a socket).

    @raise ValueError: for an endpoint type it cannot ask.
    """
    if description.isdigit():
        return "http", "127.0.0.1", int(description)
    positional, keywords = split_endpoint(description)
    kind = positional.pop(0).lower()
    if kind == "unix":
        return "unix", keywords.get("address") or positional[0], 0
    if kind not in ("tcp", "tcp6", "ssl"):
        raise ValueError(f"the health check cannot ask a {kind!r} endpoint: {description}")
    port = int(keywords.get("port") or positional[0])
    interface = keywords.get(
        "interface", positional[INTERFACE_POSITION] if len(positional) > INTERFACE_POSITION else ""
    )
    if interface in ANY:
        interface = "::1" if kind == "tcp6" else "127.0.0.1"
    return ("https" if kind == "ssl" else "http"), interface, port


def port_option(arguments: Sequence[str]) -> Optional[str]:
    """
    The last C{--port} among C{twistd pypipins}' own arguments (C{--port X}, C{--port=X},
    C{-p X}, C{-pX}); None if there is none.
    """
    found: Optional[str] = None
    words = iter(arguments)
    for word in words:
        if word in ("--port", "-p"):
            found = next(words, found)
        elif word.startswith("--port="):
            found = word[len("--port="):]
        elif word.startswith("-p") and not word.startswith("--"):
            found = word[2:]
    return found


def plugin_arguments(command: Sequence[str]) -> Optional[List[str]]:
    """
    What follows C{pypipins} in a C{twistd ... pypipins ...} command line; None for any
    other command (a raster worker's, this check's).
    """
    if not any(Path(word).name == "twistd" for word in command[:2]):
        return None
    if "pypipins" not in command:
        return None
    return list(command[command.index("pypipins") + 1:])


def daemon_endpoint(proc: Path = Path("/proc")) -> str:
    """
    The endpoint the container's daemon listens on, from its command line.
    """
    for cmdline in sorted(proc.glob("[0-9]*/cmdline"), key=lambda path: int(path.parent.name)):
        try:
            command = cmdline.read_bytes().decode("utf-8", "replace").split("\0")[:-1]
        except OSError:
            continue
        arguments = plugin_arguments(command)
        if arguments is not None:
            return port_option(arguments) or IMAGE_PORT
    return IMAGE_PORT


class _UnixConnection(http.client.HTTPConnection):
    """
    HTTP over a Unix socket.
    """

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._path)


def ask(scheme: str, host: str, port: int) -> Tuple[int, bytes]:
    """
    C{GET /healthz}: the status and the body.
    """
    connection: http.client.HTTPConnection
    if scheme == "unix":
        connection = _UnixConnection(host, TIMEOUT)
    elif scheme == "https":
        # the daemon's own certificate, asked on loopback: nothing to verify it against
        unverified = ssl.create_default_context()
        unverified.check_hostname = False
        unverified.verify_mode = ssl.CERT_NONE
        connection = http.client.HTTPSConnection(host, port, timeout=TIMEOUT, context=unverified)
    else:
        connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
    try:
        connection.request("GET", "/healthz", headers={"User-Agent": "pypipins-healthcheck"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def main() -> int:
    description = daemon_endpoint()
    try:
        scheme, host, port = target(description)
        status, body = ask(scheme, host, port)
    except (OSError, ValueError, http.client.HTTPException) as error:
        print(f"/healthz on {description}: {error}")
        return 1
    print(f"/healthz on {description}: {status} {body.decode('utf-8', 'replace')}")
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
