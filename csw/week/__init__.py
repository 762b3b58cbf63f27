"""The week itself: its dates in any year and the official themes."""
