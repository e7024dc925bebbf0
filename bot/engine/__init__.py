"""The guideline engine: pure (text + guidelines -> findings), no database, no Slack."""
