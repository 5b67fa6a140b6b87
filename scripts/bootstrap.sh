# Set-up shared by scripts/serve and scripts/test, sourced by them: what Debian must have, and
# a virtualenv with the project in it. Safe to run again: it only adds what is missing.
#
# PYTHON picks the interpreter (default python3; pypy3 is Debian's PyPy), VENV the
# virtualenv's folder (default .venv).

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

. scripts/apt.sh

command -v redis-server >/dev/null 2>&1 || apt_install redis-server
# DejaVu Sans: the font that raster badges draw their text with
apt_install fonts-dejavu-core
case "$PYTHON" in
    # -dev: the headers for the few C builds PyPy needs
    pypy3) apt_install pypy3 pypy3-venv pypy3-dev ;;
    *) "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1 || apt_install python3-venv ;;
esac
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
