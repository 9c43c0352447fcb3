"""The OpenAPI 3.1 document of the API, served at ``/api/openapi.json`` (docs/web-api.md)."""

from __future__ import annotations

from typing import Any

from runtime.state import STATES

STATUSES = [
    "ok", "pending", "unknown_agent", "bad_pin", "locked", "no_phone", "phone_not_registered",
    "phone_in_use", "not_logged_in", "not_permitted", "bad_reason", "error",
    "unauthenticated", "csrf", "bad_request",
]  # fmt: skip


AGENT = [{"name": "agent", "in": "path", "required": True, "schema": {"type": "string"}}]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _answers(ok: str, *codes: int) -> dict[str, Any]:
    refusals = {
        400: "malformed JSON or a missing field",
        401: "not logged in, session expired, bad token, wrong PIN",
        403: "not permitted, or a missing or wrong X-CSRF-Token",
        404: "unknown agent",
        409: "not logged in, phone in use or not registered",
        422: "unknown pause reason, phone or interface",
        423: "locked out after too many wrong PINs",
        503: "Asterisk or its lock channel unavailable: nothing changed",
    }
    found: dict[str, Any] = {"200": _json(_ref("Outcome"), ok)}
    for code in codes:
        found[str(code)] = _json(_ref("Outcome"), refusals[code])
    return found


def _action(summary: str, body: dict[str, Any] | None, *codes: int) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "parameters": AGENT,
        "security": [{"session": [], "csrf": []}, {"token": []}],
        "responses": _answers("done", 400, 401, 403, 404, *codes, 503),
    }
    if body is not None:
        operation["requestBody"] = {"content": {"application/json": {"schema": body}}}
    return {"post": operation}


