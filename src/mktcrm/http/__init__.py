"""HTTP plumbing shared by every connector (imported only by commands that talk to a marketplace)."""
