"""Built-in plugins, registered through the same entry-point groups a third-party plugin uses."""
