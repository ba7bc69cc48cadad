"""Names between tasks: Service Connect client aliases and Cloud Map (service registry) names.

Why this exists: services find each other in ECS by ``http://orders:8080`` (Service Connect)
or ``orders.internal`` (Cloud Map), answered only by the service's running, healthy tasks.
Locally each discoverable service gets a small forwarder container that holds those names as
Docker network aliases on every network of the stack, listens on each client alias port and
forwards to the healthy tasks' IP and container port. ``config`` is what the service asks
for, ``plan`` the endpoints it makes (pure), ``forwarder`` the program in the container,
``proxy`` the container itself. The engine feeds it from task observations
(``emulator.discoverytargets``); this package stands on the model alone.
"""
