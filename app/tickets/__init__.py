"""Tickets: registrations, QR tickets, session places with waiting lists, and visitor mail."""
