"""csw.toml: the settings model, reading the file, and the departments a team thanks."""
