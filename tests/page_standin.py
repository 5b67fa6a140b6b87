"""
Pages that show badges, served from a folder on loopback for the browser tests: what
someone's site (or the page a badge's link leads to) is to a badge.

A file whose name ends in C{.svg} is sent with the policy every SVG badge is sent with
(L{pypipins.web.http.SVG_POLICY}), so that a test can see in a browser what that policy lets
an SVG do that no badge of ours could be made to hold (a script); unless its name starts with
C{unpoliced-}, to see what the same SVG does without it.

Run it with C{python -m tests.page_standin PORT FOLDER}.
"""

import sys
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

from pypipins.web.http import SVG_POLICY

#: Files with this prefix are sent without the policy.
UNPOLICED = "unpoliced-"


class _Handler(SimpleHTTPRequestHandler):
    def end_headers(self) -> None:
        name = self.path.split("?", 1)[0].rsplit("/", 1)[-1]
        if name.endswith(".svg") and not name.startswith(UNPOLICED):
            self.send_header("Content-Security-Policy", SVG_POLICY)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        # the test reads what it needs from the browser; the log would only fill its output
        pass


def main(port: int, folder: str) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(_Handler, directory=folder))
    server.serve_forever()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
