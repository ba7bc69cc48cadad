"""Why did it stop: ECS's stop codes, stopped reasons and exit codes explained in plain words,
with the evidence (exit codes, OOM and memory limits, health-check history, last log lines,
the dependency or target group that failed) and the next step.

Why a package of its own: ``ecsdev explain`` and the dashboard's task view both read it, and
local and AWS tasks go through the same code: a task as DescribeTasks shows it (parsed by the
sources' own parser), its task definition, and evidence gathered where the task ran
(``local`` from the engine's records, ``aws`` read-only from AWS).
"""
