"""Docker SDK errors translated once, for docker.py and dockerimages.py: an unreachable
engine becomes ``DockerUnavailable`` naming DOCKER_HOST, a 404 ``NotFound``, anything else
the engine refuses ``RuntimeOperationError``."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

import docker.errors
import requests.exceptions

from emulator.errors import DockerUnavailable, NotFound, RuntimeOperationError

T = TypeVar("T")


def _unavailable(err: Exception) -> DockerUnavailable:
    where = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock (DOCKER_HOST is unset)"
    return DockerUnavailable(
        f"Docker is not reachable at {where}.",
        "Start the Docker engine (scripts/docker-engine.sh does it on Debian), "
        "or point DOCKER_HOST at a running one.",
    )


def call(what: str, fn: Callable[[], T]) -> T:
    try:
        return fn()
    except docker.errors.NotFound as e:
        raise NotFound(f"{what}: not found ({e.explanation or e})") from e
    except docker.errors.APIError as e:
        raise RuntimeOperationError(f"{what}: {e.explanation or e}") from e
    except docker.errors.DockerException as e:
        if "Error while fetching server API version" in str(e) or isinstance(
            e.__cause__, requests.exceptions.ConnectionError
        ):
            raise _unavailable(e) from e
        raise RuntimeOperationError(f"{what}: {e}") from e
    except requests.exceptions.ConnectionError as e:
        raise _unavailable(e) from e
    except requests.exceptions.RequestException as e:  # read timeouts under heavy load
        raise RuntimeOperationError(
            f"{what}: the Docker engine did not answer in time ({e})"
        ) from e
