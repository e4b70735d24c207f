# shellcheck shell=bash
# GOV.UK Frontend, as a pinned dependency rather than a copy in the repository.
# Source it, then call:
#   ensure_govuk_frontend   places GOV.UK Frontend 5.11.1 under Public/ (ignored by git), unless it is already there
#
# npm is out of reach on the machines Casework is built on, so the release files come from PyPI: the wheel
# fast-gov-uk 0.9.1 carries the official govuk-frontend 5.11.1 release (the minified CSS and JS with their VERSION.txt,
# and the fonts and images the CSS refers to under /assets/). The wheel is checked against its pinned sha256, and every
# file placed is checked against scripts/lib/govuk-frontend.sha256, so a changed upstream file stops the install.
#   Public/govuk-frontend/  govuk-frontend-5.11.1.min.css, .min.js (and their source maps), VERSION.txt
#   Public/assets/          fonts/ and images/, served at /assets/ where the CSS expects them
# Needs CASEWORK_ROOT (the repository root).

GOVUK_FRONTEND_VERSION=5.11.1
GOVUK_FRONTEND_WHEEL=fast_gov_uk-0.9.1-py3-none-any.whl
GOVUK_FRONTEND_WHEEL_SHA256=3130509fbe32eb619d700d79c8c8c2c60f6d3e45e6f249cd59304b800cce6dab

_frontend_log() { printf '==> %s\n' "$*" >&2; }

# True when every pinned file is under Public/ with its pinned hash.
_govuk_frontend_in_place() {
    local root="$1"
    (cd "$root/Public" && sha256sum --check --quiet --strict "$root/scripts/lib/govuk-frontend.sha256") >/dev/null 2>&1
}

ensure_govuk_frontend() {
    local root="${CASEWORK_ROOT:?CASEWORK_ROOT must be set}" work attempt wheel got
    if _govuk_frontend_in_place "$root"; then
        _frontend_log "GOV.UK Frontend $GOVUK_FRONTEND_VERSION already in Public/"
        return 0
    fi
    _frontend_log "fetching GOV.UK Frontend $GOVUK_FRONTEND_VERSION (PyPI wheel fast-gov-uk 0.9.1)"
    work="$(mktemp -d)"
    local pip=(python3 -m pip)
    if ! python3 -m pip --version >/dev/null 2>&1; then
        # A Debian system Python may have no pip of its own: a scratch venv brings one.
        python3 -m venv "$work/venv" >/dev/null 2>&1 || { ensure_apt_packages python3-venv && python3 -m venv "$work/venv"; } || return 1
        pip=("$work/venv/bin/python" -m pip)
    fi
    # The wheel is pure files (py3-none-any) but declares Python >= 3.12; --python-version lets any pip fetch it.
    for attempt in 1 2 3; do
        if "${pip[@]}" download --disable-pip-version-check --no-input -q --no-deps --only-binary=:all: \
                --python-version 3.12 -d "$work" "fast-gov-uk==0.9.1" </dev/null; then
            break
        fi
        if [ "$attempt" -eq 3 ]; then
            _frontend_log "could not download fast-gov-uk 0.9.1 from PyPI"
            rm -rf "$work"
            return 1
        fi
        sleep 10
    done
    wheel="$work/$GOVUK_FRONTEND_WHEEL"
    got="$(sha256sum "$wheel" 2>/dev/null | cut -d' ' -f1)"
    if [ "$got" != "$GOVUK_FRONTEND_WHEEL_SHA256" ]; then
        _frontend_log "fast-gov-uk 0.9.1 has sha256 ${got:-none}, not the pinned $GOVUK_FRONTEND_WHEEL_SHA256: not installed"
        rm -rf "$work"
        return 1
    fi
    python3 - "$wheel" "$work/unpacked" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    wheel.extractall(sys.argv[2], [n for n in wheel.namelist() if n.startswith("fast_gov_uk/assets/")])
PY
    local from="$work/unpacked/fast_gov_uk/assets"
    rm -rf "$root/Public/govuk-frontend" "$root/Public/assets"
    mkdir -p "$root/Public/govuk-frontend"
    cp "$from"/VERSION.txt "$from"/govuk-frontend-* "$root/Public/govuk-frontend/"
    cp -R "$from/assets" "$root/Public/assets"
    rm -rf "$work"
    if ! _govuk_frontend_in_place "$root"; then
        _frontend_log "GOV.UK Frontend files do not match scripts/lib/govuk-frontend.sha256: removed"
        (cd "$root/Public" && sha256sum --check --quiet "$root/scripts/lib/govuk-frontend.sha256") >&2 || true
        rm -rf "$root/Public/govuk-frontend" "$root/Public/assets"
        return 1
    fi
    _frontend_log "GOV.UK Frontend $GOVUK_FRONTEND_VERSION placed in Public/govuk-frontend and Public/assets"
}
