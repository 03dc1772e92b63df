"""My Story: rounds, stories from the kiosks, moderation, and the public screens."""
