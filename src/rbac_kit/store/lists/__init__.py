"""The admin lists in SQL: what each kind shows, the query, and running it."""
