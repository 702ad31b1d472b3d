"""Problem records and the recurring-incident patterns that suggest them."""
