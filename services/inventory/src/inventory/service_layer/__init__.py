"""Use cases: one handler per command on the typed unit of work (FC staff's commands commit their
own; those made from consumed events run in the runtime's), and the views routes and pages read."""
