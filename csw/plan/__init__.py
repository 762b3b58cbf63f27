"""The plan: its model and rules, plan.yaml on disk, and what a team can pay."""
