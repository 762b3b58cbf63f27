"""Idea banks the tests write: one idea, in the first bank format and in the second."""

DESK_YOGA = """\
- id: desk-yoga
  title: Desk Yoga
  category: wellness
  kind: activity
  summary: Ten minutes of stretches at the desk.
  how_to: |
    1. Book an instructor.
    2. Stretch.
  duration_minutes: 15
  time_of_day: morning
  modes: [onsite, remote, hybrid]
"""

# the second format: a span and a format where the first had a kind
DESK_YOGA_V2 = DESK_YOGA.replace("  kind: activity\n", "  span: slot\n  format: desk\n")
