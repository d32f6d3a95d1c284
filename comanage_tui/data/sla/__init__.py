"""SLA: business calendars, policies, the clock engine and its explanation."""
