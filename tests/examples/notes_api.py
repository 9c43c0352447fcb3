"""A local stand-in for GitLab's merge-request notes API, for the plan job's note poster."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

NOTES = "/api/v4/projects/42/merge_requests/7/notes"


class NotesApi:
    """Serves ``notes`` on GET; records every request as ``(method, path, token, body)``."""

    def __init__(self, notes: list[dict[str, Any]] | None = None) -> None:
        self.notes = notes or []
        self.requests: list[tuple[str, str, str, dict[str, Any] | None]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                token = self.headers.get("PRIVATE-TOKEN") or ""
                api.requests.append((self.command, self.path, token, body))
                answer = api.notes if self.command == "GET" else {"id": 1}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = _record

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def env(self) -> dict[str, str]:
        """The CI variables the note poster reads."""
        host, port = self.server.server_address[:2]
        return {
            "CI_API_V4_URL": f"http://{host!s}:{port}/api/v4",
            "CI_PROJECT_ID": "42",
            "CI_MERGE_REQUEST_IID": "7",
            "GITOPS_NOTE_TOKEN": "note-token",
        }

    def posted(self) -> list[tuple[str, str, str, dict[str, Any] | None]]:
        return [r for r in self.requests if r[0] != "GET"]

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
