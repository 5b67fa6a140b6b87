"""
What the project-status and provenance badges (issue 18) say of the stand-in's projects
(tests/simple_pypi.py) and what each costs upstream, through C{twistd -n pypipins} with a
redis-server and the stand-in on loopback, each in its own process. Prints a Markdown table:
the Simple API and provenance requests of the first badge of each kind, and what the same
badges asked again in other forms cost (nothing, within the TTL).

    .venv/bin/python bench/provenance_costs.py
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def wait(port):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"port {port} never answered")

def get(url):
    with urllib.request.urlopen(url) as r:
        return r.read()

# run from the checkout, so that tests.standin is found
os.chdir(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
rp, sp, dp = free_port(), free_port(), free_port()
bin_ = os.path.dirname(sys.executable)
procs = [subprocess.Popen(["redis-server", "--port", str(rp), "--save", "", "--appendonly", "no"],
                          stdout=subprocess.DEVNULL),
         subprocess.Popen([sys.executable, "-m", "tests.standin", str(sp)], stderr=subprocess.DEVNULL)]
wait(rp)
wait(sp)
procs.append(subprocess.Popen([os.path.join(bin_, "twistd"), "-n", "--pidfile=", "pypipins",
    "--port", f"tcp:{dp}:interface=127.0.0.1", "--redis", f"redis://127.0.0.1:{rp}/0",
    "--pypi-url", f"http://127.0.0.1:{sp}/pypi", "--stats-url", f"http://127.0.0.1:{sp}/stats",
    "--simple-url", f"http://127.0.0.1:{sp}/simple", "--cache-ttl", "600"],
    stdout=subprocess.DEVNULL))
wait(dp)
try:
    def paths():
        return json.loads(get(f"http://127.0.0.1:{sp}/_control/paths"))["paths"]
    def badge(path):
        b = json.loads(get(f"http://127.0.0.1:{dp}{path}"))
        return f'{b["message"]} ({b["color"]})'
    print("| package | project-status | provenance | Simple API requests (both, first time) "
          "| provenance requests | asked again (both kinds, json+svg, ?label) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name in ["prov-archived", "prov-deprecated", "prov-quarantined", "prov-github", "prov-gitlab", "prov-google",
                 "prov-partial", "prov-mixed", "prov-wheels", "prov-hostile", "nosuch"]:
        before = len(paths())
        status = badge(f"/project-status/{name}/badge.json")
        provenance = badge(f"/provenance/{name}/badge.json")
        first = paths()[before:]
        again = len(paths())
        badge(f"/provenance/{name}/badge.json?label=again")
        badge(f"/project-status/{name.upper()}/badge.json?style=flat-square")
        get(f"http://127.0.0.1:{dp}/provenance/{name}/badge.svg")
        get(f"http://127.0.0.1:{dp}/project-status/{name}/badge.png")
        more = len(paths()) - again
        simple = sum(1 for p in first if p.startswith("/simple/"))
        integrity = sum(1 for p in first if p.startswith("/integrity/"))
        print(f"| {name} | {status} | {provenance} | {simple} | {integrity} | {more} |")
    before = len(paths())
    print()
    print("quarantined, v badge (JSON API):", badge("/v/prov-quarantined/badge.json"), "cost", paths()[before:])
    before = len(paths())
    print("prov-github ?version=1.0:", badge("/provenance/prov-github/badge.json?version=1.0"),
          "?version=9:", badge("/provenance/prov-github/badge.json?version=9"), "cost", paths()[before:])
    print("invalid name:", badge("/provenance/-x-/badge.json"), badge("/project-status/-x-/badge.json"))
    print("prov-wheels provenance requests:", [p for p in paths() if p.startswith("/integrity/prov-wheels")])
finally:
    for p in reversed(procs):
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=20)
