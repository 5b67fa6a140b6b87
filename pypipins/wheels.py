"""
Wheel file names (PEP 427, with PEP 425's compressed tag sets) read for what the platforms and
free-threaded badges say, and condensed to L{Wheels}: a few words a release, whatever the
number of its files. Pure functions; a name that is not a wheel's is passed over.
"""

import re
from typing import Dict, Iterable, List, Optional, Set, Tuple

import attrs

#: The operating systems the platforms badge names, in the order it names them.
SYSTEMS = ("linux", "macos", "windows", "android", "ios")

#: The platforms badge's word for a wheel of platform C{any}: installable everywhere.
ANY = "any"

#: A compressed tag set: tags (letters, digits, "_") joined by ".".
_TAGS = r"([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)"

#: A wheel's name: C{{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl}, a build tag
#: starting with a digit; read in one match, as condensing reads every file of a release.
_WHEEL = re.compile(rf"[^-]+-[^-]+(?:-[0-9][^-]*)?-{_TAGS}-{_TAGS}-{_TAGS}\.whl")

#: An ABI tag of CPython's free-threaded build (PEP 703): C{cp313t}, its debug build C{cp313td}.
_FREE_THREADED_ABI = re.compile(r"cp(\d)(\d+)td?")

#: A CPython interpreter tag, C{cp315}: an C{abi3t} wheel's oldest version.
_CPYTHON = re.compile(r"cp(\d)(\d+)")

#: The stable ABI of the free-threaded build (C{abi3t}); C{abi3} alone is not one.
_ABI3T = "abi3t"


@attrs.frozen
class WheelTags:
    """
    The tags of a wheel's name (L{tag_sets}), each compressed set expanded, lower-cased.
    """

    pythons: Tuple[str, ...]
    abis: Tuple[str, ...]
    platforms: Tuple[str, ...]


def tag_sets(filename: str) -> Optional[Tuple[str, str, str]]:
    """
    The Python, ABI and platform tag sets of C{filename}, as written (compressed, such as
    C{py2.py3} or C{manylinux2014_x86_64.manylinux_2_17_x86_64}), when it is a wheel's name,
    C{{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl}; else L{None}.
    """
    match = _WHEEL.fullmatch(filename)
    if match is None:
        return None
    python, abi, platform = match.groups()
    return python, abi, platform


def system(platform: str) -> Optional[str]:
    """
    The operating system of platform tag C{platform}, one of L{SYSTEMS}; L{ANY} for C{any};
    L{None} for one the badge does not name (C{cygwin}, a BSD's).
    """
    if platform == ANY:
        return ANY
    if platform.startswith(("manylinux", "musllinux", "linux_")):
        return "linux"
    if platform.startswith("macosx_"):
        return "macos"
    if platform == "win32" or platform.startswith("win_"):
        return "windows"
    if platform.startswith("android_"):
        return "android"
    if platform.startswith("ios_"):
        return "ios"
    return None


def _for_cpython(tags: WheelTags) -> bool:
    """
    Whether CPython may install the wheel: a C{cp} or C{py} interpreter tag. PyPy's (C{pp}),
    GraalPy's and the others' wheels say nothing of CPython's free-threaded build.
    """
    return any(python.startswith(("cp", "py")) for python in tags.pythons)


def _is_pure(tags: WheelTags) -> bool:
    return set(tags.abis) == {"none"} and set(tags.platforms) == {ANY}


def _version(match: "re.Match[str]") -> Tuple[int, int]:
    return int(match.group(1)), int(match.group(2))


def free_threaded(tags: WheelTags) -> Set[Tuple[Tuple[int, int], bool]]:
    """
    The CPython versions whose free-threaded build the wheel is for, each with whether it is
    for that version and later (C{abi3t}, the free-threaded stable ABI, from its C{cpXY}).
    """
    found: Set[Tuple[Tuple[int, int], bool]] = set()
    for abi in tags.abis:
        match = _FREE_THREADED_ABI.fullmatch(abi)
        if match is not None:
            found.add((_version(match), False))
    if _ABI3T in tags.abis:
        for python in tags.pythons:
            match = _CPYTHON.fullmatch(python)
            if match is not None:
                found.add((_version(match), True))
    return found


def free_threaded_words(versions: Iterable[Tuple[Tuple[int, int], bool]]) -> Tuple[str, ...]:
    """
    C{X.Yt} and C{X.Yt+} for each version, sorted as numbers; an C{X.Yt+} absorbs the same
    and later versions, which it already says.
    """
    words: List[str] = []
    since: Optional[Tuple[int, int]] = None
    # of one version, the "and later" first: it absorbs the other
    for version, later in sorted(set(versions), key=lambda each: (each[0], not each[1])):
        if since is not None and version >= since:
            continue
        words.append(f"{version[0]}.{version[1]}t" + ("+" if later else ""))
        if later:
            since = version
    return tuple(words)


#: L{Wheels.cpython}: no wheel CPython installs; only pure wheels; some built for an ABI.
NO_CPYTHON_WHEEL, PURE, BINARY = "", "pure", "binary"


@attrs.frozen
class Wheels:
    """
    What the platforms and free-threaded badges need of a release's wheels.
    """

    #: Of L{SYSTEMS}, those some wheel is for, in their order; then L{ANY} when a wheel is
    #: for any platform. Empty: no wheel (or none for a system the badge names).
    platforms: Tuple[str, ...] = ()
    #: L{free_threaded_words} of the wheels CPython installs.
    free_threaded: Tuple[str, ...] = ()
    #: Of the wheels CPython installs: none (L{NO_CPYTHON_WHEEL}), all L{PURE}, some L{BINARY}.
    cpython: str = NO_CPYTHON_WHEEL


def condense(filenames: Iterable[str]) -> Wheels:
    """
    The L{Wheels} of a release's files by their names; those that are not wheels are passed
    over.
    """
    # A release of a hundred wheels has a dozen platform tag sets and as many of Python and
    # ABI, combined: each set is read once, each name only matched (condensing a document
    # took 15 times longer when each name was read whole).
    found = {sets for sets in map(tag_sets, filenames) if sets is not None}
    # per platform tag set: its systems, and whether it is "any" alone
    platforms = {}
    for text in {platform for _, _, platform in found}:
        tags = _tags(text)
        platforms[text] = ({system(tag) for tag in tags} - {None}, set(tags) == {ANY})
    # per Python and ABI tag sets: whether CPython installs it, and whether its ABI is "none"
    builds = {}
    versions: Set[Tuple[Tuple[int, int], bool]] = set()
    for python, abi in {(python, abi) for python, abi, _ in found}:
        build = WheelTags(_tags(python), _tags(abi), ())
        cpython = _for_cpython(build)
        builds[python, abi] = (cpython, set(build.abis) == {"none"})
        if cpython:
            versions |= free_threaded(build)
    systems: Set[Optional[str]] = set()
    pure = binary = False
    for python, abi, platform in found:
        (cpython, no_abi), (its_systems, anywhere) = builds[python, abi], platforms[platform]
        systems |= its_systems
        if cpython:
            if no_abi and anywhere:
                pure = True
            else:
                binary = True
    return Wheels(
        platforms=tuple(s for s in (*SYSTEMS, ANY) if s in systems),
        free_threaded=free_threaded_words(versions),
        cpython=BINARY if binary else PURE if pure else NO_CPYTHON_WHEEL,
    )


def _tags(text: str) -> Tuple[str, ...]:
    return tuple(text.lower().split("."))
