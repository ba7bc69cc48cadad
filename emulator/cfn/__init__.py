"""CloudFormation templates and CDK cloud assemblies as layouts: ``ecsdev up -f template.yaml``
and ``ecsdev up -f cdk.out`` run a template's ECS and ELBv2 resources exactly as a layout would.

``load_templates`` is the entry point; ``looks_like_template`` tells a template (or a cdk.out
directory) from a layout or a task-definition file.
"""

from emulator.cfn.source import looks_like_template
from emulator.cfn.translate import layout_name, load_templates

__all__ = ["layout_name", "load_templates", "looks_like_template"]
