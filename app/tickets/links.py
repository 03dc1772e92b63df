"""Absolute links to tickets: what QR codes and mails point at."""
from __future__ import annotations

from flask import current_app, has_request_context, request


def public_origin() -> str:
    """BACKLOT_BASE_URL, else the origin the request came in on."""
    configured = current_app.config.get("BACKLOT_BASE_URL")
    if configured:
        return configured
    if has_request_context():
        return request.host_url.rstrip("/")
    return f"http://127.0.0.1:{current_app.config.get('PORT', 5000)}"


def ticket_url(code: str) -> str:
    """The ticket page; the QR code encodes exactly this."""
    return f"{public_origin()}/t/{code}"
