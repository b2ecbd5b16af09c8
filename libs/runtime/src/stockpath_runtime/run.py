"""Process entry point: ``python -m stockpath_runtime.run {api|worker|migrate} <service>``."""

from __future__ import annotations

import sys

from stockpath_runtime import tracing
from stockpath_runtime.service import get_service


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] not in ("api", "worker", "migrate"):
        raise SystemExit("usage: python -m stockpath_runtime.run {api|worker|migrate} <service>")
    role, name = args
    service = get_service(name)
    if role != "migrate":
        # Before anything makes an engine or an HTTP client: they are instrumented as they are made.
        tracing.configure(service.name, role, service.load_settings())
    if role == "migrate":
        from stockpath_runtime.migrations import upgrade

        upgrade(service.migrations, service.load_settings().database_url)
    elif role == "worker":
        from stockpath_runtime import worker

        worker.run(service)
    else:
        import uvicorn

        from stockpath_runtime.logs import configure_logging

        settings = service.load_settings()
        config = configure_logging(
            service.name, "api", fmt=settings.log_format, level=settings.log_level
        )
        app = service.api(settings)
        tracing.instrument_app(app)
        uvicorn.run(
            app,
            host=settings.http_host,
            port=settings.http_port,
            log_config=config,
            access_log=False,
            lifespan="on",
        )


if __name__ == "__main__":
    main()
