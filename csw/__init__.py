"""csw: plan Customer Service Week, from the week's dates to the announcement emails."""

__version__ = "0.1.0"
