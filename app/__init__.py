"""Backlot: runs AI BACKLOT, the SIFF public exhibition.

This package's top level imports nothing on purpose: the production entry point
(`app.wsgi`) must monkey-patch with eventlet before Flask or any driver is
imported, and importing `app.wsgi` runs this file first. The factory lives in
`app.factory`.
"""
