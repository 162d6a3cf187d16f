# Shared by the CI jobs: find an interpreter of a given minor version, and uv.
find_python() {   # find_python 3.12 -> path of a python3.12 (PATH, pyenv, or a Python uv knows)
  local v=$1 full
  if command -v "python$v" >/dev/null 2>&1 && "python$v" -c "" >/dev/null 2>&1; then command -v "python$v"; return; fi
  if command -v pyenv >/dev/null 2>&1; then
    full=$(pyenv versions --bare 2>/dev/null | grep -E "^$v(\.[0-9]+)?$" | tail -n 1)
    [ -n "$full" ] && { PYENV_VERSION=$full pyenv which "python$v"; return; }
  fi
  command -v uv >/dev/null 2>&1 && uv python find "$v" 2>/dev/null && return
  echo "no Python $v on this machine" >&2; return 1
}
ensure_uv() {     # uv on PATH: the project's .venv has it (the dev extra pins it); else a small venv of its own
  command -v uv >/dev/null 2>&1 && return
  if [ -x .venv/bin/uv ]; then export PATH="$PWD/.venv/bin:$PATH"; return; fi
  local d=${TMPDIR:-/tmp}/nafp-ci-uv; [ -x "$d/bin/uv" ] || { python3 -m venv "$d" && "$d/bin/pip" install -q uv==0.9.5; } || return 1
  export PATH="$d/bin:$PATH"
}
