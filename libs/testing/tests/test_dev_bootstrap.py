"""`./dev` installs uv in the first way the machine accepts, never overriding PEP 668.

Each test runs a copy of `dev` in a temporary checkout with a temporary HOME and a PATH of stubs
(`python3`, `pip`, `uv`) and a few shell tools: no real uv, pip, curl or network.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest

DEV = Path(__file__).resolve().parents[3] / "dev"
PEP_668 = "error: externally-managed-environment\n\nThis environment is externally managed"
TOOLS = ("bash", "sh", "env", "dirname", "mkdir", "rm", "cat", "chmod")

#: A `uv` that only records how it was called (and from where).
UV_STUB = '#!/bin/sh\necho "$0 $*" >> "$CALLS"\n'
#: How `./dev test` runs pytest on N workers.
PARALLEL = "pytest -n {} --dist loadscope --no-loadscope-reorder"
#: python3: `-m pip install --user uv` and `-m venv DIR` behave as $PIP and $VENV say; `- DIR`
#: (the index download) as $INDEX says.
PYTHON_STUB = r"""#!/bin/bash
echo "python3 $*" >> "$CALLS"
uv_stub() { mkdir -p "$1"; printf '%s' "$UV_STUB" > "$1/uv"; chmod +x "$1/uv"; }
case "$1 $2" in
  "-m pip")
    [ "$PIP" = allowed ] && { uv_stub "$HOME/.local/bin"; exit 0; }
    [ "$PIP" = pep668 ] && { printf '%s\n' "$PEP_668" >&2; exit 1; }
    echo "No module named pip" >&2; exit 1 ;;
  "-m site") echo "$HOME/.local" ;;
  "-m venv")
    [ "$VENV" = ok ] || { echo "ensurepip is not available" >&2; exit 1; }
    mkdir -p "$3/bin"
    printf '#!/bin/bash\necho "venv-pip $*" >> "$CALLS"\n%s\nuv_stub "%s/bin"\n' \
      "$(declare -f uv_stub)" "$3" > "$3/bin/pip"
    chmod +x "$3/bin/pip" ;;
  "- "*)
    [ "$INDEX" = ok ] || { echo "urlopen error" >&2; exit 1; }
    uv_stub "$2" ;;
