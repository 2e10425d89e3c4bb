"""factbot on Slack: a slack-bolt AsyncApp in Socket Mode or HTTP mode, translating to and from the core."""
