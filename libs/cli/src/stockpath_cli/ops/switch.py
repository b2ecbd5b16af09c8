"""Blue/green switch of one service between databases: the ways `stockpath replay` stops the live
service and starts it again on the rebuilt database.

With a running `stockpath up` (`StackSwitch`) the request goes through the stack's control files
(`stockpath_cli.control`), since `up` owns the service processes.
"""

from __future__ import annotations

from stockpath_cli import control


class StackSwitch:
    """The `Switch` of a running `stockpath up`."""

    def __init__(self, timeout_s: float = 120) -> None:
        self.timeout_s = timeout_s

    def stop(self, service: str) -> None:
        control.request(service, "stop", timeout_s=self.timeout_s)

    def start(self, service: str, *, database_url: str, consumer_group: str) -> None:
        control.request(
            service,
            "start",
            timeout_s=self.timeout_s,
            database_url=database_url,
            consumer_group=consumer_group,
        )


class AlreadyStopped:
    """The `Switch` when the operator stopped the service (e.g. scaled it to 0 in Kubernetes): the
    replay does the drain, catch-up, suppression and offsets, and the operator starts the service
    on the database and group it prints."""

    def stop(self, service: str) -> None:
        pass

    def start(self, service: str, *, database_url: str, consumer_group: str) -> None:
        pass


class PlatformSwitch:
    """The `Switch` of a `Platform` this process owns (the test fixtures')."""

    def __init__(self, platform) -> None:
        self.platform = platform

    def stop(self, service: str) -> None:
        self.platform.stop_service(service)

    def start(self, service: str, *, database_url: str, consumer_group: str) -> None:
        self.platform.start_service(
            service, database_url=database_url, consumer_group=consumer_group
        )
