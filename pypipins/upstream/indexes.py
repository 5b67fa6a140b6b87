"""
Private and alternative package indexes, named on the command line and chosen by badges with
C{?index=NAME}.

An index is configured on the server only, never by a URL in the query string: that would make
the service a proxy to any address for whoever asks. C{--index} says::

    NAME=URL[,api=simple|json][,auth=env:VARIABLE|auth=file:PATH][,files=ORIGIN...]

C{api=simple} (the default) is the standard Simple API at C{URL}, what pip takes as
C{--index-url}; C{api=json} is Warehouse's JSON API (C{URL/<name>/json}). The credentials are
read once, at start-up, from an environment variable or a file, so that they are in no command
line; C{user:password}, or a bare token, which is sent as user C{__token__} as PyPI's are.
C{files=} (repeatable) names an origin besides the index's own that its files are fetched
from: an index's pages may point anywhere, the daemon fetches only where the operator said.
"""

import base64
import re
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Tuple
from urllib.parse import urlsplit

import attrs
from twisted.internet.interfaces import IReactorThreads

from pypipins.facts import PackageSource, ProjectSource
from pypipins.upstream.pypi import PyPI
from pypipins.upstream.simple import SimpleIndex
from pypipins.upstream.fetcher import Fetcher, Origin, origin

#: What C{?index=} may say: short, and safe in a cache key and a log line.
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")

APIS = ("simple", "json")

#: Where credentials may come from: an environment variable, or a file.
_SECRET_SOURCES = ("env", "file")


@attrs.frozen
class IndexOption:
    """
    What one C{--index} says, before any secret is read.
    """

    name: str
    url: str
    api: str = "simple"
    #: (C{"env"}, variable) or (C{"file"}, path): where the credentials are.
    secret_from: Optional[Tuple[str, str]] = None
    #: Origins besides the index's own that its files are fetched from.
    file_hosts: Tuple[Origin, ...] = ()


@attrs.frozen
class Index:
    """
    A configured index, ready to be asked.
    """

    name: str
    url: str
    api: str
    #: The C{Authorization} header value: never shown, in a repr or anywhere else.
    authorization: Optional[str] = attrs.field(default=None, repr=False)
    #: Origins besides the index's own that its files are fetched from.
    file_hosts: Tuple[Origin, ...] = ()

    def source(self, fetcher: Fetcher, reactor: IReactorThreads) -> PackageSource:
        """
        The client badges get this index's facts from; C{reactor}'s threads open the
        distributions a Simple API index offers no metadata file for.
        """
        if self.api == "json":
            headers = {} if self.authorization is None else {"Authorization": self.authorization}
            return PyPI(fetcher, self.url, headers)
        return SimpleIndex(fetcher, reactor, self.url, self.authorization, self.file_hosts)


def parse_option(text: str) -> IndexOption:
    """
    One C{--index} value, checked.

    @raise ValueError: saying what is wrong, without repeating a URL that holds credentials.
    """
    # Nothing the option says is repeated but the name, a setting's key and a URL known to
    # hold no credentials: a mistyped option may well hold a secret.
    name, equals, rest = text.partition("=")
    name = name.strip()
    if not equals or not rest:
        raise ValueError(
            "it takes NAME=URL[,api=simple|json][,auth=env:VARIABLE|file:PATH][,files=ORIGIN]"
        )
    if not _NAME.match(name):
        raise ValueError(
            "the index name (before '=') is lower-case letters, digits, '-' and '_', at most 32"
        )
    if name == "pypi":
        raise ValueError("'pypi' is PyPI's own name (?index=pypi); choose another")
    url, *settings = rest.split(",")
    parts = urlsplit(url)
    if "@" in parts.netloc:
        raise ValueError(
            f"{name}: credentials go in auth=env:VARIABLE or auth=file:PATH, not in the URL"
        )
    try:
        parts.port  # noqa: B018 (reading it raises ValueError for a port out of range)
    except ValueError:
        raise ValueError(f"{name}: {url!r} has no valid port")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name}: {url!r} is not an http:// or https:// URL")
    if parts.query or parts.fragment:
        raise ValueError(f"{name}: {url!r} has a query or a fragment; an index URL has neither")
    api = "simple"
    secret_from = None
    file_hosts: List[Origin] = []
    for setting in settings:
        key, _, value = setting.partition("=")
        if key == "api" and value in APIS:
            api = value
        elif key == "auth":
            where, _, what = value.partition(":")
            if where not in _SECRET_SOURCES or not what:
                raise ValueError(f"{name}: auth is env:VARIABLE or file:PATH")
            secret_from = (where, what)
        elif key == "files":
            file_hosts.append(_file_host(name, value))
        else:
            raise ValueError(
                f"{name}: {key!r}: the settings are api=simple, api=json, auth=env:VARIABLE, "
                "auth=file:PATH and files=ORIGIN"
            )
    return IndexOption(name, url.rstrip("/"), api, secret_from, tuple(file_hosts))


