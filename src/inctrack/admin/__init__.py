"""Team administration: users, the category taxonomy, the SLA policy and calendar."""
