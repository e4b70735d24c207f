# shellcheck shell=bash
# Installs what the Casework test suites need, skipping whatever is already there.
# Source it, then call:
#   ensure_apt_packages    Debian packages: chromium, chromium-driver, postgresql-15
#   ensure_e2e_venv        Python venv at e2e/.venv with e2e/requirements.txt installed
#   ensure_oidc_venv       Python >= 3.12 venv at e2e/.venv-oidc with e2e/requirements-oidc.txt installed
#                          (the mock identity provider, oidc-provider-mock; CASEWORK_OIDC_PYTHON picks the interpreter)
# Needs CASEWORK_ROOT (the repository root) for ensure_e2e_venv.
# ensure_oidc_venv needs it too.

CASEWORK_APT_PACKAGES=(chromium chromium-driver postgresql-15)

_deps_log() { printf '==> %s\n' "$*" >&2; }

# Runs a command as root: directly when we are root, else through sudo.
_as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        _deps_log "need root to run: $*"
        return 1
    fi
}

_dpkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# True when the package is installed and its main program is where we expect it.
_apt_package_ready() {
    case "$1" in
        chromium)        _dpkg_installed chromium && command -v chromium >/dev/null 2>&1 ;;
        chromium-driver) _dpkg_installed chromium-driver && command -v chromedriver >/dev/null 2>&1 ;;
        postgresql-15)   _dpkg_installed postgresql-15 && [ -x /usr/lib/postgresql/15/bin/initdb ] \
                             && [ -x /usr/lib/postgresql/15/bin/pg_ctl ] ;;
        *)               _dpkg_installed "$1" ;;
    esac
}

_apt_get() {
    _as_root env DEBIAN_FRONTEND=noninteractive apt-get \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        -o DPkg::Lock::Timeout=300 "$@" </dev/null
}