esac
"""


def checkout(tmp_path: Path, *, uv_on_path: bool = False) -> tuple[Path, dict[str, str]]:
    repo, stubs, home = tmp_path / "repo", tmp_path / "stubs", tmp_path / "home"
    for d in (repo, stubs, home):
        d.mkdir()
    shutil.copy(DEV, repo / "dev")
    (stubs / "python3").write_text(PYTHON_STUB)
    (stubs / "python3").chmod(0o755)
    for tool in TOOLS:
        (stubs / tool).symlink_to(shutil.which(tool))
    if uv_on_path:
        (stubs / "uv").write_text(UV_STUB)
        (stubs / "uv").chmod(0o755)
    env = {
        "PATH": str(stubs),
        "HOME": str(home),
        "CALLS": str(tmp_path / "calls"),
        "UV_STUB": UV_STUB,
        "PEP_668": PEP_668,
        "PIP": "pep668",
        "VENV": "fail",
        "INDEX": "fail",
    }
    return repo, env


def run_dev(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(repo / "dev"), *args], env=env, capture_output=True, text=True, timeout=30
    )


def calls(env: dict[str, str]) -> list[str]:
    path = Path(env["CALLS"])
    return path.read_text().splitlines() if path.exists() else []


def test_an_existing_uv_is_used_and_python_is_not_asked(tmp_path):
    repo, env = checkout(tmp_path, uv_on_path=True)
    result = run_dev(repo, env, "status")
    assert result.returncode == 0, result.stderr
    assert calls(env) == [
        f"{tmp_path}/stubs/uv sync --frozen --quiet --compile-bytecode",
        f"{tmp_path}/stubs/uv run --frozen --quiet python -m compileall -q -j 0 libs services tests scripts",
        f"{tmp_path}/stubs/uv run --frozen stockpath status",
    ]


def test_pip_user_install_where_pip_allows_it(tmp_path):
    repo, env = checkout(tmp_path)
    env["PIP"] = "allowed"
    result = run_dev(repo, env, "test", "-q")
    assert result.returncode == 0, result.stderr
    assert calls(env)[0] == "python3 -m pip install --quiet --user uv"
    # No `nproc` among the stubs: two workers, the default where the cores cannot be counted.
    assert f"{tmp_path}/home/.local/bin/uv run --frozen {PARALLEL.format(2)} -q" in calls(env)
    assert not (repo / ".stockpath" / "uv-venv").exists()


@pytest.mark.parametrize(
    ("cores", "environment", "args", "expected"),
    [
        ("2", {}, ("-q",), PARALLEL.format(2) + " -q"),
        ("16", {}, (), PARALLEL.format(2)),  # at most two: PostgreSQL's default connections
        ("16", {"STOCKPATH_TEST_WORKERS": "6"}, (), PARALLEL.format(6)),  # unless asked for more
        ("1", {}, ("-q",), "pytest -q"),
        ("8", {"STOCKPATH_TEST_WORKERS": "1"}, ("-q",), "pytest -q"),
        ("8", {"STOCKPATH_TEST_WORKERS": "3"}, (), PARALLEL.format(3)),
        ("8", {}, ("-n", "1", "x.py"), "pytest -n 1 x.py"),  # the caller's -n wins
        ("8", {}, ("-p", "no:xdist", "x.py"), "pytest -p no:xdist x.py"),
    ],
)
def test_the_suite_runs_on_a_worker_per_core_unless_told_otherwise(
    tmp_path, cores, environment, args, expected
):
    repo, env = checkout(tmp_path, uv_on_path=True)
    (tmp_path / "stubs" / "nproc").write_text(f"#!/bin/sh\necho {cores}\n")
    (tmp_path / "stubs" / "nproc").chmod(0o755)
    result = run_dev(repo, {**env, **environment}, "test", *args)
    assert result.returncode == 0, result.stderr
    assert calls(env)[-1] == f"{tmp_path}/stubs/uv run --frozen {expected}"


def test_a_pep_668_machine_gets_uv_in_a_private_virtual_environment(tmp_path):
    repo, env = checkout(tmp_path)
    env["VENV"] = "ok"
    result = run_dev(repo, env, "seed")
    assert result.returncode == 0, result.stderr
    venv = repo / ".stockpath" / "uv-venv"
    assert calls(env) == [
        "python3 -m pip install --quiet --user uv",
        f"python3 -m venv {venv}",
        "venv-pip install --quiet uv",
        f"{venv}/bin/uv sync --frozen --quiet --compile-bytecode",
        f"{venv}/bin/uv run --frozen --quiet python -m compileall -q -j 0 libs services tests scripts",
        f"{venv}/bin/uv run --frozen stockpath seed",
    ]
    assert (
        "externally-managed-environment" in (repo / ".stockpath" / "uv-bootstrap.log").read_text()
    )
    assert not any("--break-system-packages" in call for call in calls(env))


def test_without_pip_or_venv_uv_comes_from_the_package_index(tmp_path):
    repo, env = checkout(tmp_path)
    env.update(PIP="missing", INDEX="ok")
    result = run_dev(repo, env, "up")
    assert result.returncode == 0, result.stderr
    assert calls(env)[-4:] == [
        f"python3 - {repo}/.stockpath/bin",
        f"{repo}/.stockpath/bin/uv sync --frozen --quiet --compile-bytecode",
        f"{repo}/.stockpath/bin/uv run --frozen --quiet python -m compileall -q -j 0 libs services tests scripts",
        f"{repo}/.stockpath/bin/uv run --frozen stockpath up",
    ]
    assert not (repo / ".stockpath" / "uv-venv").exists()


def test_when_every_way_fails_dev_says_why_and_stops(tmp_path):
    repo, env = checkout(tmp_path)
    result = run_dev(repo, env, "up")
    assert result.returncode != 0
    assert "externally-managed-environment" in result.stderr
    assert "ensurepip is not available" in result.stderr
    assert "neither curl nor wget" in result.stderr
    assert "could not install uv" in result.stderr
    assert not any(" uv sync" in call for call in calls(env))


@pytest.fixture
def package_index():
    """A package index (PEP 691 JSON) serving one `uv` wheel whose binary is the stub."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as wheel:
        wheel.writestr("uv-0.99.1.data/scripts/uv", UV_STUB)
        wheel.writestr("uv-0.99.1.dist-info/METADATA", "Name: uv\nVersion: 0.99.1\n")
    wheel_bytes = buffer.getvalue()
    tag = "manylinux_2_17_x86_64.manylinux2014_x86_64" if os.uname().machine == "x86_64" else "x"
    names = {
        f"uv-0.99.1-py3-none-{tag}.whl": wheel_bytes,
        "uv-0.98.0-py3-none-win_amd64.whl": b"",
        "uv-1.0.0a1-py3-none-any.whl": b"",
    }

    class Index(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/simple/uv/":
                files = [
                    {
                        "filename": n,
                        "url": f"http://127.0.0.1:{server.server_port}/files/{n}",
                        "hashes": {"sha256": hashlib.sha256(b).hexdigest()},
                    }
                    for n, b in names.items()
                ]
                body = json.dumps({"name": "uv", "files": files}).encode()
            elif self.path.startswith("/files/") and self.path[7:] in names:
                body = names[self.path[7:]]
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Index)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/simple"
    server.shutdown()


@pytest.mark.skipif(
    sys.platform != "linux" or os.uname().machine != "x86_64",
    reason="the index serves an x86_64 wheel",
)
def test_the_index_download_unpacks_the_newest_wheel_for_this_machine(tmp_path, package_index):
    """The real download code, with this interpreter, against a local index (PIP_INDEX_URL)."""
    repo, env = checkout(tmp_path)
    python = tmp_path / "stubs" / "python3"
    # pip and venv refuse; everything else is this interpreter.
    python.write_text(
        f'#!/bin/bash\ncase "$1 $2" in "-m pip"|"-m venv") echo "$PEP_668" >&2; exit 1 ;; esac\n'
        f'exec {sys.executable} "$@"\n'
    )
    env["PIP_INDEX_URL"] = package_index
    result = run_dev(repo, env, "status")
    assert result.returncode == 0, result.stderr
    assert calls(env) == [
        f"{repo}/.stockpath/bin/uv sync --frozen --quiet --compile-bytecode",
        f"{repo}/.stockpath/bin/uv run --frozen --quiet python -m compileall -q -j 0 libs services tests scripts",
        f"{repo}/.stockpath/bin/uv run --frozen stockpath status",
    ]
    assert "uv-0.99.1-py3-none-manylinux" in (repo / ".stockpath" / "uv-bootstrap.log").read_text()