def _file_host(name: str, value: str) -> Origin:
    """
    The origin a C{files=} setting names: C{http(s)://host[:port]}, nothing more.

    @raise ValueError: saying what is wrong, without repeating what may hold a secret.
    """
    parts = urlsplit(value)
    if "@" in parts.netloc:
        raise ValueError(f"{name}: files= is an origin, with no credentials in it")
    try:
        parts.port  # noqa: B018 (reading it raises ValueError for a port out of range)
    except ValueError:
        raise ValueError(f"{name}: files={value!r} has no valid port")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name}: files={value!r} is not an http:// or https:// origin")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        # not repeated: a query may hold a token
        raise ValueError(f"{name}: files= is an origin (scheme, host and port), with no path")
    return origin(value)


def check_unique(options: Iterable[IndexOption]) -> None:
    """
    @raise ValueError: when two options give the same name.
    """
    seen = set()
    for option in options:
        if option.name in seen:
            raise ValueError(f"index {option.name!r} is given twice")
        seen.add(option.name)


def authorization(secret: str) -> str:
    """
    The HTTP Basic C{Authorization} value for C{user:password}, or for a bare token as user
    C{__token__}.
    """
    user, colon, password = secret.partition(":")
    if not colon:
        user, password = "__token__", secret
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def configure(
    option: IndexOption, environ: Mapping[str, str], read_file: Callable[[str], str]
) -> Index:
    """
    The index an option names, with its credentials read.

    @param environ: the environment the daemon runs in.
    @param read_file: the text of a file, by path.
    @raise ValueError: when the credentials cannot be had; the message names where they were
        looked for, never what was found there.
    """
    if option.secret_from is None:
        return Index(option.name, option.url, option.api, file_hosts=option.file_hosts)
    where, what = option.secret_from
    if where == "env":
        secret = environ.get(what)
        if secret is None:
            raise ValueError(f"{option.name}: the environment variable {what} is not set")
    else:
        try:
            secret = read_file(what)
        except (OSError, UnicodeDecodeError) as e:
            reason = e.strerror if isinstance(e, OSError) and e.strerror else type(e).__name__
            raise ValueError(f"{option.name}: cannot read {what}: {reason}")
    secret = secret.strip()
    if not secret:
        raise ValueError(f"{option.name}: the credentials in {where}:{what} are empty")
    if not secret.isprintable():
        # a line break would end the Authorization header and start another
        raise ValueError(f"{option.name}: the credentials in {where}:{what} are not one line")
    return Index(option.name, option.url, option.api, authorization(secret), option.file_hosts)


def configure_all(
    texts: Iterable[str], environ: Mapping[str, str], read_file: Callable[[str], str]
) -> List[Index]:
    """
    The indexes the C{--index} options name, checked, with their credentials.

    @raise ValueError: as L{parse_option}, L{check_unique} and L{configure} do.
    """
    options = [parse_option(text) for text in texts]
    check_unique(options)
    return [configure(option, environ, read_file) for option in options]


def sources(
    indexes: Iterable[Index], fetcher: Callable[[str], Fetcher], reactor: IReactorThreads
) -> Dict[str, PackageSource]:
    """
    The clients of the indexes, by name, for L{pypipins.store.lookup.Lookup}; C{fetcher} gives the
    L{Fetcher} for an upstream's name (C{index:<name>}), which health and metrics go by.
    """
    return {
        index.name: index.source(fetcher(f"index:{index.name}"), reactor) for index in indexes
    }


def simple_sources(built: Mapping[str, PackageSource]) -> Dict[str, ProjectSource]:
    """
    Those of the indexes' clients (L{sources}) that speak the Simple API, by name: the
    project-status and provenance badges read an index's pages with the client that reads
    its releases, credentials and all.
    """
    return {name: source for name, source in built.items() if isinstance(source, SimpleIndex)}
