"""Secrets a task's definition names, resolved at task start from the sources a stack chooses.

``refs`` reads what ``valueFrom`` and ``credentialsParameter`` may hold, ``sources`` defines the
``SecretSource`` protocol with the engine's own sources (a local secrets file, ecsdev's
endpoint), ``config`` the layout's ``secrets.sources`` as stored for the controller, and
``resolve`` the launch hook that puts values into containers' environments, or refuses the
launch with ECS's own ``ResourceInitializationError`` text. Values are held in memory only for
the launch that needs them.
"""
