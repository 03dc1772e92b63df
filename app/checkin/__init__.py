"""Check-in: QR scans at the doors and at sessions, entry and exit, attendance."""
