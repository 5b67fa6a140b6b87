"""
A stand-in for a package index that speaks the Simple API as Warehouse does and pypiserver
does not: PEP 691 JSON (or PEP 503 HTML when JSON is not asked for), with yanked files
(PEP 592) and core metadata files (PEP 658/714), served by Twisted from real distributions.

Its pages point to the files at L{SimpleIndex.files_url}, which may be another origin than the
pages' (as PyPI's point to files.pythonhosted.org), so that a test can see where credentials
go. L{BasicAuthGuard} puts any resource behind HTTP Basic authentication.
"""

import json
import zipfile
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Tuple

from twisted.web.resource import IResource, Resource
from twisted.web.server import Request

JSON = "application/vnd.pypi.simple.v1+json"


def _wheel_metadata(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return archive.read(name)


class SimpleIndex(Resource):
    """
    C{/simple/<project>/} lists C{files} (by normalised project name); C{/files/<name>} serves
    one, and C{/files/<wheel>.metadata} a wheel's METADATA.

    @param yanked: the file names to mark yanked, with their reason.
    @param speaks_json: whether it answers JSON to those who ask for it; if not, it is an
        index of the HTML form only.
    """

    isLeaf = True

    def __init__(
        self, files: Mapping[str, Iterable[Path]], yanked: Dict[str, str], speaks_json: bool = True
    ) -> None:
        super().__init__()
        self._files = {project: list(paths) for project, paths in files.items()}
        self._yanked = yanked
        self._speaks_json = speaks_json
        #: Where the pages say the files are: set once the files' port listens.
        self.files_url = ""
        #: (path, Authorization header) of every request.
        self.requests: List[Tuple[str, Optional[str]]] = []

    def render_GET(self, request: Request) -> bytes:
        path = request.path.decode("utf-8", "replace")
        authorization = request.getHeader("Authorization")
        self.requests.append((path, authorization))
        parts = path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "simple" and parts[1] in self._files:
            accept = request.getHeader("Accept") or ""
            if self._speaks_json and JSON in accept:
                request.setHeader("Content-Type", JSON)
                return self._json(parts[1])
            request.setHeader("Content-Type", "text/html; charset=utf-8")
            return self._html(parts[1])
        if len(parts) == 2 and parts[0] == "files":
            for paths in self._files.values():
                for file in paths:
                    if parts[1] == file.name:
                        return file.read_bytes()
                    if parts[1] == file.name + ".metadata" and file.suffix == ".whl":
                        return _wheel_metadata(file)
        request.setResponseCode(404)
        return b"Not Found"

    def _entries(self, project: str) -> Iterable[Tuple[Path, Optional[str], bool]]:
        for file in self._files[project]:
            yield file, self._yanked.get(file.name), file.suffix == ".whl"

    def _json(self, project: str) -> bytes:
        files = []
        for file, yanked, has_metadata in self._entries(project):
            entry = {"filename": file.name, "url": f"{self.files_url}/files/{file.name}",
                     "hashes": {}, "core-metadata": has_metadata, "requires-python": ">=3.8"}
            # PEP 592 in JSON: false, or the reason
            entry["yanked"] = yanked if yanked is not None else False
            files.append(entry)
        return json.dumps({"meta": {"api-version": "1.1"}, "name": project, "files": files}).encode()

    def _html(self, project: str) -> bytes:
        links = []
        for file, yanked, has_metadata in self._entries(project):
            attributes = f'href="{self.files_url}/files/{file.name}"'
            if yanked is not None:
                attributes += f' data-yanked="{yanked}"'
            if has_metadata:
                attributes += ' data-core-metadata="true"'
            links.append(f"<a {attributes}>{file.name}</a><br>")
        return ("<!DOCTYPE html><html><body>" + "\n".join(links) + "</body></html>").encode()


class BasicAuthGuard(Resource):
    """
    C{wrapped}, for requests with the C{Authorization} header C{authorization} only: others
    get a 401 (none sent) or a 403 (the wrong one), as pypiserver answers them.
    """

    isLeaf = True

    def __init__(self, wrapped: IResource, authorization: str) -> None:
        super().__init__()
        self._wrapped = wrapped
        self._authorization = authorization

    def render(self, request: Request) -> bytes:
        sent = request.getHeader("Authorization")
        if sent is None:
            request.setResponseCode(401)
            request.setHeader("WWW-Authenticate", 'Basic realm="index"')
            return b"Unauthorized"
        if sent != self._authorization:
            request.setResponseCode(403)
            return b"Forbidden"
        return self._wrapped.render(request)
