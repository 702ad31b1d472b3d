"""SLA clocks: calendars, the policy, clock arithmetic, evaluation over many incidents."""
