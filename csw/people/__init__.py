"""The people: the recipients CSV, the roster and its shifts, waves of reps, customer kudos."""
