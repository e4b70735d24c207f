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
    local stamp="$venv/.casework-requirements.sha256" want
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
    want="$(sha256sum "$req" | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        _deps_log "e2e venv up to date ($(grep -cvE '^\s*(#|$)' "$req") pinned requirements)"
        return 0
    fi
    _deps_log "installing e2e/requirements.txt into e2e/.venv"
    local attempt
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

# True when "$1" runs and is Python 3.12 or newer (a pyenv shim for a version not selected fails here).
_python_312_or_newer() {
    [ -n "$1" ] && "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}

# The interpreter for e2e/.venv-oidc: CASEWORK_OIDC_PYTHON if set, else a pyenv-installed 3.12 (then any newer),
# else python3.12 / python3.13 / python3 on PATH, whichever is 3.12 or newer. Prints its path.
_oidc_python() {
    local candidate pyenv_root
    if [ -n "${CASEWORK_OIDC_PYTHON:-}" ]; then
        _python_312_or_newer "$CASEWORK_OIDC_PYTHON" && { printf '%s\n' "$CASEWORK_OIDC_PYTHON"; return 0; }
        _deps_log "CASEWORK_OIDC_PYTHON=$CASEWORK_OIDC_PYTHON is not a Python 3.12 or newer"
        return 1
    fi
    pyenv_root="${PYENV_ROOT:-}"
    [ -n "$pyenv_root" ] || pyenv_root="$(pyenv root 2>/dev/null || true)"
    [ -n "$pyenv_root" ] || pyenv_root="$HOME/.pyenv"
    for candidate in "$pyenv_root"/versions/3.12.*/bin/python3 "$pyenv_root"/versions/3.1[3-9].*/bin/python3 \
            "$(command -v python3.12 || true)" "$(command -v python3.13 || true)" "$(command -v python3 || true)"; do
        if _python_312_or_newer "$candidate"; then
            printf '%s\n' "$candidate"
            return 0
        fi
    done
    _deps_log "no Python 3.12 or newer found (oidc-provider-mock needs one): install one, or set CASEWORK_OIDC_PYTHON"
    return 1
}

# Creates e2e/.venv-oidc (if missing, broken or older than Python 3.12) and installs e2e/requirements-oidc.txt into
# it, unless the same requirements were already installed there (a stamp file remembers), as ensure_e2e_venv does.
ensure_oidc_venv() {
    local root="${CASEWORK_ROOT:?CASEWORK_ROOT must be set}"
    local venv="$root/e2e/.venv-oidc" req="$root/e2e/requirements-oidc.txt"
    local stamp="$venv/.casework-requirements.sha256" want python attempt
    if ! _python_312_or_newer "$venv/bin/python"; then
        rm -rf "$venv"
        python="$(_oidc_python)" || return 1
        _deps_log "creating Python venv at e2e/.venv-oidc with $python"
        if ! "$python" -m venv "$venv"; then
            rm -rf "$venv"
            _deps_log "could not create e2e/.venv-oidc with $python"
            return 1
        fi
    fi
    want="$(sha256sum "$req" | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        _deps_log "oidc venv up to date ($(grep -cvE '^\s*(#|$)' "$req") pinned requirements)"
        return 0
    fi
    _deps_log "installing e2e/requirements-oidc.txt into e2e/.venv-oidc"
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

# True when "$1" runs and is Python 3.11 or newer (scim2-tester, scim2-client and scim2-models need it).
_python_311_or_newer() {
    [ -n "$1" ] && "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1
}

# The interpreter for e2e/.venv-scim: CASEWORK_SCIM_PYTHON if set, else python3 on PATH (then python3.11, 3.12, 3.13,
# then a pyenv-installed 3.11 or newer), whichever is 3.11 or newer. Prints its path.
_scim_python() {
    local candidate pyenv_root
    if [ -n "${CASEWORK_SCIM_PYTHON:-}" ]; then
        _python_311_or_newer "$CASEWORK_SCIM_PYTHON" && { printf '%s\n' "$CASEWORK_SCIM_PYTHON"; return 0; }
        _deps_log "CASEWORK_SCIM_PYTHON=$CASEWORK_SCIM_PYTHON is not a Python 3.11 or newer"
        return 1
    fi
    pyenv_root="${PYENV_ROOT:-}"
    [ -n "$pyenv_root" ] || pyenv_root="$(pyenv root 2>/dev/null || true)"
    [ -n "$pyenv_root" ] || pyenv_root="$HOME/.pyenv"
    for candidate in "$(command -v python3 || true)" "$(command -v python3.11 || true)" \
            "$(command -v python3.12 || true)" "$(command -v python3.13 || true)" \
            "$pyenv_root"/versions/3.1[1-9].*/bin/python3; do
        if _python_311_or_newer "$candidate"; then
            printf '%s\n' "$candidate"
            return 0
        fi
    done
    _deps_log "no Python 3.11 or newer found (scim2-tester needs one): install one, or set CASEWORK_SCIM_PYTHON"
    return 1
}

# Creates e2e/.venv-scim (if missing, broken or older than Python 3.11) and installs e2e/requirements-scim.txt into
# it (scim2-tester, scim-sanity: the SCIM conformance checkers of e2e/test_scim_conformance.py), unless the same
# requirements were already installed there (a stamp file remembers), as ensure_oidc_venv does.
ensure_scim_venv() {
    local root="${CASEWORK_ROOT:?CASEWORK_ROOT must be set}"
    local venv="$root/e2e/.venv-scim" req="$root/e2e/requirements-scim.txt"
    local stamp="$venv/.casework-requirements.sha256" want python attempt
    if ! _python_311_or_newer "$venv/bin/python"; then
        rm -rf "$venv"
        python="$(_scim_python)" || return 1
        _deps_log "creating Python venv at e2e/.venv-scim with $python"
        if ! "$python" -m venv "$venv"; then
            rm -rf "$venv"
            _deps_log "could not create e2e/.venv-scim with $python"
            return 1
        fi
    fi
    want="$(sha256sum "$req" | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        _deps_log "scim venv up to date ($(grep -cvE '^\s*(#|$)' "$req") pinned requirements)"
        return 0
    fi
    _deps_log "installing e2e/requirements-scim.txt into e2e/.venv-scim"
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
