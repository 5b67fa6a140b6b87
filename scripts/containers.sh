# What podman needs here, sourced by scripts/image and scripts/test: podman with runc, and
# etc/container/containers.conf as its settings (unless CONTAINERS_CONF names others). With
# compose_install, podman-compose too (pinned in requirements-compose.txt, in .venv-compose).

. scripts/apt.sh
apt_install podman runc
export CONTAINERS_CONF=${CONTAINERS_CONF:-$PWD/etc/container/containers.conf}

# podman-compose 1.1 or later, in a virtualenv of Debian's python3: Debian bookworm's 1.0.3
# cannot run etc/compose.yaml (it gives a service that shares another's network namespace a
# network of its own too), and PyPy has no wheel of its PyYAML.
compose_install() {
    python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || apt_install python3-venv
    [ -x .venv-compose/bin/python ] || python3 -m venv .venv-compose
    .venv-compose/bin/python -m pip install --quiet --disable-pip-version-check \
        -r requirements-compose.txt
}
