"""
PyPI's Simple API in its JSON form (PEP 691, with PEP 792's project status and PEP 740's
provenance URLs) and its Integrity API, as the stand-in (L{tests.standin}) serves them: small
synthetic projects, each made to show one thing the project-status and provenance badges say.

A file is written C{(filename, publisher)}: C{None} for a file without provenance, else
C{"GitHub:owner/repo"} (kind, colon, repository; no colon for a publisher without one). Its
provenance document is made from that, on the stand-in's own origin, as PyPI's are.
"""

import json
from typing import Dict, List, Optional, Tuple

import attrs

JSON = "application/vnd.pypi.simple.v1+json"
INTEGRITY = "application/vnd.pypi.integrity.v1+json"

File = Tuple[str, Optional[str]]


@attrs.frozen
class Project:
    files: Tuple[File, ...] = ()
    #: PEP 792's status, or None for a page that says none (active).
    status: Optional[str] = None
    #: Files marked yanked (PEP 592).
    yanked: Tuple[str, ...] = ()
    #: A provenance URL written as is, for a file: a hostile index's.
    foreign: Tuple[Tuple[str, str], ...] = ()


def _release(name: str, version: str, publisher: Optional[str], wheels: int = 1) -> Tuple[File, ...]:
    sdist = (f"{name}-{version}.tar.gz", publisher)
    return (sdist, *((f"{name}-{version}-py3-none-{tag}.whl", publisher) for tag in _tags(wheels)))


def _tags(n: int) -> List[str]:
    return ["any"] if n == 1 else [f"manylinux_{i:02d}" for i in range(n)]


GITHUB = "GitHub:pypipins/attested"

PROJECTS: Dict[str, Project] = {
    "klein": Project(_release("klein", "24.8.0", None)),
    "prov-archived": Project(_release("prov_archived", "1.0", None), status="archived"),
    "prov-deprecated": Project(_release("prov_deprecated", "1.0", None), status="deprecated"),
    # quarantined by PyPI's administrators: no files, and a JSON API that answers 404
    "prov-quarantined": Project((), status="quarantined"),
    "prov-strange": Project(_release("prov_strange", "1.0", None), status="under-review"),
    "prov-github": Project(
        _release("prov_github", "1.0", None) + _release("prov_github", "2.0", GITHUB)
        + _release("prov_github", "2.1rc1", None) + _release("prov_github", "3.0", None),
        yanked=("prov_github-3.0.tar.gz", "prov_github-3.0-py3-none-any.whl"),
    ),
    "prov-gitlab": Project(_release("prov_gitlab", "1.0", "GitLab:group/sub/project")),
    "prov-google": Project(_release("prov_google", "1.0", "Google")),
    "prov-partial": Project(
        (("prov_partial-1.0.tar.gz", GITHUB), ("prov_partial-1.0-py3-none-any.whl", None))
    ),
    "prov-mixed": Project(
        (("prov_mixed-1.0.tar.gz", GITHUB), ("prov_mixed-1.0-py3-none-any.whl", "GitHub:someone/else"))
    ),
    "prov-wheels": Project(_release("prov_wheels", "1.0", GITHUB, wheels=80)),
    "prov-none": Project(_release("prov_none", "1.0", None)),
    # a page that points provenance elsewhere: never followed
    "prov-hostile": Project(
        _release("prov_hostile", "1.0", None),
        foreign=(("prov_hostile-1.0.tar.gz", "http://evil.test/provenance"),
                 ("prov_hostile-1.0-py3-none-any.whl", "file:///etc/passwd")),
    ),
}


def _provenance_path(name: str, filename: str) -> str:
    version = filename[len(name.replace("-", "_")) + 1:].split("-")[0].removesuffix(".tar.gz")
    return f"/integrity/{name}/{version}/{filename}/provenance"


def project_page(name: str) -> Optional[bytes]:
    """
    The PEP 691 page of project C{name}, or None for a project not listed.
    """
    project = PROJECTS.get(name)
    if project is None:
        return None
    foreign = dict(project.foreign)
    files = []
    for filename, publisher in project.files:
        provenance = foreign.get(filename)
        if provenance is None and publisher is not None:
            provenance = _provenance_path(name, filename)
        files.append({
            "filename": filename,
            "url": f"https://files.test/packages/{filename}",
            "hashes": {"sha256": "0" * 64},
            "requires-python": ">=3.9",
            "yanked": filename in project.yanked,
            "provenance": provenance,
        })
    document: Dict[str, object] = {"meta": {"api-version": "1.4"}, "name": name, "files": files}
    if project.status is not None:
        document["project-status"] = {"status": project.status}
    return json.dumps(document).encode()


def provenance_document(name: str, filename: str) -> Optional[bytes]:
    """
    The Integrity API's answer for file C{filename} of C{name}, or None when it has none.
    """
    project = PROJECTS.get(name)
    publisher = dict(project.files).get(filename) if project is not None else None
    if publisher is None:
        return None
    kind, _, repository = publisher.partition(":")
    described: Dict[str, str] = {"kind": kind}
    if repository:
        described.update(repository=repository, workflow="release.yml", environment="pypi")
    return json.dumps({
        "version": 1,
        "attestation_bundles": [{
            "publisher": described,
            "attestations": [{"version": 1, "verification_material": {}, "envelope": {}}],
        }],
    }).encode()
