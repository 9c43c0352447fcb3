"""One FastAGI connection: read the environment, route it, run the handler, publish results."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Mapping

from agi.context import Call, Options, Outcome
from fastagi.channel import Request, parse_request
from fastagi.errors import AgiError, CommandError, ConnectionLost, Hangup, ProtocolError
from fastagi.protocol import AgiChannel, Greeting, set_idle_timeout
from runtime.directory import Directory

logger = logging.getLogger(__name__)

Handler = Callable[[Call], Outcome]


def open_channel(
    sock: socket.socket, idle_timeout: float, greeting: Greeting | None = None
) -> AgiChannel | None:
    """Read the AGI environment (unless ``greeting`` holds it already); None (logged) when
    the peer is not a working AGI client."""
    set_idle_timeout(sock, idle_timeout)
    try:
        return AgiChannel.over_socket(sock, greeting)
    except ProtocolError as e:
        logger.warning("rejected connection: %s", e)
    except ConnectionLost as e:
        logger.warning("connection lost before the AGI environment: %s", e)
    return None


def publish(channel: AgiChannel, outcome: Outcome) -> None:
    for name, value in outcome.variables().items():
        channel.set_variable(name, value)


def announce(channel: AgiChannel, outcome: Outcome, options: Options) -> None:
    """Tell the caller: the handler's prompts, or the one for a refusal."""
    channel.play(outcome.prompts or options.prompts.feedback(outcome.status))


def refuse(
    sock: socket.socket, idle_timeout: float, why: str, greeting: Greeting | None = None
) -> None:
    """Answer a session we will not serve with GITOPS_STATUS=error (the dialplan's error
    prompt) and a log line saying why."""
    channel = open_channel(sock, idle_timeout, greeting)
    if channel is None:
        return
    request = parse_request(channel.env)
    logger.warning("refused %s from %s: %s", request.action, request.channel, why)
    _publish_error(channel, request)


def serve(
    sock: socket.socket,
    routes: Mapping[str, Handler],
    directory: Directory,
    options: Options,
    idle_timeout: float,
    greeting: Greeting | None = None,
) -> None:
    channel = open_channel(sock, idle_timeout, greeting)
    if channel is None:
        return
    request = parse_request(channel.env)
    handler = routes.get(request.action)
    try:
        if handler is None:
            logger.warning("unknown AGI script %r from %s", request.action, request.channel)
            publish(channel, Outcome("error"))
            return
        outcome = _run(handler, Call(channel, request, directory, options))
        logger.info(
            "%s %s from %s: %s", request.action, outcome.agent, request.channel, outcome.status
        )
        publish(channel, outcome)
        announce(channel, outcome, options)
    except Hangup as e:
        logger.info("%s from %s ended: %s", request.action, request.channel, e)
    except CommandError as e:
        logger.error("%s from %s failed: %s", request.action, request.channel, e)
        _publish_error(channel, request)
    except ProtocolError as e:
        logger.error(
            "%s from %s: Asterisk's answer made no sense: %s", request.action, request.channel, e
        )


def _publish_error(channel: AgiChannel, request: Request) -> None:
    try:
        publish(channel, Outcome("error"))
    except AgiError as e:
        logger.info("could not set GITOPS_STATUS=error on %s: %s", request.channel, e)


def _run(handler: Handler, call: Call) -> Outcome:
    """Run a handler; an unexpected bug becomes GITOPS_STATUS=error with a traceback logged."""
    try:
        return handler(call)
    except AgiError:
        raise
    except Exception:
        logger.exception("handler %s crashed on %s", call.request.action, call.request.channel)
        return Outcome("error")
