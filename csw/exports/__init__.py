"""What a plan becomes: rendered templates, the agenda, calendars, coverage sheet, certificates."""
