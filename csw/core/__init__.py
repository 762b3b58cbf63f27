"""The foundations every layer uses: errors, atomic files, YAML with lines, validation, cache."""
