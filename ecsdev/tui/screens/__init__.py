"""The dashboard's views, one module per area (ECS, a task, logs, network, load balancers,
task definitions, contexts) and the dialogs."""
