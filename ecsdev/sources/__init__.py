"""Where the dashboard's data comes from: the ``Source`` protocol and the views it returns.

The TUI imports from here and from nothing lower; this package never imports textual or
rich, so the same sources serve scripts and tests without a terminal. ``AwsSource`` is not
imported here because importing boto3 takes a while; ``ContextCatalog.open`` loads it when
an AWS or LocalStack context is opened.
"""

from ecsdev.sources.base import (
    ApiCall,
    BaseSource,
    Capability,
    Change,
    ExecPlan,
    ForceDeployment,
    ScaleService,
    Source,
    StopTask,
    Unsupported,
)
from ecsdev.sources.config import ProfileSettings, UserConfig, load_config
from ecsdev.sources.contexts import Context, ContextCatalog

__all__ = [
    "ApiCall",
    "BaseSource",
    "Capability",
    "Change",
    "Context",
    "ContextCatalog",
    "ExecPlan",
    "ForceDeployment",
    "ProfileSettings",
    "ScaleService",
    "Source",
    "StopTask",
    "Unsupported",
    "UserConfig",
    "load_config",
]
