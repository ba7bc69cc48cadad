"""ecsdev's sources for the engine's tasks: what only the layer with boto3 can reach.

The engine resolves secrets and role credentials through ``emulator.providers``; sources that
read an AWS account or LocalStack through boto3 live in ``ecsdev.sources`` and are installed
here. The CLI names this module in ``ECSDEV_PROVIDERS`` so that every process it starts
(controllers, the endpoint, and the controllers the endpoint starts) installs them too.
"""

from __future__ import annotations

from ecsdev.sources import rolecreds, secretsources
from emulator.providers import Providers, install

install(
    Providers(
        secret_sources={"localstack": secretsources.localstack, "aws": secretsources.aws},
        credential_sources={"session": rolecreds.session, "assume-role": rolecreds.assume_role},
    )
)
