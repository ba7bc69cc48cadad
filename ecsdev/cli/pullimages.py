"""Getting a pulled task definition's images onto the user's Docker, for ``ecsdev pull`` and
``ecsdev run-task --from-aws``.

Why a module of its own: it is where AWS credentials meet Docker. An ECR image is pulled
with the profile's registry credentials (ecr:GetAuthorizationToken), handed to the engine
for that one pull in the request's ``X-Registry-Auth`` header, as ``docker login`` would
but without writing them to ``~/.docker/config.json``; they are never printed or stored.
Images already on the engine are used as they are (ecsdev's rule: pull only what is
missing). What cannot be pulled is gathered into one message that names each image and
what to do about it, instead of a failure per image.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rich.text import Text

from ecsdev.cli import output
from ecsdev.sources.aws_pull import ECR_IMAGE, AwsReader
from ecsdev.sources.clean import clean_text
from emulator.errors import EcsdevError
from emulator.runtime.dockercall import call

Note = Callable[[str], None]


def say(text: str, style: str = "dim") -> None:
    """Progress or a note on stderr; AWS text cleaned of control sequences and never read
    as markup (``:secret:`` in an ARN stays text)."""
    output.line(Text(clean_text(text), style=style), to_err=True)


def _split(ref: str) -> tuple[str, str]:
    """(repository, tag or digest) as the engine's pull API takes them."""
    if "@" in ref:
        repo, _, digest = ref.partition("@")
        return repo, digest
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        repo, _, tag = ref.rpartition(":")
        return repo, tag
    return ref, "latest"


def _pull(rt: Any, ref: str, auth: dict[str, str] | None) -> None:
    repo, tag = _split(ref)

    def run() -> None:
        for chunk in rt.api.pull(repo, tag=tag, stream=True, decode=True, auth_config=auth):
            if "error" in chunk:
                raise EcsdevError(str(chunk["error"]).strip())

    call(f"pull {ref}", run)


def obtain_images(
    rt: Any, images: Iterable[str], reader: AwsReader | None, note: Note = say
) -> dict[str, str]:
    """Pull each image the engine does not have; image -> why it could not be had."""
    failed: dict[str, str] = {}
    for image in dict.fromkeys(images):
        if rt.image_present(image):
            note(f"image {image}: on this machine")
            continue
        auth = None
        if reader is not None and ECR_IMAGE.match(image):
            try:
                login = reader.ecr_login(image)
            except EcsdevError as e:
                failed[image] = f"no ECR credentials ({e.message})"
                continue
            if login is not None:
                auth = {"username": login[0], "password": login[1]}
        note(f"pulling {image}{' with ECR credentials' if auth else ''}…")
        try:
            _pull(rt, image, auth)
        except EcsdevError as e:
            failed[image] = e.message
            continue
        note(f"image {image}: pulled")
    return failed


def what_to_do(image: str, repository_credentials: bool = False) -> str:
    m = ECR_IMAGE.match(image)
    if m is not None:
        return (
            f"the profile needs ecr:GetAuthorizationToken and ecr:BatchGetImage on the "
            f"repository (account {m['account']}, {m['region']}), or build it here and tag "
            "it with this name"
        )
    registry = image.split("/", 1)[0] if "/" in image else ""
    if repository_credentials or (registry and ("." in registry or ":" in registry)):
        return (
            f"`docker login {registry or 'REGISTRY'}`, then `ecsdev up` pulls it; or build it "
            "here and tag it with this name"
        )
    return "check the name and that Docker Hub answers, or build it here and tag it"


def unpullable_message(
    failed: dict[str, str], private: set[str] | frozenset[str] = frozenset()
) -> str:
    """One message naming every image that could not be had, and what to do for each."""
    n = len(failed)
    lines = [
        f"{n} image{'s' if n != 1 else ''} could not be pulled; `ecsdev up` needs "
        f"{'them' if n != 1 else 'it'} on this machine:"
    ]
    for image, why in failed.items():
        reason = " ".join(clean_text(why).split())
        if len(reason) > 200:
            reason = reason[:199] + "…"
        todo = what_to_do(image, image in private)
        lines.append(f"  {clean_text(image)}: {reason}; to fix: {todo}")
    return "\n".join(lines)


def images_of(task_definition: dict[str, Any]) -> tuple[list[str], set[str]]:
    """(every image, the ones with repositoryCredentials) of a task definition."""
    containers = task_definition.get("containerDefinitions") or []
    images = [str(c.get("image", "")) for c in containers if c.get("image")]
    private = {str(c["image"]) for c in containers if c.get("repositoryCredentials")}
    return images, private


__all__ = ["images_of", "obtain_images", "say", "unpullable_message", "what_to_do"]
