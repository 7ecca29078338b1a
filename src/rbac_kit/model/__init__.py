"""The domain model: values, the permission catalog, built-in roles, validation, the directory."""
