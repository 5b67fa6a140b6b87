# apt_install PACKAGE...: installs the Debian packages that are missing, sourced by the scripts
# (bootstrap.sh, containers.sh). As root; otherwise it says what to install and exits.

apt_install() {
    local missing=()
    for package in "$@"; do
        # "install ok installed": a removed package can leave a "config-files" status behind
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing Debian packages: ${missing[*]}; install them as root (apt-get install ${missing[*]})" >&2
        exit 1
    fi
    echo "installing ${missing[*]} with apt-get" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}
