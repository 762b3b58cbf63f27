"""Announcements by email: recipients (CSV), compose (EmailMessage, outbox/*.eml), send (SMTP, journal).

Data flows recipients -> compose -> send; each module imports only those before it.
"""
