"""Schemathesis over every installed service's OpenAPI, with credentials: no request, well-formed
or not, may get a 5xx.

Each service's API runs in-process (ASGI, schemathesis's test client) on a fresh database holding
a credential for every actor of the authorization table (`issue_tokens`); a service that calls
another one's API (a ``<service>_url`` setting, e.g. registration → catalog) gets that service
served on a local port, on its own fresh database, and its own service credential there. Every
operation is fuzzed as the operator, a seller, an FC, a sales channel and anonymously, with
schema-conforming and with schema-violating data (`EXAMPLES` of each, fewer for the FC, the
channel and anonymous callers), and checked with schemathesis's `not_a_server_error`; an error
the app raised (an unhandled exception) counts as a 5xx too.

A failure names the operation, the actor, the request (as curl, the token filtered) and the
status with the response, or the exception with the project's innermost frames. Examples are
derandomized, so a run repeats; ``STOCKPATH_FUZZ_EXAMPLES`` asks for more of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.python import asgi

from stockpath_cli.localstack import free_port
from stockpath_runtime.credentials import ActorKind, issue_credential
from stockpath_runtime.db import create_engine
from stockpath_runtime.service import ServiceDefinition, installed_services
from stockpath_runtime.unit_of_work import UnitOfWork
from stockpath_testing.authorization import SUBJECTS, issue_tokens

pytestmark = pytest.mark.integration

ROOT = str(Path(__file__).parents[2]) + os.sep

SERVICES = list(installed_services())
#: Examples per operation, actor and generation mode for the operator and a seller (the whole
#: run stays near a minute and a half on 2 cores)...
EXAMPLES = int(os.environ.get("STOCKPATH_FUZZ_EXAMPLES", "15"))
#: ...and the share of that for each caller: the one who may do everything, a seller, an FC and a
#: sales channel (each scoped to its own data), and nobody (mostly turned away at the door).
ACTORS = {"operator": 1.0, "seller": 1.0, "fc": 0.5, "channel": 0.5, "anonymous": 0.4}
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
#: Where a service keeps its own sellers, the seller of the fuzz signs up through the operator's
#: API (path, body), so that its calls get past "who are you" to the routes' own rules.
SIGN_UP = {"registration": ("/v1/sellers", {"name": "Fuzz Seller"})}
#: How much of a failing request and its answer a report shows.
SHOWN_CHARS = 600
#: How many of the innermost frames of the project's own code an unhandled error's report shows.
FRAMES_SHOWN = 6


class Witness:
    """The app, wrapped so that an exception raised inside it is known to be the app's (and not,
    say, a request the client could not send)."""

    def __init__(self, app) -> None:
        self.app = app
        self.errors: list[BaseException] = []

    async def __call__(self, scope, receive, send) -> None:
        try:
            await self.app(scope, receive, send)
        except Exception as error:
            self.errors.append(error)
            raise


@dataclass
class FuzzedApi:
    service: str
    schema: schemathesis.BaseSchema
    witness: Witness
    tokens: dict[str, str]
    database: str = ""
    subjects: dict[str, str] = field(default_factory=lambda: dict(SUBJECTS))
    #: Actors whose credential was turned away (401): the fuzz rotated or revoked it itself.
    expired: set[str] = field(default_factory=set)

    def headers(self, actor: str) -> dict[str, str]:
        if actor in self.expired:
            self.expired.discard(actor)
            self.tokens[actor] = asyncio.run(
                issue_tokens(self.database, {actor: self.subjects[actor]})
            )[actor]
        return {} if actor == "anonymous" else {"Authorization": f"Bearer {self.tokens[actor]}"}


@pytest.fixture(scope="module")
def apis(fresh_database):
    """Factory: ``apis("catalog")`` → the service's API, built once for this module."""
    built: dict[str, FuzzedApi] = {}
    with contextlib.ExitStack() as stack:

        def get(name: str) -> FuzzedApi:
            if name not in built:
                built[name] = build(installed_services()[name], fresh_database, stack)
            return built[name]

        try:
            yield get
        finally:
            asgi.shutdown_lifespans()  # the engines close before their databases are dropped


def build(service: ServiceDefinition, fresh_database, stack: contextlib.ExitStack) -> FuzzedApi:
    database = fresh_database(service.name)
    overrides: dict[str, str] = {"database_url": database}
    for setting, dependency in called_services(service).items():
        dependency_database = fresh_database(dependency.name)
        overrides[setting] = stack.enter_context(served(dependency, dependency_database))
        overrides["service_token"] = asyncio.run(service_token(dependency_database, service.name))
    tokens = asyncio.run(issue_tokens(database))
    witness = Witness(service.api(service.load_settings(**overrides)))
    schema = schemathesis.openapi.from_asgi("/openapi.json", witness)
    api = FuzzedApi(service.name, schema, witness, tokens, database)
    if service.name in SIGN_UP:
        path, body = SIGN_UP[service.name]
        with asgi.get_client(witness) as client:
            answer = client.post(path, json=body, headers=api.headers("operator"))
        assert answer.status_code == 201, answer.text
        api.tokens["seller"], api.subjects["seller"] = (
            answer.json()["token"],
            answer.json()["seller_id"],
        )
    return api


def called_services(service: ServiceDefinition) -> dict[str, ServiceDefinition]:
    """The services `service` calls over HTTP, by the setting naming their URL (``catalog_url``)."""
    others = {
        name.replace("-", "_") + "_url": s
        for name, s in installed_services().items()
        if name != service.name
    }
    return {name: others[name] for name in service.settings.model_fields if name in others}