def document() -> dict[str, Any]:
    pending = {"202": _json(_ref("Outcome"), "the agent is on a call: pending until it ends")}
    pause = _action("Pause (pending while on a call)", _ref("Pause"), 409, 422)
    pause["post"]["responses"].update(pending)
    logout = _action("Log out of every queue (pending while on a call)", None, 409)
    logout["post"]["responses"].update(pending)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "asterisk-gitops agent sessions",
            "version": "1",
            "description": "Agents log in, pause, unpause and log out; supervisors and "
            "integrations watch and act on the agents of their scope. See docs/web-api.md.",
        },
        "paths": {
            "/api/session": {
                "post": {
                    "summary": "Log in to the service (agent number or supervisor id, and PIN)",
                    "requestBody": {
                        "content": {"application/json": {"schema": _ref("Credentials")}}
                    },
                    "responses": {
                        "200": _json(_ref("Session"), "logged in; the cookie is set"),
                        **{k: v for k, v in _answers("", 400, 401, 423, 503).items() if k != "200"},
                    },
                },
                "get": {
                    "summary": "Who is logged in, and the session's CSRF token",
                    "responses": {
                        "200": _json(_ref("Session"), "the session"),
                        **_answers("", 401),
                    },
                },
                "delete": {
                    "summary": "Log out of the service (not of the queues)",
                    "security": [{"session": [], "csrf": []}],
                    "responses": _answers("the session is over", 401, 403),
                },
            },
            "/api/agents": {
                "get": {
                    "summary": "The live table of the agents the caller may see",
                    "security": [{"session": []}, {"token": []}],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {"agents": {"type": "array", "items": _ref("Agent")}},
                            },
                            "the agents",
                        )
                    },
                }
            },
            "/api/agents/{agent}": {
                "get": {
                    "summary": "One agent's live row",
                    "parameters": AGENT,
                    "responses": {
                        "200": _json(_ref("Agent"), "the agent"),
                        **_answers("", 401, 403, 404),
                    },
                }
            },
            "/api/agents/{agent}/phones": {
                "get": {
                    "summary": "Where the agent may log in now: free phones, or interfaces",
                    "parameters": AGENT,
                    "responses": {
                        "200": _json(_ref("Choices"), "the choices"),
                        **_answers("", 401, 403, 404),
                    },
                }
            },
            "/api/agents/{agent}/login": _action(
                "Log the agent in (the agent only), all queues or none",
                _ref("Login"),
                409,
                422,
                423,
            ),
            "/api/agents/{agent}/logout": logout,
            "/api/agents/{agent}/pause": pause,
            "/api/agents/{agent}/unpause": _action("Unpause (drops a pending pause)", None, 409),
            "/api/events": {
                "get": {
                    "summary": "Server-Sent Events: 'snapshot' (all rows), then 'agent' per change",
                    "responses": {
                        "200": {
                            "description": "text/event-stream",
                            "content": {"text/event-stream": {}},
                        }
                    },
                }
            },
            "/api/health": {
                "get": {
                    "summary": "AMI connection and lock channel of each server",
                    "responses": {
                        "200": {"description": "all connected"},
                        "503": {"description": "a server is not connected"},
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "gitops_session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
                "token": {"type": "http", "scheme": "bearer"},
            },
            "schemas": {
                "Credentials": {
                    "type": "object",
                    "required": ["user", "pin"],
                    "properties": {
                        "user": {
                            "type": "string",
                            "description": "agent id or extension, or supervisor id",
                        },
                        "pin": {"type": "string"},
                    },
                },
                "Session": {
                    "type": "object",
                    "properties": {
                        "status": {"const": "ok"},
                        "user": {
                            "type": "object",
                            "properties": {
                                "kind": {"enum": ["agent", "supervisor", "token"]},
                                "id": {"type": "string"},
                                "name": {"type": "string"},
                            },
                        },
                        "csrf": {
                            "type": ["string", "null"],
                            "description": "send as X-CSRF-Token with every change",
                        },
                    },
                },
                "Outcome": {
                    "type": "object",
                    "required": ["status"],
                    "properties": {
                        "status": {"enum": STATUSES},
                        "agent": {"type": "string"},
                        "interface": {"type": "string"},
                        "reason": {"type": "string"},
                        "detail": {"type": "string", "description": "one sentence saying why"},
                    },
                },
                "Agent": {
                    "type": "object",
                    "properties": {
                        "agent": {"type": "string"},
                        "name": {"type": "string"},
                        "server": {"type": "string"},
                        "state": {"enum": [*STATES, None]},
                        "interface": {"enum": ["internal", "phone", "hotdesk", "mobile", None]},
                        "phone": {"type": ["string", "null"]},
                        "queues": {"type": "array", "items": {"type": "string"}},
                        "paused": {"type": "boolean"},
                        "reason": {"type": ["string", "null"]},
                        "paused_since": {
                            "type": ["integer", "null"],
                            "description": "Unix seconds",
                        },
                        "since": {
                            "type": ["integer", "null"],
                            "description": "login, Unix seconds",
                        },
                        "pending": {
                            "type": ["string", "null"],
                            "description": "pause:<reason> or logout, until the call ends",
                        },
                    },
                },
                "Login": {
                    "type": "object",
                    "properties": {
                        "interface": {
                            "enum": ["internal", "phone", "mobile"],
                            "description": "hot desk off; default: the agent's default_interface",
                        },
                        "phone": {
                            "type": "string",
                            "description": "hot desk: the phone's extension or id",
                        },
                        "paused": {
                            "type": "string",
                            "description": "log in paused for this reason (name or code)",
                        },
                    },
                },
                "Pause": {
                    "type": "object",
                    "required": ["reason"],
                    "properties": {
                        "reason": {"type": "string", "description": "reason name or code"}
                    },
                },
                "Choices": {
                    "type": "object",
                    "properties": {
                        "hot_desk": {"type": "boolean"},
                        "phones": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "id": {"type": "string"},
                                    "extension": {"type": "string"},
                                    "name": {"type": "string"},
                                    "site": {"type": "string"},
                                },
                            },
                        },
                        "interfaces": {"type": "array", "items": {"type": "string"}},
                        "default_interface": {"type": ["string", "null"]},
                        "choose_interface": {"type": "boolean"},
                        "login_paused": {"type": ["string", "null"]},
                    },
                },
            },
        },
    }