# Installs the named Debian packages (default: CASEWORK_APT_PACKAGES) that are missing.
# apt-get update runs only when something has to be installed.
ensure_apt_packages() {
    local pkgs=("$@") missing=() p attempt
    [ ${#pkgs[@]} -gt 0 ] || pkgs=("${CASEWORK_APT_PACKAGES[@]}")
    for p in "${pkgs[@]}"; do
        _apt_package_ready "$p" || missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        _deps_log "Debian packages already installed: ${pkgs[*]}"
        return 0
    fi
    _deps_log "installing Debian packages: ${missing[*]}"
    for attempt in 1 2 3; do
        if _apt_get update -q && _apt_get install -y -q --no-install-recommends "${missing[@]}"; then
            break
        fi
        if [ "$attempt" -eq 3 ]; then
            _deps_log "apt-get failed to install: ${missing[*]}"
            return 1
        fi
        _deps_log "apt-get failed (attempt $attempt); retrying in 10 s"
        sleep 10
    done
    for p in "${missing[@]}"; do
        if ! _apt_package_ready "$p"; then
            _deps_log "package $p still not usable after install"
            return 1
        fi
    done
}

# Creates e2e/.venv (if missing or broken) and installs e2e/requirements.txt into it,
# unless the same requirements were already installed there (a stamp file remembers).
ensure_e2e_venv() {
    local root="${CASEWORK_ROOT:?CASEWORK_ROOT must be set}"
    local venv="$root/e2e/.venv" req="$root/e2e/requirements.txt"
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
        rm -rf "$venv"
        _deps_log "creating Python venv at e2e/.venv"
        if ! python3 -m venv "$venv" >/dev/null 2>&1; then
            # A Debian system python needs python3-venv for this.
            rm -rf "$venv"
            ensure_apt_packages python3-venv
            /usr/bin/python3 -m venv "$venv"
        fi
    fi
    _install_pinned "$venv" "$req"
    _install_axe "$venv"
}

# axe-core for the accessibility checks, from the PyPI wheel axe-selenium-python 3.0.0 (it carries axe-core 4.10.2).
# The wheel declares Python >= 3.12 but is plain Python that runs on 3.11 too, so it is installed on its own, without
# the interpreter check and without dependencies (selenium is pinned above).
CASEWORK_AXE_REQUIREMENT="axe-selenium-python==3.0.0"
_install_axe() {
    local venv="$1" stamp="$1/.casework-axe"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$CASEWORK_AXE_REQUIREMENT" ] \
            && "$venv/bin/python" -c 'import axe_selenium_python' >/dev/null 2>&1; then
        return 0
    fi
    _deps_log "installing $CASEWORK_AXE_REQUIREMENT into e2e/${venv##*/}"
    local attempt
    for attempt in 1 2 3; do
        if "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q --no-deps \
                --ignore-requires-python "$CASEWORK_AXE_REQUIREMENT" </dev/null; then
            printf '%s\n' "$CASEWORK_AXE_REQUIREMENT" >"$stamp"
            return 0
        fi
        _deps_log "pip install $CASEWORK_AXE_REQUIREMENT failed (attempt $attempt)"
        [ "$attempt" -eq 3 ] || sleep 10
    done
    return 1
}

# Installs the pinned requirements file "$2" into the venv "$1", unless the same file was already installed there
# (a stamp file in the venv remembers its hash). Three tries, as PyPI can fail for a moment.
_install_pinned() {
    local venv="$1" req="$2" stamp="$1/.casework-requirements.sha256" want attempt
    local where="e2e/${venv##*/}" what="e2e/${req##*/}"
    want="$(sha256sum "$req" | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        _deps_log "$where up to date ($(grep -cvE '^\s*(#|$)' "$req") pinned requirements)"
        return 0
    fi
    _deps_log "installing $what into $where"
    for attempt in 1 2 3; do
        if "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q \
                -r "$req" </dev/null; then
            printf '%s\n' "$want" >"$stamp"
            return 0
        fi
        _deps_log "pip install failed (attempt $attempt)"
        [ "$attempt" -eq 3 ] || sleep 10
    done
    return 1
}

# True when "$2" runs and is Python 3.$1 or newer (a pyenv shim for a version not selected fails here).
_python_at_least() {
    [ -n "$2" ] && "$2" -c "import sys; sys.exit(0 if sys.version_info >= (3, $1) else 1)" >/dev/null 2>&1
}

# Prints an interpreter that is Python 3.$1 or newer: "$2" when given (an override setting), else python3 and
# python3.N on PATH, else a pyenv-installed one. "$3" names what needs it, for the message when none is found.
_python_for() {
    local minor="$1" override="$2" purpose="$3" candidate pyenv_root
    if [ -n "$override" ]; then
        _python_at_least "$minor" "$override" && { printf '%s\n' "$override"; return 0; }
        _deps_log "$override is not a Python 3.$minor or newer ($purpose needs one)"
        return 1
    fi
    pyenv_root="${PYENV_ROOT:-}"
    [ -n "$pyenv_root" ] || pyenv_root="$(pyenv root 2>/dev/null || true)"
    [ -n "$pyenv_root" ] || pyenv_root="$HOME/.pyenv"
    for candidate in "$(command -v python3 || true)" "$(command -v python3.11 || true)" "$(command -v python3.12 || true)" \
            "$(command -v python3.13 || true)" "$pyenv_root"/versions/3.1[1-9].*/bin/python3; do
        if _python_at_least "$minor" "$candidate"; then
            printf '%s\n' "$candidate"
            return 0
        fi
    done
    _deps_log "no Python 3.$minor or newer found ($purpose needs one): install one, or set its override"
    return 1
}

# Creates e2e/$1 (if missing, broken or older than Python 3.$2) and installs the pinned e2e/$3 into it, unless the
# same requirements were already installed there (a stamp file remembers), as ensure_e2e_venv does. "$4" is an
# interpreter to use instead of searching; "$5" names what the venv is for.
_ensure_pinned_venv() {
    local root="${CASEWORK_ROOT:?CASEWORK_ROOT must be set}"
    local name="$1" minor="$2" venv="$root/e2e/$1" req="$root/e2e/$3" override="$4" purpose="$5" python
    if ! _python_at_least "$minor" "$venv/bin/python"; then
        rm -rf "$venv"
        python="$(_python_for "$minor" "$override" "$purpose")" || return 1
        _deps_log "creating Python venv at e2e/$name with $python"
        if ! "$python" -m venv "$venv"; then
            rm -rf "$venv"
            _deps_log "could not create e2e/$name with $python"
            return 1
        fi
    fi
    _install_pinned "$venv" "$req"
}

# The mock identity provider of the OpenID Connect tests: oidc-provider-mock needs Python 3.12 or newer
# (CASEWORK_OIDC_PYTHON picks one).
ensure_oidc_venv() {
    _ensure_pinned_venv .venv-oidc 12 requirements-oidc.txt "${CASEWORK_OIDC_PYTHON:-}" "oidc-provider-mock"
}

# The SCIM conformance checkers (scim2-tester, scim-sanity) of e2e/test_scim_conformance.py need Python 3.11 or newer
# (CASEWORK_SCIM_PYTHON picks one).
ensure_scim_venv() {
    _ensure_pinned_venv .venv-scim 11 requirements-scim.txt "${CASEWORK_SCIM_PYTHON:-}" "scim2-tester"
}
