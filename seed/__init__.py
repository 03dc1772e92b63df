"""The demo programme of AI BACKLOT (programme.toml) and its idempotent loader."""
