"""The engine's AWS-facing edge: ``ecsdev serve`` answers the AWS API on 127.0.0.1:4566.

Why this exists: teams drive ECS with the AWS CLI, the SDKs, Terraform and CloudFormation.
This package lets every such client run its stack on the emulator unchanged, with
``AWS_ENDPOINT_URL=http://127.0.0.1:4566``.

Layout of the package (each module owns one concern):

- ``api``: what every handler sees (``Request``), raises (``ApiError``) and returns (a dict
  whose members are the operation's output shape members, as botocore names them).
- ``wire/``: the protocols, driven by botocore's service models: request parsing for
  awsJson1_1, awsQuery and ec2, and response/error serialization (JSON, XML). The only place
  AWS JSON/XML is made; ``--json`` and the dashboard read what it makes.
- ``server``: the HTTP server (one line per request in its log), routing to handlers, and
  everything else to the embedded moto backend (``fallback``); ``routing`` finds the service of
  a request, ``registry`` lists the handler modules (one line per service).
- ``main``: the endpoint process (lock, ``serve.json``); ``daemon``: start/find/stop it in the
  background (``ecsdev serve -d``/``--stop``, and any command that needs the endpoint).
- ``resources``: the endpoint's own typed resource tables (one codec, one transaction per write).
- ``ecs``, ``elbv2``, ``logs``, ``ec2``, ``sts``: the operations ecsdev implements itself.
"""