async def service_token(database_url: str, caller: str) -> str:
    """A credential for `caller` (kind service) in another service's copy of the credentials."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with UnitOfWork(engine, source="/services/test") as uow:
            token, _ = await issue_credential(uow, ActorKind.SERVICE, caller, ttl=None)
            await uow.commit()
    finally:
        await engine.dispose()
    return token


@contextlib.contextmanager
def served(service: ServiceDefinition, database_url: str) -> Iterator[str]:
    """The service's API on a free local port (uvicorn in a thread); yields its base URL."""
    port = free_port()
    app = service.api(service.load_settings(database_url=database_url))
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True, name=f"fuzz-{service.name}")
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, f"{service.name} did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def test_every_installed_service_has_operations_to_fuzz(apis):
    for name in SERVICES:
        operations = [result.ok() for result in apis(name).schema.get_all_operations()]
        assert operations, f"{name} documents no operation"


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("service", SERVICES)
def test_no_request_gets_a_server_error(apis, service, actor):
    api = apis(service)
    failures = [
        failure
        for result in api.schema.get_all_operations()
        if (failure := fuzz_operation(api, result.ok(), actor)) is not None
    ]
    assert not failures, (
        f"{service} as {actor}: {len(failures)} operation(s) answered 5xx\n\n"
        + "\n\n".join(failures)
    )


def test_the_fuzz_reports_an_unhandled_error_and_an_answered_5xx_and_passes_the_rest():
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse

    app = FastAPI()

    @app.exception_handler(Exception)
    async def unexpected(request, exc):  # as the runtime's apps answer: a 500, the error re-raised
        return JSONResponse({"error": "internal"}, status_code=500)

    @app.get("/raises")
    def raises(q: int = 0):
        raise RuntimeError(f"boom {q}")

    @app.get("/unavailable")
    def unavailable(q: int = 0):
        return JSONResponse({"error": "try later"}, status_code=503)

    @app.get("/fine")
    def fine(q: int = 0):
        return {"q": q}

    witness = Witness(app)
    api = FuzzedApi(
        "probe",
        schemathesis.openapi.from_asgi("/openapi.json", witness),
        witness,
        {"operator": "t"},
    )
    found = {
        op.label: fuzz_operation(api, op, "operator")
        for op in (r.ok() for r in api.schema.get_all_operations())
    }
    assert found["GET /fine"] is None
    assert (
        "GET /raises as operator" in found["GET /raises"]
        and "raised RuntimeError: boom" in found["GET /raises"]
    )
    assert "in raises: raise RuntimeError" in found["GET /raises"]
    assert (
        "curl -X GET -H 'Authorization: [Filtered]'" in found["GET /raises"]
    )  # the token is never shown
    assert "answered 503" in found["GET /unavailable"] and "try later" in found["GET /unavailable"]


def fuzz_operation(api: FuzzedApi, operation, actor: str) -> str | None:
    """The first 5xx of the operation as `actor`, described; None when there was none."""
    for mode in MODES:
        if (failure := fuzz_mode(api, operation, actor, mode)) is not None:
            return failure
    return None


def fuzz_mode(api: FuzzedApi, operation, actor: str, mode: GenerationMode) -> str | None:
    headers = api.headers(actor)
    found: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=max(1, round(EXAMPLES * ACTORS[actor])),
        phases=[Phase.generate],  # no shrinking: the first failing case is reported as it is
        database=None,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def call(case) -> None:
        if found:
            return
        api.witness.errors.clear()
        try:
            response = case.call(headers=headers)
        except Exception as error:
            if error not in api.witness.errors:
                raise  # not the app's: the fuzz itself is broken
            found.append(describe(operation, actor, mode, case, headers, error=error))
            return
        if (
            response.status_code == 401
            and "Authorization" in headers
            and (response.request.headers.get("Authorization") == headers["Authorization"])
        ):
            api.expired.add(
                actor
            )  # our own credential turned away: a new one for the next operation
        try:
            case.validate_response(response, checks=[not_a_server_error], headers=headers)
        except (Failure, FailureGroup):
            found.append(describe(operation, actor, mode, case, headers, response=response))

    try:
        call()
    except Unsatisfiable:
        # Nothing of the operation can be made invalid (it takes no parameters and no body).
        if mode is not GenerationMode.NEGATIVE:
            raise
    return found[0] if found else None


def describe(operation, actor, mode, case, headers, *, response=None, error=None) -> str:
    curl = shorten(case.as_curl_command(headers=headers))
    if error is not None:
        frames = traceback.extract_tb(error.__traceback__)
        # The project's own frames tell where it went wrong; the innermost one, where it was raised.
        own = [
            f
            for f in frames
            if f.filename.startswith(ROOT) and ".venv" not in f.filename and f.filename != __file__
        ]
        shown = own[-FRAMES_SHOWN:]
        shown += [frames[-1]] if frames and frames[-1] not in shown else []
        where = "".join(
            f"\n    {f.filename.removeprefix(ROOT)}:{f.lineno} in {f.name}: {f.line}" for f in shown
        )
        outcome = f"raised {type(error).__name__}: {shorten(str(error))}{where}"
    else:
        outcome = f"answered {response.status_code}: {shorten(response.text)}"
    return f"{operation.label} as {actor} ({mode.value} data)\n  {curl}\n  {outcome}"


def shorten(text: str, limit: int = SHOWN_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit} more characters)"
