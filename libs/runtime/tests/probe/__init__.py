"""The probe service the runtime's tests run (probe/service.py), and where it lives."""

from pathlib import Path

#: The runtime's tests folder: the probe's parent, put on a worker process's PYTHONPATH.
HERE = Path(__file__).parent.parent
#: How the runtime finds the probe's ServiceDefinition (`stockpath_runtime.service.get_service`).
PROBE = "probe.service:SERVICE"
