"""Edge to our own state: the database (SQLModel) and Redis (claims, rates)."""
