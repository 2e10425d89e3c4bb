"""The domain at the bottom of every layer: claims, evidence, events and replies, and the rules that need only them."""
