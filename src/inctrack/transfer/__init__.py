"""Export and import: every incident with its whole history, out and back in."""
